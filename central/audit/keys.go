package audit

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/ordagrann/ordagrann/internal/durable"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// File names in the key directory, next to the master key.
const (
	// SigningKeyFile is the Ed25519 keyset that signs chain heads, in
	// cleartext and readable only by its owner, like the master key.
	SigningKeyFile = "audit-signing-key.json"
	// VerifyKeyFile is its public half, which is all that Verify needs.
	VerifyKeyFile = "audit-verify-key.json"
)

// openSigner reads the signing keyset in dir, or creates it and its public
// half when neither exists.
func openSigner(dir string, log *slog.Logger) (tink.Signer, tink.Verifier, error) {
	path := filepath.Join(dir, SigningKeyFile)
	pubPath := filepath.Join(dir, VerifyKeyFile)

	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(pubPath); err == nil {
			return nil, nil, fmt.Errorf("audit signing key %s is missing but %s exists: restore the signing key from its backup, or heads signed so far cannot be checked against a new key",
				path, VerifyKeyFile)
		}
		return createSigner(dir, path, pubPath, log)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading audit signing key %s: %w", path, err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, nil, fmt.Errorf("audit signing key %s has mode %04o: run chmod 600 %s, and replace the key if others may have read it", path, perm, path)
	}

	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading audit signing key %s: %w", path, err)
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(b)))
	if err != nil {
		return nil, nil, fmt.Errorf("parsing audit signing key %s: %w", path, err)
	}
	return primitives(h, path)
}

func createSigner(dir, path, pubPath string, log *slog.Logger) (tink.Signer, tink.Verifier, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("creating key directory %s: %w", dir, err)
	}
	h, err := keyset.NewHandle(signature.ED25519KeyTemplate())
	if err != nil {
		return nil, nil, fmt.Errorf("generating audit signing key: %w", err)
	}

	var priv bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&priv)); err != nil {
		return nil, nil, fmt.Errorf("encoding audit signing key: %w", err)
	}
	pub, err := h.Public()
	if err != nil {
		return nil, nil, fmt.Errorf("deriving audit verify key: %w", err)
	}
	var pubJSON bytes.Buffer
	if err := pub.WriteWithNoSecrets(keyset.NewJSONWriter(&pubJSON)); err != nil {
		return nil, nil, fmt.Errorf("encoding audit verify key: %w", err)
	}

	if err := durable.WriteFile(path, priv.Bytes(), 0o600); err != nil {
		return nil, nil, fmt.Errorf("writing audit signing key: %w", err)
	}
	if err := durable.WriteFile(pubPath, pubJSON.Bytes(), 0o644); err != nil {
		return nil, nil, fmt.Errorf("writing audit verify key: %w", err)
	}
	log.Info("created audit signing key", "path", path)
	return primitives(h, path)
}

func primitives(h *keyset.Handle, path string) (tink.Signer, tink.Verifier, error) {
	signer, err := signature.NewSigner(h)
	if err != nil {
		return nil, nil, fmt.Errorf("audit signing key %s is not a signature keyset: %w", path, err)
	}
	pub, err := h.Public()
	if err != nil {
		return nil, nil, fmt.Errorf("deriving audit verify key from %s: %w", path, err)
	}
	verifier, err := signature.NewVerifier(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("creating audit verifier from %s: %w", path, err)
	}
	return signer, verifier, nil
}

// ReadVerifier reads the public keyset VerifyKeyFile from dir.
func ReadVerifier(dir string) (tink.Verifier, error) {
	path := filepath.Join(dir, VerifyKeyFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading audit verify key: %w", err)
	}
	h, err := keyset.ReadWithNoSecrets(keyset.NewJSONReader(bytes.NewReader(b)))
	if err != nil {
		return nil, fmt.Errorf("parsing audit verify key %s: %w", path, err)
	}
	v, err := signature.NewVerifier(h)
	if err != nil {
		return nil, fmt.Errorf("audit verify key %s is not a signature keyset: %w", path, err)
	}
	return v, nil
}
