package keys

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ordagrann/ordagrann/internal/durable"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// ServiceAEAD returns an AES-256-GCM primitive for one part of the service,
// such as "accounts" for sealed TOTP secrets. Its keyset lives in
// <dir>/<name>-key.json, encrypted under the master key and bound to name,
// and is created on first use. Deleting the file makes everything sealed
// with it unreadable.
func (k *Keys) ServiceAEAD(dir, name string) (tink.AEAD, error) {
	if err := protocol.CheckID("service key name", name); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, name+"-key.json")
	ad := []byte("ordagrann/v1/service-key\x00" + name)

	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return k.createServiceAEAD(path, ad)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s key %s: %w", name, path, err)
	}
	h, err := keyset.ReadWithAssociatedData(keyset.NewJSONReader(bytes.NewReader(b)), k.master, ad)
	if err != nil {
		return nil, fmt.Errorf("decrypting %s key %s with the master key (is %s the key it was created with?): %w", name, path, MasterKeyFile, err)
	}
	return aead.New(h)
}

func (k *Keys) createServiceAEAD(path string, ad []byte) (tink.AEAD, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("generating service key: %w", err)
	}
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewJSONWriter(&buf), k.master, ad); err != nil {
		return nil, fmt.Errorf("encrypting service key: %w", err)
	}
	if err := durable.Create(path, buf.Bytes(), 0o600); err != nil {
		return nil, fmt.Errorf("writing service key: %w", err)
	}
	return aead.New(h)
}
