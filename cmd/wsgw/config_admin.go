package main

import "github.com/wsgw/wsgw/gateway"

// fileAdmin is the `admin:` section: where /admin and /metrics are served
// and the token they require (gateway.AdminConfig). README.md, "admin".
type fileAdmin struct {
	Listen    string `yaml:"listen"`
	TokenFile string `yaml:"token_file"` // relative to the config file's directory
}

func (a fileAdmin) toGateway(baseDir string) gateway.AdminConfig {
	return gateway.AdminConfig{Listen: a.Listen, TokenFile: resolvePath(a.TokenFile, baseDir)}
}
