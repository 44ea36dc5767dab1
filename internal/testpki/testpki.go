// Package testpki makes certificate authorities and certificates for
// tests (crypto/x509, ECDSA P-256), written to a test's temporary
// directory. It is for tests only.
package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// serial numbers certificates across a test binary.
var serial atomic.Int64

// CA is a certificate authority.
type CA struct {
	Cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	CertPEM []byte
	// File is the CA certificate's PEM file.
	File string
}

// NewCA makes a CA named cn and writes its certificate to dir.
func NewCA(t testing.TB, dir, cn string) *CA {
	t.Helper()
	tmpl := template(cn)
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	cert, certPEM, key, _ := create(t, tmpl, nil)
	ca := &CA{Cert: cert, key: key, CertPEM: certPEM}
	ca.File = write(t, filepath.Join(dir, cn+"-ca.pem"), ca.CertPEM)
	return ca
}

// Pool returns a pool holding the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// Leaf is an issued certificate and its key, as PEM and as files.
type Leaf struct {
	Cert              *x509.Certificate
	CertPEM, KeyPEM   []byte
	CertFile, KeyFile string
}

// Server issues a server certificate for 127.0.0.1, ::1 and localhost,
// subject CN=cn,O=wsgw-test, written to dir as cn.pem and cn-key.pem.
func (ca *CA) Server(t testing.TB, dir, cn string) *Leaf {
	return ca.issue(t, dir, cn, template(cn).Subject, x509.ExtKeyUsageServerAuth)
}

// Client issues a client certificate with subject CN=cn,O=wsgw-test.
func (ca *CA) Client(t testing.TB, dir, cn string) *Leaf {
	return ca.issue(t, dir, cn, template(cn).Subject, x509.ExtKeyUsageClientAuth)
}

// ClientSubject issues a client certificate with subject, written to dir
// as file.pem and file-key.pem.
func (ca *CA) ClientSubject(t testing.TB, dir, file string, subject pkix.Name) *Leaf {
	return ca.issue(t, dir, file, subject, x509.ExtKeyUsageClientAuth)
}

func (ca *CA) issue(t testing.TB, dir, cn string, subject pkix.Name, usage x509.ExtKeyUsage) *Leaf {
	t.Helper()
	tmpl := template(cn)
	tmpl.Subject = subject
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{usage}
	if usage == x509.ExtKeyUsageServerAuth {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
		tmpl.DNSNames = []string{"localhost"}
	}
	cert, certPEM, _, keyPEM := create(t, tmpl, ca)
	l := &Leaf{Cert: cert, CertPEM: certPEM, KeyPEM: keyPEM}
	l.CertFile = write(t, filepath.Join(dir, cn+".pem"), l.CertPEM)
	l.KeyFile = write(t, filepath.Join(dir, cn+"-key.pem"), l.KeyPEM)
	return l
}

// template is a certificate valid from an hour ago for a day, named cn.
func template(cn string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"wsgw-test"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
}

// create makes a key and the certificate of tmpl for it, signed by
// parent (nil: self-signed).
func create(t testing.TB, tmpl *x509.Certificate, parent *CA) (*x509.Certificate, []byte, *ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.Cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key,
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

// Install writes l's certificate and key over the files at certFile and
// keyFile (a renewed certificate, for reload tests).
func (l *Leaf) Install(t testing.TB, certFile, keyFile string) {
	t.Helper()
	write(t, certFile, l.CertPEM)
	write(t, keyFile, l.KeyPEM)
}

func write(t testing.TB, path string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
