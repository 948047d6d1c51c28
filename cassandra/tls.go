package cassandra

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// TLS encrypts the connections to Cassandra: the nodes'
// client_encryption_options. The zero value is plain TCP.
type TLS struct {
	Enabled bool
	// CAFile is a PEM bundle of the certificate authorities the nodes'
	// certificates chain to; empty: the system's roots.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and its key, for
	// nodes that require_client_auth; both or neither.
	CertFile string
	KeyFile  string
	// ServerName is the name every node's certificate must carry; empty:
	// the address each node is dialed at (an IP SAN for IP hosts).
	ServerName string
	// SkipHostVerification still verifies that each node's certificate
	// chains to CAFile, but not which name or address it is for. Off by
	// default; the caller should warn when it is on.
	SkipHostVerification bool
}

// config loads the files named in t into a tls.Config; nil when t is off.
func (t TLS) config() (*tls.Config, error) {
	if !t.Enabled {
		return nil, nil
	}
	var errs []error
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("tls ca file: %w", err))
		default:
			c.RootCAs = x509.NewCertPool()
			if !c.RootCAs.AppendCertsFromPEM(pem) {
				errs = append(errs, fmt.Errorf("tls ca file %s holds no PEM certificate", t.CAFile))
			}
		}
	}
	switch {
	case t.CertFile != "" && t.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("tls client certificate %s / key %s: %w", t.CertFile, t.KeyFile, err))
		} else {
			c.Certificates = []tls.Certificate{cert}
		}
	case t.CertFile != "" || t.KeyFile != "":
		errs = append(errs, errors.New("tls client certificate and key go together"))
	}
	if t.SkipHostVerification {
		if t.ServerName != "" {
			errs = append(errs, errors.New("tls server name is set but host verification is off"))
		}
		// The driver verifies names unless InsecureSkipVerify; the chain
		// is then verified here, without a name.
		roots := c.RootCAs
		c.InsecureSkipVerify = true
		c.VerifyConnection = func(cs tls.ConnectionState) error { return verifyChain(cs, roots) }
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// verifyChain checks that the peer's certificate chains to roots (nil:
// the system's), whatever name it is for.
func verifyChain(cs tls.ConnectionState, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("cassandra node sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
	return err
}

// tlsHint adds what to check to a connection error that came from the
// TLS handshake; other errors are returned as they are.
func tlsHint(t TLS, err error) error {
	if err == nil {
		return err
	}
	if !t.Enabled {
		if containsAny(err, "connection reset by peer", "EOF") {
			return fmt.Errorf("%w (does the node require TLS? see [cassandra.tls])", err)
		}
		return err
	}
	var (
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		certErr   x509.CertificateInvalidError
		recErr    tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknownCA) || containsAny(err, "x509: certificate signed by unknown authority"):
		if t.CAFile == "" {
			return fmt.Errorf("%w (TLS: the node's certificate does not chain to the system's roots: set cassandra.tls.ca_file to the ring's CA)", err)
		}
		return fmt.Errorf("%w (TLS: the node's certificate does not chain to cassandra.tls.ca_file %s)", err, t.CAFile)
	case errors.As(err, &hostErr) || containsAny(err, "x509: certificate is valid for", "x509: cannot validate certificate for"):
		return fmt.Errorf("%w (TLS: the node's certificate is not for that name: set cassandra.tls.server_name to a name it carries)", err)
	case errors.As(err, &certErr) || containsAny(err, "x509:"):
		return fmt.Errorf("%w (TLS: the node's certificate was refused)", err)
	case errors.As(err, &recErr) || containsAny(err, "first record does not look like a TLS handshake"):
		return fmt.Errorf("%w (TLS: the node does not speak TLS on that port: check its client_encryption_options)", err)
	case containsAny(err, "tls:", "remote error"):
		return fmt.Errorf("%w (TLS handshake failed: does the node require a client certificate, cassandra.tls.cert_file?)", err)
	case t.CertFile == "" && containsAny(err, "no response to connection startup", "connection reset by peer", "EOF"):
		// TLS 1.3: a node that requires a client certificate refuses it
		// after the client's side of the handshake is done, so the client
		// may see only its connection closed, not the node's alert.
		return fmt.Errorf("%w (TLS: the node closed the connection after the handshake: client certificate required? set cassandra.tls.cert_file and key_file)", err)
	}
	return err
}

// containsAny matches the driver's errors, which keep only the text of
// some handshake errors.
func containsAny(err error, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(err.Error(), sub) {
			return true
		}
	}
	return false
}
