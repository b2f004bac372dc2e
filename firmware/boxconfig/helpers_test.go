package boxconfig_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/firmware/boxconfig"
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// The tests build certificates with crypto/x509 directly, because firmware
// packages do not import the central service's pki package.

type testCA struct {
	cert    *x509.Certificate
	certPEM []byte
	key     *ecdsa.PrivateKey
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-24 * time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key: key}
}

// issue returns a certificate and PKCS #8 key for cn with the given usage.
func (ca *testCA) issue(t testing.TB, cn string, usage x509.ExtKeyUsage, notAfter time.Time) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-2 * time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

// signingKeys is an Ed25519 keyset with its signer and JSON halves.
type signingKeys struct {
	signer      tink.Signer
	privateJSON []byte
	publicJSON  []byte
}

func newSigningKeys(t testing.TB) signingKeys {
	t.Helper()
	h, err := keyset.NewHandle(signature.ED25519KeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.NewSigner(h)
	if err != nil {
		t.Fatal(err)
	}
	var priv, pub bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&priv)); err != nil {
		t.Fatal(err)
	}
	pubHandle, err := h.Public()
	if err != nil {
		t.Fatal(err)
	}
	if err := pubHandle.WriteWithNoSecrets(keyset.NewJSONWriter(&pub)); err != nil {
		t.Fatal(err)
	}
	return signingKeys{signer: signer, privateJSON: priv.Bytes(), publicJSON: pub.Bytes()}
}

// recordingKeys returns an HPKE keyset's private handle and public JSON.
func recordingKeys(t testing.TB) (*keyset.Handle, []byte, []byte) {
	t.Helper()
	h, err := keyset.NewHandle(hybrid.DHKEM_X25519_HKDF_SHA256_HKDF_SHA256_AES_256_GCM_Key_Template())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := h.Public()
	if err != nil {
		t.Fatal(err)
	}
	var pubJSON, privJSON bytes.Buffer
	if err := pub.WriteWithNoSecrets(keyset.NewJSONWriter(&pubJSON)); err != nil {
		t.Fatal(err)
	}
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&privJSON)); err != nil {
		t.Fatal(err)
	}
	return h, pubJSON.Bytes(), privJSON.Bytes()
}

// fixture is an enrolled box with IT's signing keys and the central
// service's recording keys.
type fixture struct {
	ca           *testCA
	it           signingKeys
	recording    *keyset.Handle
	recordingPub []byte
	enrollment   *boxconfig.Enrollment
}

func newFixture(t testing.TB, boxID string) *fixture {
	t.Helper()
	ca := newTestCA(t)
	it := newSigningKeys(t)
	chunk := newSigningKeys(t)
	recording, recordingPub, _ := recordingKeys(t)
	certPEM, keyPEM := ca.issue(t, boxID, x509.ExtKeyUsageClientAuth, time.Now().Add(time.Hour))
	return &fixture{
		ca:           ca,
		it:           it,
		recording:    recording,
		recordingPub: recordingPub,
		enrollment: &boxconfig.Enrollment{
			BoxID:                 boxID,
			Broker:                "ssl://central.example:8883",
			CAPEM:                 ca.certPEM,
			CertPEM:               certPEM,
			KeyPEM:                keyPEM,
			RecordingPublicKeyset: recordingPub,
			ConfigVerifyKeyset:    it.publicJSON,
			ChunkSigningKeyset:    chunk.privateJSON,
		},
	}
}

func testConfig(boxID string) boxconfig.Config {
	return boxconfig.Config{
		Version:        3,
		BoxID:          boxID,
		IssuedAt:       time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC),
		Board:          "sim",
		ConsentTimeout: boxconfig.Duration(60 * time.Second),
		Badges: []boxconfig.Badge{
			{UID: "04a1b2c3d4e5f6", ID: "cw-0002"},
			{UID: "04a1b2c3", ID: "cw-0001"},
		},
	}
}
