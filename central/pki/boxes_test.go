package pki_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordagrann/ordagrann/central/pki"
)

func newBox(t *testing.T, ca *pki.CA, id string) (pki.Box, []byte) {
	t.Helper()
	kp, err := pki.IssueClientCert(ca, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub, err := pki.NewSigningKeyset()
	if err != nil {
		t.Fatal(err)
	}
	return pki.Box{ID: id, CertPEM: kp.CertPEM, ChunkVerifyKeyset: pub}, priv
}

func TestRegisterAndReadBoxes(t *testing.T) {
	ca, dir := newCA(t)
	b2, _ := newBox(t, ca, "room-2")
	b1, _ := newBox(t, ca, "room-1")
	for _, b := range []pki.Box{b2, b1} {
		if err := pki.RegisterBox(dir, b, false); err != nil {
			t.Fatalf("RegisterBox(%s): %v", b.ID, err)
		}
	}
	// Entries whose names are not box ids are skipped.
	if err := os.Mkdir(filepath.Join(dir, pki.BoxesDir, ".room-1.old"), 0o700); err != nil {
		t.Fatal(err)
	}

	got, err := pki.ReadBoxes(dir)
	if err != nil {
		t.Fatalf("ReadBoxes: %v", err)
	}
	if diff := cmp.Diff([]pki.Box{b1, b2}, got); diff != "" {
		t.Errorf("ReadBoxes() mismatch (-want +got):\n%s", diff)
	}
	if _, err := got[0].ChunkVerifier(); err != nil {
		t.Errorf("ChunkVerifier: %v", err)
	}
}

func TestReadBoxesEmptyFleet(t *testing.T) {
	got, err := pki.ReadBoxes(t.TempDir())
	if err != nil || len(got) != 0 {
		t.Errorf("ReadBoxes(empty fleet) = %v, %v, want no boxes and no error", got, err)
	}
}

func TestRegisterBoxRefusesOverwrite(t *testing.T) {
	ca, dir := newCA(t)
	first, _ := newBox(t, ca, "room-1")
	second, _ := newBox(t, ca, "room-1")
	if err := pki.RegisterBox(dir, first, false); err != nil {
		t.Fatal(err)
	}

	if err := pki.RegisterBox(dir, second, false); !errors.Is(err, pki.ErrBoxExists) {
		t.Fatalf("RegisterBox(existing) error = %v, want ErrBoxExists", err)
	}
	got, err := pki.ReadBox(dir, "room-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("refused RegisterBox changed the box (-want +got):\n%s", diff)
	}

	if err := pki.RegisterBox(dir, second, true); err != nil {
		t.Fatalf("RegisterBox(overwrite): %v", err)
	}
	got, err = pki.ReadBox(dir, "room-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(second, got); diff != "" {
		t.Errorf("RegisterBox(overwrite) mismatch (-want +got):\n%s", diff)
	}
}

func TestReadBoxErrors(t *testing.T) {
	ca, dir := newCA(t)
	b, priv := newBox(t, ca, "room-1")
	if err := pki.RegisterBox(dir, b, false); err != nil {
		t.Fatal(err)
	}
	other, _ := newBox(t, ca, "room-9")
	boxDir := pki.BoxDir(dir, "room-1")

	tests := []struct {
		name    string
		breakIt func(t *testing.T)
		want    string
	}{
		{"not_enrolled", func(t *testing.T) { os.Remove(filepath.Join(boxDir, pki.BoxCertFile)) }, "fleet enroll --box room-1"},
		{"cert_of_other_box", func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(boxDir, pki.BoxCertFile), other.CertPEM, 0o644); err != nil {
				t.Fatal(err)
			}
		}, `names box "room-9"`},
		{"private_verify_keyset", func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(boxDir, pki.ChunkVerifyFile), priv, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "chunk verify keyset"},
		{"missing_verify_keyset", func(t *testing.T) { os.Remove(filepath.Join(boxDir, pki.ChunkVerifyFile)) }, "chunk-verify.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := pki.RegisterBox(dir, b, true); err != nil {
				t.Fatal(err)
			}
			tt.breakIt(t)

			_, err := pki.ReadBox(dir, "room-1")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadBox() error = %v, want one containing %q", err, tt.want)
			}
			if _, err := pki.ReadBoxes(dir); err == nil {
				t.Error("ReadBoxes() with a broken box succeeded, want an error")
			}
		})
	}
}
