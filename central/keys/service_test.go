package keys

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestServiceAEADPersists(t *testing.T) {
	dir := t.TempDir()
	k, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := k.ServiceAEAD(dir, "accounts")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := a.Encrypt([]byte("totp secret"), []byte("account-1"))
	if err != nil {
		t.Fatal(err)
	}

	k2, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := k2.ServiceAEAD(dir, "accounts")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := a2.Decrypt(sealed, []byte("account-1"))
	if err != nil || !bytes.Equal(plain, []byte("totp secret")) {
		t.Errorf("Decrypt after reopen = %q, %v", plain, err)
	}

	// A key read under another name is refused, so one part's key cannot stand in for another's.
	if err := os.Rename(filepath.Join(dir, "accounts-key.json"), filepath.Join(dir, "other-key.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := k2.ServiceAEAD(dir, "other"); err == nil {
		t.Error("ServiceAEAD accepted a keyset created for another name")
	}
	if raw, _ := os.ReadFile(filepath.Join(dir, "other-key.json")); bytes.Contains(raw, []byte("AES")) && !bytes.Contains(raw, []byte("encryptedKeyset")) {
		t.Error("service keyset is stored in cleartext")
	}
}
