package boxconfig

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ordagrann/ordagrann/internal/durable"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// File names in a box's enrollment directory. Files marked private are
// written with mode 0600, and LoadEnrollment rejects them when group or
// others may read them.
const (
	EnrollmentFile         = "enrollment.json"       // box id and broker URL, written last
	CAFile                 = "ca.pem"                // the fleet CA, which the broker's certificate must chain to
	CertFile               = "cert.pem"              // the box's client certificate
	KeyFile                = "key.pem"               // its private key (private)
	RecordingKeysetFile    = "recording-public.json" // the central service's HPKE public keyset
	ConfigVerifyKeysetFile = "config-verify.json"    // IT's pinned Ed25519 public keyset
	ChunkSigningKeysetFile = "chunk-signing.json"    // the box's Ed25519 private keyset for chunk signatures (private)
	ConfigFile             = "config.json"           // the signed configuration
	SignatureFile          = "config.sig"            // its signature, raw bytes
)

// Enrollment contains a box's identity, keys and broker URL. It is written
// once by fleet enroll and read by the box at start.
type Enrollment struct {
	BoxID  string
	Broker string // broker URL, such as "ssl://central.example:8883", or "tcp://127.0.0.1:1883" on loopback only

	CAPEM, CertPEM, KeyPEM []byte

	RecordingPublicKeyset []byte // the central service's HPKE public keyset (Tink JSON)
	ConfigVerifyKeyset    []byte // IT's Ed25519 public keyset (Tink JSON), pinned at enrollment
	ChunkSigningKeyset    []byte // the box's own Ed25519 private keyset (Tink JSON, cleartext)
}

// LogValue logs the box id and broker URL only, so that a logged enrollment
// never reveals its private keys.
func (e *Enrollment) LogValue() slog.Value {
	return slog.GroupValue(slog.String("box_id", e.BoxID), slog.String("broker", e.Broker))
}

// enrollmentFile is the JSON content of enrollment.json.
type enrollmentFile struct {
	V      int    `json:"v"`
	BoxID  string `json:"box_id"`
	Broker string `json:"broker"`
}

// LoadEnrollment reads and validates the enrollment in dir.
func LoadEnrollment(dir string) (*Enrollment, error) {
	path := filepath.Join(dir, EnrollmentFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("loading enrollment: %w: enroll the box with fleet enroll --out %s", err, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("loading enrollment: %w", err)
	}
	var f enrollmentFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("loading enrollment from %s: %w", path, err)
	}
	if f.V != 1 {
		return nil, fmt.Errorf("loading enrollment from %s: unsupported version %d: this firmware reads version 1", path, f.V)
	}

	e := &Enrollment{BoxID: f.BoxID, Broker: f.Broker}
	files := []struct {
		name    string
		dst     *[]byte
		private bool
	}{
		{CAFile, &e.CAPEM, false},
		{CertFile, &e.CertPEM, false},
		{KeyFile, &e.KeyPEM, true},
		{RecordingKeysetFile, &e.RecordingPublicKeyset, false},
		{ConfigVerifyKeysetFile, &e.ConfigVerifyKeyset, false},
		{ChunkSigningKeysetFile, &e.ChunkSigningKeyset, true},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		var err error
		if f.private {
			*f.dst, err = durable.ReadPrivate(p)
		} else {
			*f.dst, err = os.ReadFile(p)
		}
		if err != nil {
			return nil, fmt.Errorf("loading enrollment: %w: re-enroll the box with fleet enroll --box %s --force", err, e.BoxID)
		}
	}

	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("loading enrollment from %s: %w", dir, err)
	}
	return e, nil
}

// Validate checks that the enrollment is complete and consistent: a valid
// box id and broker URL, a certificate for this box that matches the key
// and chains to the CA, and keysets of the right kind.
func (e *Enrollment) Validate() error {
	if err := protocol.CheckID("box id", e.BoxID); err != nil {
		return err
	}
	if err := CheckBrokerURL(e.Broker); err != nil {
		return err
	}
	if err := e.checkCertificate(); err != nil {
		return err
	}
	if _, err := e.HybridEncrypt(); err != nil {
		return err
	}
	if _, err := e.ChunkSigner(); err != nil {
		return err
	}
	if _, err := keyset.ReadWithNoSecrets(keyset.NewJSONReader(bytes.NewReader(e.ConfigVerifyKeyset))); err != nil {
		return fmt.Errorf("invalid configuration verify keyset: %w: it must be a public Ed25519 keyset", err)
	}
	return nil
}

// checkCertificate verifies the box's certificate chain, key and common
// name. It accepts a certificate outside its validity period, so a box with
// an expired certificate still starts, records and keeps its spool while IT
// renews the certificate. The broker rejects its connection meanwhile, and
// CertificateExpiry lets the box report why.
func (e *Enrollment) checkCertificate() error {
	pair, err := tls.X509KeyPair(e.CertPEM, e.KeyPEM)
	if err != nil {
		return fmt.Errorf("invalid certificate or key: %w", err)
	}
	cert := pair.Leaf
	if cert.Subject.CommonName != e.BoxID {
		return fmt.Errorf("the certificate is for box %q, not %q: re-enroll the box", cert.Subject.CommonName, e.BoxID)
	}

	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(e.CAPEM) {
		return errors.New("invalid CA file: no PEM certificate found")
	}
	// The check runs at the current time moved into the certificate's
	// validity period, because a Raspberry Pi without a real-time clock
	// starts with a wrong time.
	at := time.Now()
	if at.Before(cert.NotBefore) {
		at = cert.NotBefore
	}
	if at.After(cert.NotAfter) {
		at = cert.NotAfter
	}
	opts := x509.VerifyOptions{
		Roots:       pool,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		CurrentTime: at,
	}
	if _, err := cert.Verify(opts); err != nil {
		return fmt.Errorf("the certificate does not chain to the CA in %s: %w: re-enroll the box", CAFile, err)
	}
	return nil
}

// CertificateExpiry returns when the box's client certificate expires.
func (e *Enrollment) CertificateExpiry() (time.Time, error) {
	pair, err := tls.X509KeyPair(e.CertPEM, e.KeyPEM)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid certificate or key: %w", err)
	}
	return pair.Leaf.NotAfter, nil
}

// Insecure reports whether the broker URL is plain TCP, which
// CheckBrokerURL allows only on loopback, for development.
func (e *Enrollment) Insecure() bool {
	u, err := url.Parse(e.Broker)
	return err == nil && (u.Scheme == "tcp" || u.Scheme == "mqtt")
}

// TLSConfig returns the box's TLS configuration for the broker: TLS 1.2 or
// later, the server must chain to the fleet CA and carry the broker URL's
// host name, and the box presents its certificate.
func (e *Enrollment) TLSConfig() (*tls.Config, error) {
	pair, err := tls.X509KeyPair(e.CertPEM, e.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("loading box certificate and key: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(e.CAPEM) {
		return nil, errors.New("loading CA: no PEM certificate found")
	}
	u, err := url.Parse(e.Broker)
	if err != nil {
		return nil, fmt.Errorf("invalid broker URL %q: %w", e.Broker, err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{pair},
		RootCAs:      pool,
		ServerName:   u.Hostname(),
	}, nil
}

// HybridEncrypt returns the encrypter that seals chunks to the central
// service's recording key.
func (e *Enrollment) HybridEncrypt() (tink.HybridEncrypt, error) {
	h, err := keyset.ReadWithNoSecrets(keyset.NewJSONReader(bytes.NewReader(e.RecordingPublicKeyset)))
	if err != nil {
		return nil, fmt.Errorf("invalid recording public keyset: %w: it must be the central service's public HPKE keyset", err)
	}
	enc, err := hybrid.NewHybridEncrypt(h)
	if err != nil {
		return nil, fmt.Errorf("invalid recording public keyset: %w", err)
	}
	return enc, nil
}

// ChunkSigner returns the signer for the box's chunk signatures.
func (e *Enrollment) ChunkSigner() (tink.Signer, error) {
	h, err := e.chunkSigningHandle()
	if err != nil {
		return nil, err
	}
	s, err := signature.NewSigner(h)
	if err != nil {
		return nil, fmt.Errorf("invalid chunk signing keyset: %w", err)
	}
	return s, nil
}

// ChunkVerifyKeyset returns the public half of the box's chunk signing
// keyset as Tink JSON, for the central service to register.
func (e *Enrollment) ChunkVerifyKeyset() ([]byte, error) {
	h, err := e.chunkSigningHandle()
	if err != nil {
		return nil, err
	}
	pub, err := h.Public()
	if err != nil {
		return nil, fmt.Errorf("deriving chunk verify keyset: %w", err)
	}
	var buf bytes.Buffer
	if err := pub.WriteWithNoSecrets(keyset.NewJSONWriter(&buf)); err != nil {
		return nil, fmt.Errorf("encoding chunk verify keyset: %w", err)
	}
	return buf.Bytes(), nil
}

func (e *Enrollment) chunkSigningHandle() (*keyset.Handle, error) {
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(e.ChunkSigningKeyset)))
	if err != nil {
		return nil, fmt.Errorf("invalid chunk signing keyset: %w", err)
	}
	return h, nil
}

// Write validates e and writes it into dir (created with mode 0700 when
// missing), replacing an earlier enrollment. Private files get mode 0600.
// Write removes enrollment.json first and writes it last, so an interrupted
// Write leaves no enrollment that LoadEnrollment accepts, never a mix of old
// and new files.
func (e *Enrollment) Write(dir string) error {
	if err := e.Validate(); err != nil {
		return fmt.Errorf("writing enrollment: %w", err)
	}
	meta, err := json.MarshalIndent(enrollmentFile{V: 1, BoxID: e.BoxID, Broker: e.Broker}, "", "  ")
	if err != nil {
		return fmt.Errorf("writing enrollment: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("writing enrollment: %w", err)
	}

	if err := os.Remove(filepath.Join(dir, EnrollmentFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("writing enrollment: %w", err)
	}
	files := []struct {
		name string
		data []byte
		perm os.FileMode
	}{
		{CAFile, e.CAPEM, 0o644},
		{CertFile, e.CertPEM, 0o644},
		{KeyFile, e.KeyPEM, 0o600},
		{RecordingKeysetFile, e.RecordingPublicKeyset, 0o644},
		{ConfigVerifyKeysetFile, e.ConfigVerifyKeyset, 0o644},
		{ChunkSigningKeysetFile, e.ChunkSigningKeyset, 0o600},
		{EnrollmentFile, append(meta, '\n'), 0o644},
	}
	for _, f := range files {
		if err := durable.WriteFile(filepath.Join(dir, f.name), f.data, f.perm); err != nil {
			return fmt.Errorf("writing enrollment: %w", err)
		}
	}
	return nil
}

// LoadConfig reads config.json and config.sig from dir and verifies them
// with VerifyConfig.
func (e *Enrollment) LoadConfig(dir string) (*Config, error) {
	data, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s not found in %s: run fleet config --box %s --out DIR and copy config.json and config.sig to the box", ErrNoConfig, ConfigFile, dir, e.BoxID)
	}
	if err != nil {
		return nil, fmt.Errorf("loading configuration: %w", err)
	}
	sig, err := os.ReadFile(filepath.Join(dir, SignatureFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s not found in %s: re-run fleet config --box %s and copy config.json and config.sig to the box", ErrNoSignature, SignatureFile, dir, e.BoxID)
	}
	if err != nil {
		return nil, fmt.Errorf("loading configuration: %w", err)
	}

	c, err := e.VerifyConfig(data, sig)
	if err != nil {
		return nil, fmt.Errorf("loading configuration from %s: %w", dir, err)
	}
	return c, nil
}

// WriteConfig writes a signed configuration into dir: config.sig first,
// then config.json. A crash in between leaves the old config.json with the
// new signature, which LoadConfig rejects as a bad signature, so the box
// never runs an unsigned configuration.
func WriteConfig(dir string, data, sig []byte) error {
	if err := durable.WriteFile(filepath.Join(dir, SignatureFile), sig, 0o644); err != nil {
		return fmt.Errorf("writing configuration: %w", err)
	}
	if err := durable.WriteFile(filepath.Join(dir, ConfigFile), data, 0o644); err != nil {
		return fmt.Errorf("writing configuration: %w", err)
	}
	return nil
}

// CheckBrokerURL returns an error unless s is a broker URL the box may use.
// TLS URLs (ssl://, tls:// or mqtts://) need a host and port. Plain TCP URLs
// (tcp:// or mqtt://) also need a loopback host, because plain TCP is for
// development on one machine only.
func CheckBrokerURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("invalid broker URL %q: %w", s, err)
	}
	if u.Hostname() == "" || u.Port() == "" || (u.Path != "" && u.Path != "/") || u.User != nil || u.RawQuery != "" {
		return fmt.Errorf("invalid broker URL %q: use ssl://HOST:PORT, such as ssl://central.example:8883", s)
	}
	switch u.Scheme {
	case "ssl", "tls", "mqtts":
		return nil
	case "tcp", "mqtt":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("invalid broker URL %q: plain TCP is allowed only on a loopback address: use ssl://%s", s, u.Host)
	}
	return fmt.Errorf("invalid broker URL %q: unsupported scheme %q: use ssl://HOST:PORT", s, u.Scheme)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
