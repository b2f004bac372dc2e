package pki

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// ServerTLSConfig returns the TLS configuration of the central service's
// MQTT listener: TLS 1.2 or later, and every client must present a
// certificate that chains to clientCAPEM and carries the client
// authentication key usage.
func ServerTLSConfig(certPEM, keyPEM, clientCAPEM []byte) (*tls.Config, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("loading server certificate and key: %w", err)
	}
	pool, err := certPool(clientCAPEM)
	if err != nil {
		return nil, fmt.Errorf("loading client CA: %w", err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	}, nil
}

// WebTLSConfig returns the TLS configuration of the web UI: TLS 1.2 or
// later and no client certificate, because browsers sign in with a password
// and a one-time code.
func WebTLSConfig(certPEM, keyPEM []byte) (*tls.Config, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("loading server certificate and key: %w", err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}

// ClientTLSConfig returns a box's TLS configuration: TLS 1.2 or later, the
// server must chain to caPEM, and the box presents its own certificate. The
// MQTT client sets ServerName from the broker URL.
func ClientTLSConfig(caPEM, certPEM, keyPEM []byte) (*tls.Config, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("loading client certificate and key: %w", err)
	}
	pool, err := certPool(caPEM)
	if err != nil {
		return nil, fmt.Errorf("loading CA: %w", err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
	}, nil
}

// BoxID returns the box id of a verified client certificate chain, as
// tls.ConnectionState.VerifiedChains holds it: the leaf's common name. It
// returns an error when there is no verified chain or the name is not a
// valid box id.
func BoxID(verifiedChains [][]*x509.Certificate) (string, error) {
	if len(verifiedChains) == 0 || len(verifiedChains[0]) == 0 {
		return "", errors.New("no verified client certificate")
	}
	cn := verifiedChains[0][0].Subject.CommonName
	if err := protocol.CheckID("box id in the client certificate's common name", cn); err != nil {
		return "", err
	}
	return cn, nil
}

func certPool(caPEM []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no PEM certificate found")
	}
	return pool, nil
}
