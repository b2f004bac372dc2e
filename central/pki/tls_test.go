package pki_test

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/pki"
)

// handshakeResult is the server's side of a handshake: err is a failed
// handshake or echo, idErr a failure to read the box id afterwards.
type handshakeResult struct {
	boxID string
	err   error
	idErr error
}

// handshake runs a TLS handshake over a loopback TCP connection and returns
// the server's and the client's results. Both sides have a deadline, so a
// stuck handshake fails the test instead of hanging it.
func handshake(t *testing.T, server, client *tls.Config) (handshakeResult, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	done := make(chan handshakeResult, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- handshakeResult{err: err}
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		tc := tls.Server(conn, server)
		if err := tc.Handshake(); err != nil {
			done <- handshakeResult{err: err}
			return
		}
		// Echo one byte so that the client sees a working connection.
		b := make([]byte, 1)
		if _, err := tc.Read(b); err != nil {
			done <- handshakeResult{err: err}
			return
		}
		if _, err := tc.Write(b); err != nil {
			done <- handshakeResult{err: err}
			return
		}
		id, err := pki.BoxID(tc.ConnectionState().VerifiedChains)
		done <- handshakeResult{boxID: id, idErr: err}
	}()

	conn, err := net.DialTimeout("tcp", ln.Addr().String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Client(conn, client)
	clientErr := tc.Handshake()
	if clientErr == nil {
		// In TLS 1.3 the client finishes its handshake before the server
		// has checked the client certificate, so only the echo shows
		// whether the server accepted it.
		if _, clientErr = tc.Write([]byte{0}); clientErr == nil {
			_, clientErr = tc.Read(make([]byte, 1))
		}
	}
	conn.Close()
	return <-done, clientErr
}

func TestTLSHandshake(t *testing.T) {
	ca, _ := newCA(t)
	otherCA, _ := newCA(t)

	server, err := pki.IssueServerCert(ca, []string{"127.0.0.1", "central.example"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	box, err := pki.IssueClientCert(ca, "room-12", 0)
	if err != nil {
		t.Fatal(err)
	}
	foreignBox, err := pki.IssueClientCert(otherCA, "room-12", 0)
	if err != nil {
		t.Fatal(err)
	}
	serverCfg, err := pki.ServerTLSConfig(server.CertPEM, server.KeyPEM, ca.CertPEM)
	if err != nil {
		t.Fatal(err)
	}

	clientCfg := func(caPEM []byte, kp *pki.KeyPair) *tls.Config {
		t.Helper()
		c, err := pki.ClientTLSConfig(caPEM, kp.CertPEM, kp.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		c.ServerName = "127.0.0.1"
		return c
	}
	noCert := clientCfg(ca.CertPEM, box)
	noCert.Certificates = nil
	tls11 := clientCfg(ca.CertPEM, box)
	tls11.MinVersion, tls11.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	tls12 := clientCfg(ca.CertPEM, box)
	tls12.MaxVersion = tls.VersionTLS12
	// A Go client sends no certificate that the server's CA list does not
	// name, so this one sends the foreign certificate regardless.
	foreign := clientCfg(ca.CertPEM, foreignBox)
	foreignPair := foreign.Certificates[0]
	foreign.Certificates = nil
	foreign.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &foreignPair, nil }
	wrongName := clientCfg(ca.CertPEM, box)
	wrongName.ServerName = "other.example"

	tests := []struct {
		name      string
		client    *tls.Config
		wantBoxID string // empty: the handshake must fail
	}{
		{"box_cert", clientCfg(ca.CertPEM, box), "room-12"},
		{"box_cert_tls12", tls12, "room-12"},
		{"no_client_cert", noCert, ""},
		{"client_cert_from_other_ca", foreign, ""},
		{"server_cert_as_client_cert", clientCfg(ca.CertPEM, server), ""},
		{"client_trusts_other_ca", clientCfg(otherCA.CertPEM, box), ""},
		{"wrong_server_name", wrongName, ""},
		{"tls11", tls11, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, clientErr := handshake(t, serverCfg, tt.client)

			if tt.wantBoxID == "" {
				if got.err == nil && clientErr == nil {
					t.Errorf("handshake succeeded with box id %q, want it rejected", got.boxID)
				}
				t.Logf("rejected: server error %v, client error %v", got.err, clientErr)
				return
			}
			if got.err != nil || clientErr != nil {
				t.Fatalf("handshake: server error %v, client error %v, want success", got.err, clientErr)
			}
			if got.idErr != nil {
				t.Fatalf("BoxID: %v", got.idErr)
			}
			if got.boxID != tt.wantBoxID {
				t.Errorf("BoxID = %q, want %q", got.boxID, tt.wantBoxID)
			}
		})
	}
}

func TestTLSConfigErrors(t *testing.T) {
	ca, _ := newCA(t)
	box, err := pki.IssueClientCert(ca, "room-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	other, err := pki.IssueClientCert(ca, "room-2", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pki.ServerTLSConfig(box.CertPEM, other.KeyPEM, ca.CertPEM); err == nil {
		t.Error("ServerTLSConfig with a mismatched key succeeded, want an error")
	}
	if _, err := pki.ServerTLSConfig(box.CertPEM, box.KeyPEM, []byte("junk")); err == nil {
		t.Error("ServerTLSConfig with no client CA succeeded, want an error")
	}
	if _, err := pki.ClientTLSConfig(nil, box.CertPEM, box.KeyPEM); err == nil {
		t.Error("ClientTLSConfig with no CA succeeded, want an error")
	}
	cfg, err := pki.WebTLSConfig(box.CertPEM, box.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientAuth != tls.NoClientCert || cfg.MinVersion != tls.VersionTLS12 {
		t.Errorf("WebTLSConfig: ClientAuth %v, MinVersion %x, want no client certificate and TLS 1.2", cfg.ClientAuth, cfg.MinVersion)
	}
}
