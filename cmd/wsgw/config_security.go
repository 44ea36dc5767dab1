package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/wssecurity"
)

// fileTLS is the `tls:` section: the listener serves HTTPS
// (gateway.TLSConfig). Relative paths are taken from the config file's
// directory. README.md, "tls".
type fileTLS struct {
	CertFile      string   `yaml:"cert_file"`
	KeyFile       string   `yaml:"key_file"`
	ClientCAFiles []string `yaml:"client_ca_files"`
	ClientAuth    string   `yaml:"client_auth"` // require (default with client_ca_files) or optional
	MinVersion    string   `yaml:"min_version"` // "1.2" (default) or "1.3"
}

// fileClientTLS is `backend_tls:` and `egress_tls:` (gateway.ClientTLSConfig).
type fileClientTLS struct {
	CAFiles  []string `yaml:"ca_files"`
	CertFile string   `yaml:"cert_file"`
	KeyFile  string   `yaml:"key_file"`
}

// fileSecurity is the `security:` section: the users file and the bounds of
// the WS-Security checks (gateway.SecurityConfig).
type fileSecurity struct {
	UsersFile            string   `yaml:"users_file"`
	MaxAge               duration `yaml:"max_age"`
	MaxSkew              duration `yaml:"max_skew"`
	MaxNonces            int      `yaml:"max_nonces"`
	MaxNoncesPerIdentity int      `yaml:"max_nonces_per_identity"`
	FailedAuth           struct {
		Burst        int      `yaml:"burst"`
		Recovery     duration `yaml:"recovery"`
		MaxAddresses int      `yaml:"max_addresses"`
	} `yaml:"failed_auth"`
}

// fileServiceSecurity is services[].security (gateway.ServiceSecurity).
type fileServiceSecurity struct {
	RequireUsernameToken     bool                `yaml:"require_username_token"`
	RequireTimestamp         bool                `yaml:"require_timestamp"`
	RequireClientCertificate bool                `yaml:"require_client_certificate"`
	PasswordTypes            []string            `yaml:"password_types"` // text, digest
	Allow                    fileRule            `yaml:"allow"`
	Operations               map[string]fileRule `yaml:"operations"`
	ReliableOperations       map[string]fileRule `yaml:"reliable_operations"`
	ForwardSecurityHeader    bool                `yaml:"forward_security_header"`
}

type fileRule struct {
	Users    []string `yaml:"users"`
	Groups   []string `yaml:"groups"`
	Subjects []string `yaml:"subjects"`
}

// fileUsers is the users file that security.users_file names.
type fileUsers struct {
	Users []fileUser `yaml:"users"`
}

// fileUser is one user. password_hash comes from `wsgw passwd`; the
// digest secret, needed for PasswordDigest only, is best kept in a file of
// its own (digest_secret_file, relative to the users file) that only the
// gateway can read: it is a password equivalent.
type fileUser struct {
	Name             string   `yaml:"name"`
	Groups           []string `yaml:"groups"`
	PasswordHash     string   `yaml:"password_hash"`
	DigestSecret     string   `yaml:"digest_secret"`
	DigestSecretFile string   `yaml:"digest_secret_file"`
	Subjects         []string `yaml:"subjects"`
}

func (t *fileTLS) toGateway(baseDir string) *gateway.TLSConfig {
	if t == nil {
		return nil
	}
	return &gateway.TLSConfig{CertFile: resolvePath(t.CertFile, baseDir), KeyFile: resolvePath(t.KeyFile, baseDir),
		ClientCAFiles: resolvePaths(t.ClientCAFiles, baseDir), ClientAuth: t.ClientAuth, MinVersion: t.MinVersion}
}

func (t *fileClientTLS) toGateway(baseDir string) *gateway.ClientTLSConfig {
	if t == nil {
		return nil
	}
	return &gateway.ClientTLSConfig{CAFiles: resolvePaths(t.CAFiles, baseDir),
		CertFile: resolvePath(t.CertFile, baseDir), KeyFile: resolvePath(t.KeyFile, baseDir)}
}

func (s *fileSecurity) toGateway() gateway.SecurityConfig {
	return gateway.SecurityConfig{Config: wssecurity.Config{MaxAge: time.Duration(s.MaxAge), MaxSkew: time.Duration(s.MaxSkew),
		MaxNonces: s.MaxNonces, MaxNoncesPerIdentity: s.MaxNoncesPerIdentity},
		FailedAuth: gateway.FailedAuthLimit{Burst: s.FailedAuth.Burst, Recovery: time.Duration(s.FailedAuth.Recovery),
			MaxAddresses: s.FailedAuth.MaxAddresses}}
}

func (s *fileServiceSecurity) toGateway() *gateway.ServiceSecurity {
	if s == nil {
		return nil
	}
	ss := &gateway.ServiceSecurity{RequireUsernameToken: s.RequireUsernameToken, RequireTimestamp: s.RequireTimestamp,
		RequireClientCertificate: s.RequireClientCertificate, PasswordTypes: s.PasswordTypes,
		Allow: s.Allow.toRule(), Operations: toRules(s.Operations), ReliableOperations: toRules(s.ReliableOperations),
		ForwardSecurityHeader: s.ForwardSecurityHeader}
	return ss
}

// toRules maps rules by name; nil stays nil.
func toRules(m map[string]fileRule) map[string]wssecurity.Rule {
	if m == nil {
		return nil
	}
	out := make(map[string]wssecurity.Rule, len(m))
	for name, r := range m {
		out[name] = r.toRule()
	}
	return out
}

func (r fileRule) toRule() wssecurity.Rule {
	return wssecurity.Rule{Users: r.Users, Groups: r.Groups, Subjects: r.Subjects}
}

// usersPath returns the users file's path ("" when there is none).
func (fc *fileConfig) usersPath(baseDir string) string {
	return resolvePath(fc.Security.UsersFile, baseDir)
}

// loadUsers reads and checks the users file at path ("": no users). Its
// errors name the file, and each problem's key and position in it.
func loadUsers(path string) ([]wssecurity.User, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading users file: %w", err)
	}
	var fu fileUsers
	doc, err := decodeDocument(data, &fu)
	if err != nil {
		return nil, fmt.Errorf("users file %s:\n%w", path, err)
	}
	var users []wssecurity.User
	var l fielderr.List
	list := fielderr.Path{}.Field("Users")
	for i, u := range fu.Users {
		wu := wssecurity.User{Name: u.Name, Groups: u.Groups, PasswordHash: u.PasswordHash, DigestSecret: u.DigestSecret, Subjects: u.Subjects}
		switch {
		case u.DigestSecret != "" && u.DigestSecretFile != "":
			l.Add(list.Index(i), "digest_secret and digest_secret_file: give one")
		case u.DigestSecretFile != "":
			b, err := os.ReadFile(resolvePath(u.DigestSecretFile, filepath.Dir(path)))
			if err != nil {
				l.Add(list.Index(i).Field("DigestSecretFile"), "%w", err)
			}
			wu.DigestSecret = strings.TrimRight(string(b), "\r\n")
			if wu.DigestSecret == "" && err == nil {
				l.Add(list.Index(i).Field("DigestSecretFile"), "empty")
			}
		}
		users = append(users, wu)
	}
	if l.Len() == 0 {
		_, err = wssecurity.NewUsers(users)
		l.Nest(list, err)
	}
	if err := l.Err(); err != nil {
		return nil, fmt.Errorf("users file %s:\n%s", path, explainProblems(reflect.TypeFor[fileUsers](), doc, err))
	}
	return users, nil
}

// resolvePath makes a relative path relative to baseDir.
func resolvePath(p, baseDir string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(baseDir, p)
}

func resolvePaths(ps []string, baseDir string) []string {
	if ps == nil {
		return nil
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = resolvePath(p, baseDir)
	}
	return out
}
