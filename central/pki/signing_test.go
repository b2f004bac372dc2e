package pki_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordagrann/ordagrann/central/pki"
)

func TestConfigSigningKeyRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if err := pki.InitConfigSigningKey(dir); err != nil {
		t.Fatalf("InitConfigSigningKey: %v", err)
	}
	info, err := os.Stat(filepath.Join(dir, pki.ConfigSigningFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("mode of %s = %04o, want 0600", pki.ConfigSigningFile, got)
	}

	signer, err := pki.LoadConfigSigner(dir)
	if err != nil {
		t.Fatalf("LoadConfigSigner: %v", err)
	}
	pub, err := pki.ReadConfigVerifyKeyset(dir)
	if err != nil {
		t.Fatalf("ReadConfigVerifyKeyset: %v", err)
	}
	if strings.Contains(string(pub), "PRIVATE") || strings.Contains(string(pub), "ASYMMETRIC_PRIVATE") {
		t.Errorf("public keyset mentions private key material:\n%s", pub)
	}
	verifier, err := pki.NewVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.Sign([]byte("config"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sig) != 69 {
		t.Errorf("len(signature) = %d, want 69 (5-byte Tink prefix and 64-byte Ed25519 signature)", len(sig))
	}
	if err := verifier.Verify(sig, []byte("config")); err != nil {
		t.Errorf("Verify(own signature) = %v, want nil", err)
	}
	if err := verifier.Verify(sig, []byte("other")); err == nil {
		t.Error("Verify(signature over other data) = nil, want an error")
	}
}

func TestInitConfigSigningKeyRefusesOverwrite(t *testing.T) {
	dir := t.TempDir()
	if err := pki.InitConfigSigningKey(dir); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, pki.ConfigSigningFile))
	if err != nil {
		t.Fatal(err)
	}

	err = pki.InitConfigSigningKey(dir)
	if !errors.Is(err, pki.ErrSigningKeyExists) {
		t.Fatalf("second InitConfigSigningKey error = %v, want ErrSigningKeyExists", err)
	}
	after, err := os.ReadFile(filepath.Join(dir, pki.ConfigSigningFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Error("refused InitConfigSigningKey changed the private keyset")
	}
}

func TestLoadConfigSignerRejectsReadableKey(t *testing.T) {
	dir := t.TempDir()
	if err := pki.InitConfigSigningKey(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, pki.ConfigSigningFile), 0o640); err != nil {
		t.Fatal(err)
	}
	_, err := pki.LoadConfigSigner(dir)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("LoadConfigSigner error = %v, want one that says chmod 600", err)
	}
}

func TestNewVerifierRejectsPrivateKeyset(t *testing.T) {
	priv, _, err := pki.NewSigningKeyset()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pki.NewVerifier(priv); err == nil {
		t.Error("NewVerifier(private keyset) succeeded, want an error")
	}
	if _, err := pki.NewVerifier([]byte("{")); err == nil {
		t.Error("NewVerifier(invalid JSON) succeeded, want an error")
	}
}
