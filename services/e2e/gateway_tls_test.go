package e2e

import (
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"
)

// The TLS alerts (RFC 8446 section 6) the gateway must refuse with, as Go's
// client reports an alert the server sent.
const (
	gwAlertProtocolVersion  = "tls: protocol version not supported"
	gwAlertHandshakeFailure = "tls: handshake failure"
)

// remoteAlert is the alert the server answered a handshake with, or "".
func remoteAlert(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return op.Err.Error()
	}
	return ""
}

// gatewayTLSSuites are the TLS 1.2 suites the gateway offers: ECDHE with
// AES-GCM or ChaCha20, nothing else.
var gatewayTLSSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// handshake connects to the gateway's HTTPS port with cfg (verifying the
// certificate unless cfg says otherwise) and returns the negotiated state.
func (g *Gateway) handshake(cfg *tls.Config) (tls.ConnectionState, error) {
	if cfg.RootCAs == nil {
		cfg.RootCAs = g.Cert.Pool
	}
	if cfg.ServerName == "" {
		cfg.ServerName = "localhost"
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(g.HTTPSPort)), cfg)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.ConnectionState(), nil
}

// testGatewayTLS: TLS 1.2 and 1.3 only, forward-secret AEAD suites only,
// HTTP/2 offered, a certificate that verifies for the name and address.
func testGatewayTLS(t *testing.T, g *Gateway) {
	t.Run("TLS12Accepted", func(t *testing.T) {
		st, err := g.handshake(&tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		if st.Version != tls.VersionTLS12 || !slices.Contains(gatewayTLSSuites, st.CipherSuite) {
			t.Errorf("negotiated %s with %s, want TLS 1.2 with an ECDHE AEAD suite",
				tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
		}
	})
	t.Run("TLS13Accepted", func(t *testing.T) {
		st, err := g.handshake(&tls.Config{MinVersion: tls.VersionTLS13})
		if err != nil {
			t.Fatal(err)
		}
		if st.Version != tls.VersionTLS13 {
			t.Errorf("negotiated %s, want TLS 1.3", tls.VersionName(st.Version))
		}
	})
	t.Run("TLS11Refused", func(t *testing.T) {
		_, err := g.handshake(&tls.Config{MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS11, InsecureSkipVerify: true})
		if remoteAlert(err) != gwAlertProtocolVersion {
			t.Errorf("TLS 1.1 handshake: %v, want the server's protocol_version alert", err)
		}
	})
	for _, c := range []struct {
		name  string
		suite uint16
	}{
		// Static RSA key exchange: no forward secrecy.
		{"StaticRSARefused", tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		// Forward secret, but CBC with SHA-1.
		{"ECDHECBCRefused", tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := g.handshake(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{c.suite}, InsecureSkipVerify: true})
			if remoteAlert(err) != gwAlertHandshakeFailure {
				t.Errorf("TLS 1.2 offering only %s: %v, want the server's handshake_failure alert", tls.CipherSuiteName(c.suite), err)
			}
		})
	}
	t.Run("ECDSASuitesNegotiable", func(t *testing.T) {
		// Every ECDSA suite of the configuration can be chosen (the RSA ones
		// need an RSA certificate).
		for _, s := range []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256} {
			st, err := g.handshake(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{s}})
			if err != nil || st.CipherSuite != s {
				t.Errorf("%s: %v (negotiated %s)", tls.CipherSuiteName(s), err, tls.CipherSuiteName(st.CipherSuite))
			}
		}
	})
	t.Run("HTTP2AndVerifiedCertificate", func(t *testing.T) {
		for _, name := range []string{"localhost", "127.0.0.1"} {
			st, err := g.handshake(&tls.Config{ServerName: name, NextProtos: []string{"h2", "http/1.1"}})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if st.NegotiatedProtocol != "h2" {
				t.Errorf("%s: ALPN chose %q, want h2", name, st.NegotiatedProtocol)
			}
		}
	})
}
