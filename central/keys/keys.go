// Package keys manages the central service's keys: the master key in a file
// outside the database, the HPKE keyset that boxes encrypt chunks to, and the
// per-period and per-recording AEAD keys that seal stored content.
//
// Only the central service imports it. The store keeps the wrapped period and
// recording keys in its database, and this package wraps and unwraps them:
//
//	master key (file, cleartext Tink keyset, mode 0600)
//	├── recording keyset (file, HPKE private keyset encrypted under the master key)
//	└── period key (database row, AEAD keyset encrypted under the master key)
//	    └── recording key (database row, AEAD keyset encrypted under the period key)
//
// Destroying a period key makes every recording key of that period
// unreadable, wherever copies of the wrapped keys remain (crypto-shredding).
package keys

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/ordagrann/ordagrann/internal/durable"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// File names inside the key directory.
const (
	// MasterKeyFile is the master AEAD keyset, in cleartext, readable only by its owner.
	MasterKeyFile = "master-key.json"
	// RecordingKeysetFile is the HPKE private keyset, encrypted under the master key.
	RecordingKeysetFile = "recording-private.json"
	// PublicKeysetFile is the public half of the HPKE keyset that boxes receive at enrollment.
	PublicKeysetFile = "recording-public.json"
)

// Associated data that binds each wrapped keyset to its role (and its period
// or recording), so a wrapped key copied into another slot fails to unwrap.
const (
	recordingKeysetAD = "ordagrann/v1/recording-keyset"
	periodKeyAD       = "ordagrann/v1/period-key\x00"
	recordingKeyAD    = "ordagrann/v1/recording-key\x00"
)

// ErrInsecureMasterKey is returned by Open when the master key file is
// accessible to group or others.
var ErrInsecureMasterKey = errors.New("master key file is accessible to group or others")

// Options configures Open. Nil or zero fields mean the documented defaults.
type Options struct {
	// Logger receives key-file events, never key material. Default: slog.Default().
	Logger *slog.Logger
}

// Keys holds the master key and the recording (HPKE) keyset. It is safe for
// concurrent use.
type Keys struct {
	master    tink.AEAD
	decrypt   tink.HybridDecrypt
	encrypt   tink.HybridEncrypt
	publicKey []byte
}

// Open loads the keys in dir. On first start it creates dir (mode 0700), the
// master key and the recording keyset, and writes the public keyset to
// PublicKeysetFile. It returns ErrInsecureMasterKey when the master key file
// has any group or other permission bits, and an error when the recording
// keyset exists without its master key.
func Open(dir string, opts *Options) (*Keys, error) {
	if opts == nil {
		opts = &Options{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating key directory %s: %w", dir, err)
	}

	// TODO: support rotating the master key: add a key to the keyset and rewrap the recording keyset and period keys.
	master, err := openMaster(dir, log)
	if err != nil {
		return nil, err
	}

	priv, err := openRecordingKeyset(dir, master, log)
	if err != nil {
		return nil, err
	}

	k := &Keys{master: master}
	if k.decrypt, err = hybrid.NewHybridDecrypt(priv); err != nil {
		return nil, fmt.Errorf("creating hybrid decrypt from %s: %w", RecordingKeysetFile, err)
	}
	pub, err := priv.Public()
	if err != nil {
		return nil, fmt.Errorf("deriving public recording keyset: %w", err)
	}
	if k.encrypt, err = hybrid.NewHybridEncrypt(pub); err != nil {
		return nil, fmt.Errorf("creating hybrid encrypt: %w", err)
	}
	var buf bytes.Buffer
	if err := pub.WriteWithNoSecrets(keyset.NewJSONWriter(&buf)); err != nil {
		return nil, fmt.Errorf("encoding public recording keyset: %w", err)
	}
	k.publicKey = buf.Bytes()

	if err := writePublicIfChanged(filepath.Join(dir, PublicKeysetFile), k.publicKey, log); err != nil {
		return nil, err
	}
	return k, nil
}

// openMaster reads the master key, or creates it when neither it nor the
// recording keyset exists.
func openMaster(dir string, log *slog.Logger) (tink.AEAD, error) {
	path := filepath.Join(dir, MasterKeyFile)
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createMaster(dir, path, log)
	}
	if err != nil {
		return nil, fmt.Errorf("reading master key %s: %w", path, err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o: run chmod 600 %s, and replace the key if others may have read it",
			ErrInsecureMasterKey, path, perm, path)
	}

	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading master key %s: %w", path, err)
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(b)))
	if err != nil {
		return nil, fmt.Errorf("parsing master key %s: %w", path, err)
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("master key %s is not an AEAD keyset: %w", path, err)
	}
	return a, nil
}

func createMaster(dir, path string, log *slog.Logger) (tink.AEAD, error) {
	if _, err := os.Stat(filepath.Join(dir, RecordingKeysetFile)); err == nil {
		return nil, fmt.Errorf("master key %s is missing but %s exists: restore the master key from its backup, or every stored recording is lost",
			path, RecordingKeysetFile)
	}

	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("generating master key: %w", err)
	}
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&buf)); err != nil {
		return nil, fmt.Errorf("encoding master key: %w", err)
	}
	if err := durable.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return nil, fmt.Errorf("writing master key: %w", err)
	}
	log.Info("created master key", "path", path)

	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("creating master AEAD: %w", err)
	}
	return a, nil
}

// openRecordingKeyset reads the encrypted HPKE private keyset, or creates it on first start.
func openRecordingKeyset(dir string, master tink.AEAD, log *slog.Logger) (*keyset.Handle, error) {
	path := filepath.Join(dir, RecordingKeysetFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createRecordingKeyset(path, master, log)
	}
	if err != nil {
		return nil, fmt.Errorf("reading recording keyset %s: %w", path, err)
	}

	h, err := keyset.ReadWithAssociatedData(keyset.NewJSONReader(bytes.NewReader(b)), master, []byte(recordingKeysetAD))
	if err != nil {
		return nil, fmt.Errorf("decrypting recording keyset %s with the master key (is %s the key it was created with?): %w",
			path, MasterKeyFile, err)
	}
	return h, nil
}

func createRecordingKeyset(path string, master tink.AEAD, log *slog.Logger) (*keyset.Handle, error) {
	h, err := keyset.NewHandle(hybrid.DHKEM_X25519_HKDF_SHA256_HKDF_SHA256_AES_256_GCM_Key_Template())
	if err != nil {
		return nil, fmt.Errorf("generating recording keyset: %w", err)
	}
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewJSONWriter(&buf), master, []byte(recordingKeysetAD)); err != nil {
		return nil, fmt.Errorf("encrypting recording keyset: %w", err)
	}
	if err := durable.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return nil, fmt.Errorf("writing recording keyset: %w", err)
	}
	log.Info("created recording keyset", "path", path)
	return h, nil
}

func writePublicIfChanged(path string, pub []byte, log *slog.Logger) error {
	old, err := os.ReadFile(path)
	if err == nil && bytes.Equal(old, pub) {
		return nil
	}
	if err := durable.WriteFile(path, pub, 0o644); err != nil {
		return fmt.Errorf("writing public recording keyset: %w", err)
	}
	log.Info("wrote public recording keyset", "path", path)
	return nil
}

// HybridDecrypt returns the primitive that opens chunks sealed by boxes.
func (k *Keys) HybridDecrypt() tink.HybridDecrypt { return k.decrypt }

// HybridEncrypt returns the primitive that seals chunks to this service, as
// a box does with the public keyset. Tests and the demo box use it.
func (k *Keys) HybridEncrypt() tink.HybridEncrypt { return k.encrypt }

// PublicKeysetJSON returns the public half of the recording keyset as a
// Tink JSON keyset, the content of PublicKeysetFile. The caller must not
// modify the returned slice.
func (k *Keys) PublicKeysetJSON() []byte { return k.publicKey }
