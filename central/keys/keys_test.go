package keys

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/keyset"

	"github.com/ordagrann/ordagrann/sync/chunkcrypt"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

func mustOpen(t *testing.T, dir string) *Keys {
	t.Helper()
	k, err := Open(dir, nil)
	if err != nil {
		t.Fatalf("Open(%s) = %v", dir, err)
	}
	return k
}

func TestOpenCreatesKeyFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	k := mustOpen(t, dir)

	for name, want := range map[string]os.FileMode{MasterKeyFile: 0o600, RecordingKeysetFile: 0o600, PublicKeysetFile: 0o644} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("stat %s: %v", name, err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %04o, want %04o", name, got, want)
		}
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o700 {
		t.Errorf("mode of key directory = %04o, want 0700", got)
	}

	pub, err := os.ReadFile(filepath.Join(dir, PublicKeysetFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pub, k.PublicKeysetJSON()) {
		t.Errorf("%s differs from PublicKeysetJSON()", PublicKeysetFile)
	}
	if bytes.Contains(pub, []byte("privateKey")) || bytes.Contains(pub, []byte("HpkePrivateKey")) {
		t.Errorf("%s contains private key material: %s", PublicKeysetFile, pub)
	}
}

func TestReopenKeepsKeys(t *testing.T) {
	dir := t.TempDir()
	first := mustOpen(t, dir)
	ct, err := first.HybridEncrypt().Encrypt([]byte("hej"), []byte("ctx"))
	if err != nil {
		t.Fatal(err)
	}
	period, wrapped, err := first.NewPeriodKey("2026-W49")
	if err != nil {
		t.Fatal(err)
	}
	_, wrappedRec, err := period.NewRecordingKey("rec-1")
	if err != nil {
		t.Fatal(err)
	}

	second := mustOpen(t, dir)
	if !bytes.Equal(first.PublicKeysetJSON(), second.PublicKeysetJSON()) {
		t.Errorf("public keyset changed on reopen")
	}
	got, err := second.HybridDecrypt().Decrypt(ct, []byte("ctx"))
	if err != nil || string(got) != "hej" {
		t.Errorf("Decrypt after reopen = %q, %v, want %q", got, err, "hej")
	}
	reopened, err := second.OpenPeriodKey("2026-W49", wrapped)
	if err != nil {
		t.Fatalf("OpenPeriodKey after reopen = %v", err)
	}
	if _, err := reopened.OpenRecordingKey("rec-1", wrappedRec); err != nil {
		t.Errorf("OpenRecordingKey after reopen = %v", err)
	}
}

func TestOpenRejectsInsecureMasterKey(t *testing.T) {
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620, 0o644} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			mustOpen(t, dir)
			if err := os.Chmod(filepath.Join(dir, MasterKeyFile), mode); err != nil {
				t.Fatal(err)
			}

			_, err := Open(dir, nil)
			if !errors.Is(err, ErrInsecureMasterKey) {
				t.Fatalf("Open with master key mode %04o = %v, want ErrInsecureMasterKey", mode, err)
			}
			t.Logf("error: %v", err)
		})
	}
}

func TestOpenRejectsMissingMasterKey(t *testing.T) {
	dir := t.TempDir()
	mustOpen(t, dir)
	if err := os.Remove(filepath.Join(dir, MasterKeyFile)); err != nil {
		t.Fatal(err)
	}

	if _, err := Open(dir, nil); err == nil {
		t.Fatal("Open without master key but with recording keyset = nil error, want an error")
	}
	if _, err := os.Stat(filepath.Join(dir, MasterKeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created a new master key next to the old recording keyset (stat error %v)", err)
	}
}

func TestOpenRejectsOtherMasterKey(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	mustOpen(t, dir)
	mustOpen(t, other)
	b, err := os.ReadFile(filepath.Join(other, MasterKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, MasterKeyFile), b, 0o600); err != nil {
		t.Fatal(err)
	}

	if _, err := Open(dir, nil); err == nil {
		t.Fatal("Open with another master key = nil error, want an error")
	}
}

func TestPublicKeysetSealsChunks(t *testing.T) {
	dir := t.TempDir()
	k := mustOpen(t, dir)

	// A box gets only the public keyset file.
	pub, err := keyset.ReadWithNoSecrets(keyset.NewJSONReader(bytes.NewReader(k.PublicKeysetJSON())))
	if err != nil {
		t.Fatalf("reading public keyset: %v", err)
	}
	enc, err := hybrid.NewHybridEncrypt(pub)
	if err != nil {
		t.Fatal(err)
	}
	sealer := &chunkcrypt.Sealer{BoxID: "box-1", Enc: enc}
	h := protocol.ChunkHeader{
		Format: protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: 1, Bits: 16},
		Frames: 2,
	}
	msg, err := sealer.Seal("rec-1", 7, h, []byte{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}

	opened, err := chunkcrypt.Open(k.HybridDecrypt(), nil, "box-1", "rec-1", 7, msg)
	if err != nil {
		t.Fatalf("chunkcrypt.Open = %v", err)
	}
	if !bytes.Equal(opened.Audio, []byte{1, 2, 3, 4}) {
		t.Errorf("opened audio = %v, want [1 2 3 4]", opened.Audio)
	}

	other := mustOpen(t, t.TempDir())
	if _, err := chunkcrypt.Open(other.HybridDecrypt(), nil, "box-1", "rec-1", 7, msg); !errors.Is(err, chunkcrypt.ErrDecrypt) {
		t.Errorf("chunkcrypt.Open with another service's key = %v, want ErrDecrypt", err)
	}
}

func TestPeriodOf(t *testing.T) {
	tests := []struct {
		at   string
		want string
	}{
		{"2026-12-04T19:00:00Z", "2026-12-11T17:00:00Z"}, // Friday after the run: waits a week
		{"2026-12-02T17:00:00Z", "2026-12-04T17:00:00Z"}, // exactly 48 hours old at the run
		{"2026-12-02T17:00:01Z", "2026-12-11T17:00:00Z"}, // one second too young for the run
		{"2026-06-24T16:00:00Z", "2026-06-26T16:00:00Z"}, // summer time: 18:00 CEST
		{"2027-03-25T12:00:00Z", "2027-04-02T16:00:00Z"}, // across the spring change of 28 March 2027
		{"2026-10-22T12:00:00Z", "2026-10-30T17:00:00Z"}, // across the autumn change of 25 October 2026
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if got := PeriodOf(at); got != tt.want {
				t.Errorf("PeriodOf(%s) = %s, want %s", tt.at, got, tt.want)
			}
		})
	}
}

func TestWrappedKeysAreBound(t *testing.T) {
	k := mustOpen(t, t.TempDir())
	p49, wrapped49, err := k.NewPeriodKey("2026-W49")
	if err != nil {
		t.Fatal(err)
	}
	p50, _, err := k.NewPeriodKey("2026-W50")
	if err != nil {
		t.Fatal(err)
	}
	a, wrappedRec, err := p49.NewRecordingKey("rec-1")
	if err != nil {
		t.Fatal(err)
	}
	ct, err := a.Encrypt([]byte("utskrift"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}

	reopened, err := p49.OpenRecordingKey("rec-1", wrappedRec)
	if err != nil {
		t.Fatalf("OpenRecordingKey = %v", err)
	}
	if got, err := reopened.Decrypt(ct, []byte("ad")); err != nil || string(got) != "utskrift" {
		t.Errorf("Decrypt with reopened key = %q, %v, want %q", got, err, "utskrift")
	}

	if _, err := p49.OpenRecordingKey("rec-2", wrappedRec); err == nil {
		t.Error("OpenRecordingKey under another recording id = nil error, want an error")
	}
	if _, err := p50.OpenRecordingKey("rec-1", wrappedRec); err == nil {
		t.Error("OpenRecordingKey with another period's key = nil error, want an error")
	}
	if _, err := k.OpenPeriodKey("2026-W50", wrapped49); err == nil {
		t.Error("OpenPeriodKey under another period id = nil error, want an error")
	}
	other := mustOpen(t, t.TempDir())
	if _, err := other.OpenPeriodKey("2026-W49", wrapped49); err == nil {
		t.Error("OpenPeriodKey with another master key = nil error, want an error")
	}
}
