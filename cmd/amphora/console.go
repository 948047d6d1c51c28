package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/cassandra"
	"github.com/amphora-s3/amphora/console"
	"github.com/amphora-s3/amphora/frontend"
)

// ConsoleConfig is the web console's listener (package console).
type ConsoleConfig struct {
	Listen string `toml:"listen"` // "" for none
	// TLS serves the console over HTTPS with server.tls_cert and tls_key.
	TLS bool `toml:"tls"`
	// S3URL is the S3 endpoint as browsers reach it, for download and
	// share links; "" derives it from server.listen (else tls_listen).
	S3URL string `toml:"s3_url"`
	// PublicURL is the console's own origin when browsers reach it
	// through a reverse proxy ("https://console.example.org"); "" none.
	PublicURL string `toml:"public_url"`
	// SessionTTL is how long a sign-in lasts.
	SessionTTL Duration `toml:"session_ttl"`
}

// validate lists the console section's problems.
func (c ConsoleConfig) validate(srv ServerConfig, m MetricsConfig) []string {
	var p []string
	add := func(format string, a ...any) { p = append(p, fmt.Sprintf(format, a...)) }
	if c.SessionTTL.Duration < time.Minute || c.SessionTTL.Duration > 30*24*time.Hour {
		add("console.session_ttl must be between 1m and 720h")
	}
	for _, u := range []struct{ key, v string }{{"console.s3_url", c.S3URL}, {"console.public_url", c.PublicURL}} {
		if u.v == "" {
			continue
		}
		if pu, err := url.Parse(u.v); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || (pu.Path != "" && pu.Path != "/") {
			add("%s %q must be http(s)://host[:port]", u.key, u.v)
		}
	}
	if c.Listen == "" {
		return p
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		add("console.listen %q is not host:port", c.Listen)
	}
	for _, other := range []struct{ key, addr string }{
		{"server.listen", srv.Listen}, {"server.tls_listen", srv.TLSListen}, {"server.debug_listen", srv.DebugListen}, {"metrics.listen", m.Listen},
	} {
		if other.addr == c.Listen {
			add("console.listen %q is also %s: the console needs a listener of its own", c.Listen, other.key)
		}
	}
	if c.TLS && (srv.TLSCert == "" || srv.TLSKey == "") {
		add("console.tls needs server.tls_cert and server.tls_key")
	}
	if c.S3URL == "" && srv.Listen == "" && srv.TLSListen == "" {
		add("console.s3_url is needed when S3 has no listener")
	}
	return p
}

// s3URL is the S3 endpoint the console's links point at: console.s3_url,
// else the plain listener's (else the TLS one's) address, with the
// browser's host when the listener binds every address.
func (c ConsoleConfig) s3URL(srv ServerConfig) string {
	if c.S3URL != "" {
		return c.S3URL
	}
	scheme, addr := "http://", srv.Listen
	if addr == "" {
		scheme, addr = "https://", srv.TLSListen
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "" // the host the browser reached the console at
	}
	return scheme + net.JoinHostPort(host, port)
}

// consoleServer is the running console; nil when off.
type consoleServer struct {
	srv *http.Server
}

// startConsole binds console.listen and serves the console on it; nil,
// nil when it is empty.
func startConsole(cfg Config, s3 http.Handler, st *cassandra.Store, log zerolog.Logger) (*consoleServer, error) {
	cc := cfg.Console
	if cc.Listen == "" {
		return nil, nil
	}
	h, err := console.New(console.Options{
		S3:           s3,
		Keys:         frontend.KeyLookup(s3),
		Accounts:     st,
		Admin:        st,
		Region:       cfg.Server.Region,
		S3URL:        cc.s3URL(cfg.Server),
		PublicOrigin: cc.PublicURL,
		SessionTTL:   cc.SessionTTL.Duration,
		Logger:       log.With().Str("component", "console").Logger(),
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cc.Listen)
	if err != nil {
		return nil, fmt.Errorf("console listen on %s: %w", cc.Listen, err)
	}
	scheme := "http://"
	if cc.TLS {
		cert, err := tls.LoadX509KeyPair(cfg.Server.TLSCert, cfg.Server.TLSKey)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("console: load TLS certificate %s and key %s: %w", cfg.Server.TLSCert, cfg.Server.TLSKey, err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https://"
	}
	c := &consoleServer{srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout.Duration,
		IdleTimeout:       cfg.Server.IdleTimeout.Duration,
		MaxHeaderBytes:    int(cfg.Server.MaxHeaderBytes),
	}}
	go c.srv.Serve(ln)
	log.Info().Str("console", scheme+ln.Addr().String()).Str("s3_url", cc.s3URL(cfg.Server)).Msg("web console served")
	return c, nil
}

// shutdown stops the console, waiting for its requests within ctx.
func (c *consoleServer) shutdown(ctx context.Context) {
	if c != nil {
		_ = c.srv.Shutdown(ctx)
	}
}

// close stops the console at once.
func (c *consoleServer) close() {
	if c != nil {
		_ = c.srv.Close()
	}
}
