package cassandra

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPKI writes a CA and a node certificate for 127.0.0.9 signed by it.
func testPKI(t *testing.T) (dir string, node tls.Certificate) {
	t.Helper()
	dir = t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	nodeKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	nodeTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "node"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.9")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	nodeDER, err := x509.CreateCertificate(rand.Reader, nodeTmpl, ca, &nodeKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.pem", "CERTIFICATE", caDER)
	write("node.pem", "CERTIFICATE", nodeDER)
	keyDER, _ := x509.MarshalECPrivateKey(nodeKey)
	write("node.key", "EC PRIVATE KEY", keyDER)
	node, err = tls.LoadX509KeyPair(filepath.Join(dir, "node.pem"), filepath.Join(dir, "node.key"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, node
}

// handshake runs a TLS handshake of a client with c against the node
// certificate, dialed as host.
// handshake runs a TLS handshake between a client with config c (and
// the server name the driver would give it for host) and a server with
// certificate node, over loopback TCP: a net.Pipe has no buffer, so a
// client writing its alert while the server writes its flight (TLS 1.3
// may) deadlocked both, which hung the package until go test's deadline.
// Both ends have a deadline too.
func handshake(t *testing.T, c *tls.Config, node tls.Certificate, host string) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	deadline := time.Now().Add(10 * time.Second)
	served := make(chan struct{})
	go func() {
		defer close(served)
		sc, err := ln.Accept()
		if err != nil {
			return
		}
		defer sc.Close()
		_ = sc.SetDeadline(deadline)
		_ = tls.Server(sc, &tls.Config{Certificates: []tls.Certificate{node}}).Handshake()
	}()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cc.Close()
		<-served
	}()
	_ = cc.SetDeadline(deadline)
	c = c.Clone()
	if !c.InsecureSkipVerify && c.ServerName == "" {
		c.ServerName = host // what the driver does (tlsConfigForAddr)
	}
	return tls.Client(cc, c).Handshake()
}

func TestTLSConfig(t *testing.T) {
	dir, node := testPKI(t)
	ca := filepath.Join(dir, "ca.pem")

	if c, err := (TLS{}).config(); c != nil || err != nil {
		t.Fatalf("TLS off: %v, %v", c, err)
	}
	c, err := TLS{Enabled: true, CAFile: ca}.config()
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake(t, c, node, "127.0.0.9"); err != nil {
		t.Errorf("right address: %v", err)
	}
	err = handshake(t, c, node, "127.0.0.8")
	var hostErr x509.HostnameError
	if !errors.As(err, &hostErr) {
		t.Errorf("wrong address: %v, want a hostname error", err)
	}
	if hinted := tlsHint(TLS{Enabled: true, CAFile: ca}, err); !strings.Contains(hinted.Error(), "cassandra.tls.server_name") {
		t.Errorf("hint: %v", hinted)
	}

	// No name check: any address, but still only this CA.
	c, err = TLS{Enabled: true, CAFile: ca, SkipHostVerification: true}.config()
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake(t, c, node, "127.0.0.8"); err != nil {
		t.Errorf("no host check, other address: %v", err)
	}
	_, otherNode := testPKI(t)
	err = handshake(t, c, otherNode, "127.0.0.9")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("no host check, other CA: %v, want unknown authority", err)
	}

	_, err = TLS{Enabled: true, CAFile: filepath.Join(dir, "node.key"), CertFile: filepath.Join(dir, "node.pem"),
		ServerName: "x", SkipHostVerification: true}.config()
	for _, want := range []string{"holds no PEM certificate", "certificate and key go together", "server name is set but host verification is off"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if _, err := (Config{Hosts: []string{"h"}, Keyspace: "k", Username: "u"}).validate(); err == nil || !strings.Contains(err.Error(), "username and password go together") {
		t.Errorf("username without password: %v", err)
	}
}

// TestTLSHintClosedAfterHandshake: under TLS 1.3 a node requiring a client
// certificate may only close the connection; without cert_file the error
// says what to set, with it the error stays as it is.
func TestTLSHintClosedAfterHandshake(t *testing.T) {
	err := errors.New("gocql: unable to create session: unable to connect to initial hosts: gocql: no response to connection startup within timeout")
	hinted := tlsHint(TLS{Enabled: true, CAFile: "ca.pem"}, err).Error()
	if !strings.Contains(hinted, "certificate required") || !strings.Contains(hinted, "cassandra.tls.cert_file") {
		t.Errorf("no client certificate: %s", hinted)
	}
	if got := tlsHint(TLS{Enabled: true, CAFile: "ca.pem", CertFile: "c.pem", KeyFile: "c.key"}, err); got.Error() != err.Error() {
		t.Errorf("with a client certificate: %v", got)
	}
}
