package gateway

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// TLSConfig makes the listener serve HTTPS. Files are PEM; they are read
// when the gateway is built and again by ReloadTLS (on SIGHUP in `wsgw
// serve`), which swaps them in for new connections while open ones go on.
type TLSConfig struct {
	CertFile, KeyFile string // required: the certificate (chain) and its key
	// ClientCAFiles, when set, make the listener ask for client
	// certificates (mTLS), verified against these CAs; the subject of a
	// verified certificate is the caller's identity (security.go).
	ClientCAFiles []string
	// ClientAuth is ClientAuthRequire (default with ClientCAFiles: no
	// handshake without a verified certificate) or ClientAuthOptional (a
	// certificate is verified when given; services that need one say so
	// in their security section).
	ClientAuth string
	// MinVersion is "1.2" (default) or "1.3".
	MinVersion string
}

// ClientTLSConfig is how the gateway connects to https peers: backends
// (Config.BackendTLS) or the consumers and callbacks clients name
// (Config.EgressTLS). The zero value verifies against the system roots and
// sends no certificate. An egress certificate is presented to every https
// address clients name that the egress allow-list admits and that asks
// for one (with CAFiles, only to hosts those CAs vouch for); it may not be
// the backends' identity (validateEgressIdentity).
type ClientTLSConfig struct {
	// CAFiles replace the system roots when set (a private PKI).
	CAFiles []string
	// CertFile and KeyFile are a client certificate to present (both or
	// neither); reloaded by ReloadTLS.
	CertFile, KeyFile string
}

// Client authentication modes of TLSConfig.ClientAuth.
const (
	ClientAuthRequire  = "require"
	ClientAuthOptional = "optional"
)

// tlsFiles is the gateway's TLS material: the listener's configuration
// (nil without Config.TLS) and the client sides, each swapped whole on
// reload.
type tlsFiles struct {
	server  *TLSConfig
	current atomic.Pointer[tls.Config] // the listener's, as of the last (re)load
	// backend and egress are the client configurations; their
	// certificates come from the key pairs below through
	// GetClientCertificate, so a reload reaches live transports.
	backend, egress *tls.Config
	keys            []*keyPair
}

// keyPair is a certificate and key file pair, reloadable.
type keyPair struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

// load reads the pair and swaps it in; on error the old pair stays.
func (k *keyPair) load() error {
	c, err := loadKeyPair(k.certFile, k.keyFile)
	if err != nil {
		return err
	}
	k.cur.Store(c)
	return nil
}

func (k *keyPair) clientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	return k.cur.Load(), nil
}

// loadKeyPair reads a certificate (chain) and its key, checking that they
// belong together (tls.X509KeyPair) and that the leaf parses.
func loadKeyPair(certFile, keyFile string) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("reading certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("reading key: %w", err)
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return &c, nil
}

// loadPool reads PEM CA certificates; a file without one is an error.
func loadPool(files []string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", f)
		}
	}
	return pool, nil
}

var tlsVersions = map[string]uint16{"": tls.VersionTLS12, "1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}

// serverConfig reads the listener's files into a configuration.
func (c *TLSConfig) serverConfig() (*tls.Config, error) {
	cert, err := loadKeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{
		Certificates: []tls.Certificate{*cert},
		MinVersion:   tlsVersions[c.MinVersion],
		NextProtos:   []string{"h2", "http/1.1"},
	}
	if len(c.ClientCAFiles) > 0 {
		if tc.ClientCAs, err = loadPool(c.ClientCAFiles); err != nil {
			return nil, err
		}
		tc.ClientAuth = tls.RequireAndVerifyClientCert
		if c.ClientAuth == ClientAuthOptional {
			tc.ClientAuth = tls.VerifyClientCertIfGiven
		}
	}
	return tc, nil
}

// clientConfig reads a client side's files; it returns nil for nil c.
func (c *ClientTLSConfig) clientConfig() (*tls.Config, *keyPair, error) {
	if c == nil {
		return nil, nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(c.CAFiles) > 0 {
		pool, err := loadPool(c.CAFiles)
		if err != nil {
			return nil, nil, err
		}
		tc.RootCAs = pool
	}
	if c.CertFile == "" {
		return tc, nil, nil
	}
	k := &keyPair{certFile: c.CertFile, keyFile: c.KeyFile}
	if err := k.load(); err != nil {
		return nil, nil, err
	}
	tc.GetClientCertificate = k.clientCertificate
	return tc, k, nil
}

// loadTLS reads every TLS file of the configuration (New).
func (g *Gateway) loadTLS() error {
	t := &tlsFiles{server: g.cfg.TLS}
	if t.server != nil {
		tc, err := t.server.serverConfig()
		if err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		t.current.Store(tc)
	}
	var k *keyPair
	var err error
	if t.backend, k, err = g.cfg.BackendTLS.clientConfig(); err != nil {
		return fmt.Errorf("backendTLS: %w", err)
	}
	t.addKey(k)
	if t.egress, k, err = g.cfg.EgressTLS.clientConfig(); err != nil {
		return fmt.Errorf("egressTLS: %w", err)
	}
	t.addKey(k)
	g.tls = t
	return nil
}

func (t *tlsFiles) addKey(k *keyPair) {
	if k != nil {
		t.keys = append(t.keys, k)
	}
}

// ReloadTLS reads the listener's certificate, key and client CAs and the
// client certificates again and swaps them in: new connections use them,
// open ones keep what they negotiated. On an error nothing of the part that
// failed changes and the error says which; the others are reloaded.
// (The client sides' CA bundles are read once, at New.)
func (g *Gateway) ReloadTLS() error {
	var errs []error
	if g.tls.server != nil {
		tc, err := g.tls.server.serverConfig()
		if err != nil {
			errs = append(errs, fmt.Errorf("reloading tls: %w", err))
		} else {
			g.tls.current.Store(tc)
		}
	}
	for _, k := range g.tls.keys {
		if err := k.load(); err != nil {
			errs = append(errs, fmt.Errorf("reloading client certificate %s: %w", k.certFile, err))
		}
	}
	return errors.Join(errs...)
}

// serve serves srv on ln: HTTPS when the configuration has TLS, every
// handshake taking the configuration current at that moment
// (GetConfigForClient), so that ReloadTLS needs no restart.
func (g *Gateway) serve(srv *http.Server, ln net.Listener) error {
	if g.tls.server == nil {
		return srv.Serve(ln)
	}
	srv.TLSConfig = &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return g.tls.current.Load(), nil
		},
	}
	return srv.ServeTLS(ln, "", "")
}

// validateTLS checks the listener's TLS section at path: values, and that
// every file can be read and the certificate matches its key.
func validateTLS(l *fielderr.List, path fielderr.Path, t *TLSConfig) {
	if t == nil {
		return
	}
	switch {
	case t.CertFile == "" || t.KeyFile == "":
		l.Add(path, "the certificate and key files are both required")
	default:
		if _, err := loadKeyPair(t.CertFile, t.KeyFile); err != nil {
			l.Add(path.Field("CertFile"), "%v", err)
		}
	}
	validateCAFiles(l, path.Field("ClientCAFiles"), t.ClientCAFiles)
	switch t.ClientAuth {
	case "", ClientAuthRequire, ClientAuthOptional:
	default:
		l.Add(path.Field("ClientAuth"), "%q: want %q or %q", t.ClientAuth, ClientAuthRequire, ClientAuthOptional)
	}
	if t.ClientAuth != "" && len(t.ClientCAFiles) == 0 {
		l.Add(path.Field("ClientAuth"), "needs client CA files to verify client certificates against")
	}
	if _, ok := tlsVersions[t.MinVersion]; !ok {
		l.Add(path.Field("MinVersion"), "%q: want \"1.2\" or \"1.3\"", t.MinVersion)
	}
}

// validateClientTLS checks a client side (BackendTLS, EgressTLS) at path.
func validateClientTLS(l *fielderr.List, path fielderr.Path, c *ClientTLSConfig) {
	if c == nil {
		return
	}
	validateCAFiles(l, path.Field("CAFiles"), c.CAFiles)
	switch {
	case (c.CertFile == "") != (c.KeyFile == ""):
		l.Add(path, "the certificate and key files go together")
	case c.CertFile != "":
		if _, err := loadKeyPair(c.CertFile, c.KeyFile); err != nil {
			l.Add(path.Field("CertFile"), "%v", err)
		}
	}
}

// validateEgressIdentity refuses an egress client certificate that is
// the backends' identity (the same subject from the same issuer as
// BackendTLS's certificate), at path. Clients choose where egress goes
// (consumers, ReplyTo, AcksTo, callbacks) within the allow-list; with the
// backends' identity they could have the gateway send, as itself, what
// they write (a raw notification) to any https endpoint that trusts the
// gateway (choice: refuse, rather than trust the allow-list to keep every
// such endpoint out). Files that do not load are reported elsewhere.
func validateEgressIdentity(l *fielderr.List, path fielderr.Path, backend, egress *ClientTLSConfig) {
	if backend == nil || egress == nil || backend.CertFile == "" || egress.CertFile == "" {
		return
	}
	b, errB := loadKeyPair(backend.CertFile, backend.KeyFile)
	e, errE := loadKeyPair(egress.CertFile, egress.KeyFile)
	if errB != nil || errE != nil || b.Leaf == nil || e.Leaf == nil {
		return
	}
	if bytes.Equal(b.Leaf.RawSubject, e.Leaf.RawSubject) && bytes.Equal(b.Leaf.RawIssuer, e.Leaf.RawIssuer) {
		l.Add(path, "the same client identity (subject and issuer) as BackendTLS's certificate, %s: the gateway would "+
			"present to addresses its clients choose the identity its backends trust; use a certificate of its own", e.Leaf.Subject)
	}
}

func validateCAFiles(l *fielderr.List, path fielderr.Path, files []string) {
	for i, f := range files {
		if _, err := loadPool([]string{f}); err != nil {
			l.Add(path.Index(i), "%v", err)
		}
	}
}
