package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
)

// listener is one bound address, plain or TLS.
type listener struct {
	net.Listener
	tls bool
}

func (l listener) url() string {
	if l.tls {
		return "https://" + l.Addr().String()
	}
	return "http://" + l.Addr().String()
}

// serve runs srv on l until srv shuts down. TLS listeners already wrap
// their connections, so both kinds use Serve.
func (l listener) serve(srv *http.Server) error {
	err := srv.Serve(l.Listener)
	if err == http.ErrServerClosed {
		return nil
	}
	return err
}

// listen binds the plain and the TLS listener the config asks for. The
// certificate is loaded before anything is bound, so a bad file fails the
// start with a clear message.
func listen(c ServerConfig) ([]listener, error) {
	var tlsConf *tls.Config
	if c.TLSListen != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("load TLS certificate %s and key %s: %w", c.TLSCert, c.TLSKey, err)
		}
		tlsConf = &tls.Config{
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"http/1.1"}, // S3 clients speak HTTP/1.1; keep-alive whitespace relies on it
		}
	}
	var lns []listener
	closeAll := func() {
		for _, l := range lns {
			l.Close()
		}
	}
	if c.Listen != "" {
		ln, err := net.Listen("tcp", c.Listen)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", c.Listen, err)
		}
		lns = append(lns, listener{Listener: ln})
	}
	if tlsConf != nil {
		ln, err := net.Listen("tcp", c.TLSListen)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("listen (TLS) on %s: %w", c.TLSListen, err)
		}
		lns = append(lns, listener{Listener: tls.NewListener(ln, tlsConf), tls: true})
	}
	return lns, nil
}
