package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/ordagrann/ordagrann/internal/durable"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// File names in a fleet directory.
const (
	CACertFile = "ca.pem"
	CAKeyFile  = "ca-key.pem"
)

// Default validity periods, used when a caller passes a validity of zero.
const (
	DefaultCAValidity     = 10 * 365 * 24 * time.Hour
	DefaultServerValidity = 2 * 365 * 24 * time.Hour
	DefaultClientValidity = 5 * 365 * 24 * time.Hour
)

// backdate is how far before the issuing time a certificate becomes valid,
// so that a box whose clock runs a few minutes behind still accepts it.
const backdate = 5 * time.Minute

// ErrCAExists is returned by InitCA when the directory already contains a CA.
var ErrCAExists = errors.New("a CA already exists")

// CA is the fleet's certificate authority.
type CA struct {
	Cert    *x509.Certificate
	CertPEM []byte
	Key     *ecdsa.PrivateKey

	// Now returns the time certificates are issued at. Nil means time.Now.
	Now func() time.Time
}

// KeyPair is an issued certificate and its private key, both PEM encoded.
type KeyPair struct {
	CertPEM []byte
	KeyPEM  []byte
}

func (ca *CA) now() time.Time {
	if ca.Now != nil {
		return ca.Now()
	}
	return time.Now()
}

// InitCA creates a new ECDSA P-256 CA in dir (created with mode 0700 when
// missing) and writes ca.pem and ca-key.pem (mode 0600). It returns an error
// wrapping ErrCAExists, and changes nothing, when either file exists.
func InitCA(dir string) (*CA, error) {
	certPath := filepath.Join(dir, CACertFile)
	keyPath := filepath.Join(dir, CAKeyFile)
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Lstat(p); err == nil {
			return nil, fmt.Errorf("creating CA in %s: %w (%s): keep using it, or choose an empty directory", dir, ErrCAExists, p)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating CA: %w", err)
	}

	ca, keyPEM, err := newCA(time.Now())
	if err != nil {
		return nil, err
	}

	// A crash between the two writes leaves ca-key.pem alone, and the next
	// InitCA names that file instead of overwriting it.
	if err := writeFile(keyPath, keyPEM, 0o600, false); err != nil {
		return nil, fmt.Errorf("creating CA: %w", err)
	}
	if err := writeFile(certPath, ca.CertPEM, 0o644, false); err != nil {
		return nil, fmt.Errorf("creating CA: %w", err)
	}
	return ca, nil
}

func newCA(now time.Time) (*CA, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating CA key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}

	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"Ordagrann"}, CommonName: "Ordagrann fleet CA " + fmt.Sprintf("%032x", serial)[:8]},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(DefaultCAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("creating CA certificate: %w", err)
	}

	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing new CA certificate: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, nil, err
	}
	return &CA{Cert: cert, CertPEM: encodeCert(der), Key: key}, keyPEM, nil
}

// LoadCA reads the CA from dir. It rejects a key file that group or others
// may read.
func LoadCA(dir string) (*CA, error) {
	certPath := filepath.Join(dir, CACertFile)
	keyPath := filepath.Join(dir, CAKeyFile)

	certPEM, err := os.ReadFile(certPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("loading CA: %s not found: create the fleet directory with fleet init --dir %s", certPath, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("loading CA: %w", err)
	}
	cert, err := ParseCertPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("loading CA from %s: %w", certPath, err)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("loading CA from %s: the certificate is not a CA certificate", certPath)
	}

	keyPEM, err := durable.ReadPrivate(keyPath)
	if err != nil {
		return nil, fmt.Errorf("loading CA key: %w", err)
	}
	key, err := ParseKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("loading CA key from %s: %w", keyPath, err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("loading CA: the key in %s does not belong to the certificate in %s", keyPath, certPath)
	}
	return &CA{Cert: cert, CertPEM: certPEM, Key: key}, nil
}

// IssueServerCert issues a certificate for the central service's broker and
// web UI. Each host is a DNS name or an IP address and becomes a subject
// alternative name. A validity of zero means DefaultServerValidity.
func IssueServerCert(ca *CA, hosts []string, validity time.Duration) (*KeyPair, error) {
	if len(hosts) == 0 {
		return nil, errors.New("issuing server certificate: no host: give the DNS names and IP addresses boxes and browsers use to reach the central service")
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"Ordagrann"}, CommonName: hosts[0]},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			continue
		}
		if err := checkDNSName(h); err != nil {
			return nil, fmt.Errorf("issuing server certificate: %w", err)
		}
		tmpl.DNSNames = append(tmpl.DNSNames, strings.ToLower(h))
	}
	if validity == 0 {
		validity = DefaultServerValidity
	}
	kp, err := ca.issue(tmpl, validity)
	if err != nil {
		return nil, fmt.Errorf("issuing server certificate for %s: %w", strings.Join(hosts, ", "), err)
	}
	return kp, nil
}

// IssueClientCert issues a box's client certificate. Its common name is the
// box id, which the broker takes as the box's identity. A validity of zero
// means DefaultClientValidity.
func IssueClientCert(ca *CA, boxID string, validity time.Duration) (*KeyPair, error) {
	if err := protocol.CheckID("box id", boxID); err != nil {
		return nil, fmt.Errorf("issuing client certificate: %w", err)
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"Ordagrann"}, CommonName: boxID},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if validity == 0 {
		validity = DefaultClientValidity
	}
	kp, err := ca.issue(tmpl, validity)
	if err != nil {
		return nil, fmt.Errorf("issuing client certificate for box %s: %w", boxID, err)
	}
	return kp, nil
}

// issue fills in serial, key and validity and signs tmpl with the CA.
func (ca *CA) issue(tmpl *x509.Certificate, validity time.Duration) (*KeyPair, error) {
	if validity < 0 {
		return nil, fmt.Errorf("invalid validity %s: use a positive duration", validity)
	}
	now := ca.now()
	notAfter := now.Add(validity)
	if notAfter.After(ca.Cert.NotAfter) {
		return nil, fmt.Errorf("validity %s ends after the CA certificate expires on %s: use a shorter validity", validity, ca.Cert.NotAfter.UTC().Format(time.DateOnly))
	}
	if now.Before(ca.Cert.NotBefore) {
		return nil, fmt.Errorf("the CA certificate is not valid before %s: check the clock", ca.Cert.NotBefore.UTC().Format(time.RFC3339))
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = now.Add(-backdate)
	tmpl.NotAfter = notAfter
	tmpl.BasicConstraintsValid = true

	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("signing certificate: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	return &KeyPair{CertPEM: encodeCert(der), KeyPEM: keyPEM}, nil
}

// WriteKeyPair writes kp durably as certPath and keyPath (mode 0600),
// replacing existing files.
func WriteKeyPair(kp *KeyPair, certPath, keyPath string) error {
	if err := writeFile(keyPath, kp.KeyPEM, 0o600, true); err != nil {
		return err
	}
	return writeFile(certPath, kp.CertPEM, 0o644, true)
}

// ParseCertPEM parses the first certificate in a PEM block sequence.
func ParseCertPEM(b []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM CERTIFICATE block found")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing certificate: %w", err)
	}
	return cert, nil
}

// ParseKeyPEM parses an ECDSA private key in a PKCS #8 PEM block.
func ParseKeyPEM(b []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("no PEM PRIVATE KEY block found")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing private key: %w", err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is a %T, want an ECDSA key", k)
	}
	return ec, nil
}

func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func encodeKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// newSerial returns a random 128-bit serial number, as RFC 5280 allows up
// to 20 octets and CA/Browser Forum rules ask for at least 64 random bits.
func newSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("generating serial number: %w", err)
	}
	return serial.Add(serial, big.NewInt(1)), nil
}

// checkDNSName accepts host names made of letters, digits, '-' and '.',
// with an optional leading "*." wildcard label.
func checkDNSName(h string) error {
	name := strings.TrimPrefix(h, "*.")
	ok := len(name) > 0 && len(name) <= 253 && !strings.HasPrefix(name, ".") && !strings.HasSuffix(name, ".") && !strings.Contains(name, "..")
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
	}
	if !ok {
		return fmt.Errorf("invalid host %q: give a DNS name such as central.example or an IP address such as 10.0.0.5", h)
	}
	return nil
}
