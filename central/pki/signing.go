package pki

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/ordagrann/ordagrann/internal/durable"
	"os"
	"path/filepath"

	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// File names of IT's configuration signing keys in a fleet directory.
const (
	ConfigSigningFile = "config-signing.json"
	ConfigVerifyFile  = "config-verify.json"
)

// ErrSigningKeyExists is returned by InitConfigSigningKey when the
// directory already holds a signing key.
var ErrSigningKeyExists = errors.New("a configuration signing key already exists")

// NewSigningKeyset generates a Tink Ed25519 keyset (signature.ED25519KeyTemplate,
// so signatures carry Tink's 5-byte key id prefix) and returns its private
// and public halves as Tink JSON keysets. The private half is cleartext:
// store it with mode 0600.
func NewSigningKeyset() (private, public []byte, err error) {
	h, err := keyset.NewHandle(signature.ED25519KeyTemplate())
	if err != nil {
		return nil, nil, fmt.Errorf("generating Ed25519 keyset: %w", err)
	}
	var priv bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&priv)); err != nil {
		return nil, nil, fmt.Errorf("encoding Ed25519 keyset: %w", err)
	}
	pubHandle, err := h.Public()
	if err != nil {
		return nil, nil, fmt.Errorf("deriving Ed25519 public keyset: %w", err)
	}
	var pub bytes.Buffer
	if err := pubHandle.WriteWithNoSecrets(keyset.NewJSONWriter(&pub)); err != nil {
		return nil, nil, fmt.Errorf("encoding Ed25519 public keyset: %w", err)
	}
	return priv.Bytes(), pub.Bytes(), nil
}

// InitConfigSigningKey creates IT's configuration signing keyset in dir:
// config-signing.json (private, mode 0600) and config-verify.json (public).
// It returns an error wrapping ErrSigningKeyExists, and changes nothing,
// when either file exists.
//
// TODO: the private keyset is cleartext on disk; sealing it under a KMS key or
// a hardware token is not implemented.
func InitConfigSigningKey(dir string) error {
	privPath := filepath.Join(dir, ConfigSigningFile)
	pubPath := filepath.Join(dir, ConfigVerifyFile)
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("creating configuration signing key in %s: %w (%s): keep using it, or choose an empty directory", dir, ErrSigningKeyExists, p)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating configuration signing key: %w", err)
	}

	priv, pub, err := NewSigningKeyset()
	if err != nil {
		return err
	}
	if err := writeFile(privPath, priv, 0o600, false); err != nil {
		return fmt.Errorf("creating configuration signing key: %w", err)
	}
	if err := writeFile(pubPath, pub, 0o644, false); err != nil {
		return fmt.Errorf("creating configuration signing key: %w", err)
	}
	return nil
}

// LoadConfigSigner reads IT's configuration signing keyset from dir. It
// rejects a keyset file that group or others may read.
func LoadConfigSigner(dir string) (tink.Signer, error) {
	path := filepath.Join(dir, ConfigSigningFile)
	b, err := durable.ReadPrivate(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("loading configuration signing key: %s not found: create the fleet directory with fleet init --dir %s", path, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("loading configuration signing key: %w", err)
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(b)))
	if err != nil {
		return nil, fmt.Errorf("loading configuration signing key from %s: %w", path, err)
	}
	signer, err := signature.NewSigner(h)
	if err != nil {
		return nil, fmt.Errorf("loading configuration signing key from %s: %w", path, err)
	}
	return signer, nil
}

// ReadConfigVerifyKeyset returns the public keyset JSON that boxes pin.
func ReadConfigVerifyKeyset(dir string) ([]byte, error) {
	path := filepath.Join(dir, ConfigVerifyFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading configuration verify keyset: %w", err)
	}
	if _, err := NewVerifier(b); err != nil {
		return nil, fmt.Errorf("reading configuration verify keyset %s: %w", path, err)
	}
	return b, nil
}

// NewVerifier parses a public Tink signature keyset in JSON. It rejects a
// keyset that contains private key material.
func NewVerifier(publicKeyset []byte) (tink.Verifier, error) {
	h, err := keyset.ReadWithNoSecrets(keyset.NewJSONReader(bytes.NewReader(publicKeyset)))
	if err != nil {
		return nil, fmt.Errorf("parsing public signature keyset: %w", err)
	}
	v, err := signature.NewVerifier(h)
	if err != nil {
		return nil, fmt.Errorf("parsing public signature keyset: %w", err)
	}
	return v, nil
}
