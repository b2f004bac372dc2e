package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPairingCodeFormat(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	for range 50 {
		code, _, err := e.s.CreatePairingCode(context.Background(), "box-1", "Surfplatta rum 1", "acc-admin")
		if err != nil {
			t.Fatalf("CreatePairingCode = %v", err)
		}
		if got, ok := NormalizePairingCode(code); !ok || got != code {
			t.Fatalf("NormalizePairingCode(%q) = %q, %v, want the code unchanged and valid", code, got, ok)
		}
		if seen[code] {
			t.Fatalf("code %q created twice", code)
		}
		seen[code] = true
	}
	if got, ok := NormalizePairingCode(" abcd-efgh "); !ok || got != "ABCDEFGH" {
		t.Errorf("NormalizePairingCode(lower case with hyphen) = %q, %v, want ABCDEFGH, true", got, ok)
	}
	for _, bad := range []string{"", "ABCDEFG", "ABCDEFGHJ", "ABCDEFG0", "ABCDEFGI", "ÅBCDEFGH"} {
		if _, ok := NormalizePairingCode(bad); ok {
			t.Errorf("NormalizePairingCode(%q) = valid, want invalid", bad)
		}
	}
}

func TestCreatePairingCodeRejectsInvalid(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		name, box, tablet, by string
	}{
		{"bad_box", "Box 1", "Surfplatta", "acc-1"},
		{"empty_name", "box-1", "  ", "acc-1"},
		{"long_name", "box-1", strings.Repeat("å", MaxTabletNameLen+1), "acc-1"},
		{"control_character", "box-1", "rum\n1", "acc-1"},
		{"no_account", "box-1", "Surfplatta", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := e.s.CreatePairingCode(context.Background(), tt.box, tt.tablet, tt.by); !errors.Is(err, ErrInvalid) {
				t.Errorf("CreatePairingCode = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestPairTabletLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	start := e.clock.Now()
	code, pc, err := e.s.CreatePairingCode(ctx, "box-1", "Surfplatta rum 1", "acc-admin")
	if err != nil {
		t.Fatalf("CreatePairingCode = %v", err)
	}
	if !pc.ExpiresAt.Equal(start.Add(PairingCodeTTL)) {
		t.Errorf("ExpiresAt = %v, want %v", pc.ExpiresAt, start.Add(PairingCodeTTL))
	}

	e.clock.Set(start.Add(time.Minute))
	token, tab, err := e.s.PairTablet(ctx, strings.ToLower(code[:4])+" "+code[4:])
	if err != nil {
		t.Fatalf("PairTablet = %v", err)
	}
	want := Tablet{ID: tab.ID, BoxID: "box-1", Name: "Surfplatta rum 1", CodeID: pc.ID, PairedBy: "acc-admin",
		PairedAt: start.Add(time.Minute), LastSeen: start.Add(time.Minute)}
	if diff := cmp.Diff(want, tab); diff != "" {
		t.Errorf("paired tablet (-want +got):\n%s", diff)
	}

	e.reopen(t)
	e.clock.Set(start.Add(time.Hour))
	got, err := e.s.TabletByToken(ctx, token)
	if err != nil {
		t.Fatalf("TabletByToken = %v", err)
	}
	if !got.LastSeen.Equal(start.Add(time.Hour)) {
		t.Errorf("LastSeen = %v, want %v", got.LastSeen, start.Add(time.Hour))
	}
	list, err := e.s.Tablets(ctx)
	if err != nil {
		t.Fatalf("Tablets = %v", err)
	}
	if len(list) != 1 || list[0].ID != tab.ID || !list[0].LastSeen.Equal(start.Add(time.Hour)) {
		t.Errorf("Tablets = %+v, want the one tablet seen at %v", list, start.Add(time.Hour))
	}

	if _, _, err := e.s.PairTablet(ctx, code); !errors.Is(err, ErrPairingCodeUsed) {
		t.Errorf("PairTablet(used code) = %v, want ErrPairingCodeUsed", err)
	}
	var perr *PairingError
	if _, _, err := e.s.PairTablet(ctx, code); !errors.As(err, &perr) || perr.CodeID != pc.ID {
		t.Errorf("PairTablet(used code) = %v, want a *PairingError naming code %s", err, pc.ID)
	}

	revoked, err := e.s.RevokeTablet(ctx, tab.ID, "acc-admin-2")
	if err != nil {
		t.Fatalf("RevokeTablet = %v", err)
	}
	if revoked.RevokedBy != "acc-admin-2" || !revoked.RevokedAt.Equal(start.Add(time.Hour)) {
		t.Errorf("revoked tablet = %+v, want revoked by acc-admin-2 at %v", revoked, start.Add(time.Hour))
	}
	if _, err := e.s.TabletByToken(ctx, token); !errors.Is(err, ErrTabletRevoked) {
		t.Errorf("TabletByToken(revoked) = %v, want ErrTabletRevoked", err)
	}
	if _, err := e.s.RevokeTablet(ctx, tab.ID, "acc-admin"); !errors.Is(err, ErrTabletRevoked) {
		t.Errorf("RevokeTablet(again) = %v, want ErrTabletRevoked", err)
	}
	if _, err := e.s.RevokeTablet(ctx, "no-such-tablet", "acc-admin"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RevokeTablet(unknown) = %v, want ErrNotFound", err)
	}
	if list, err := e.s.Tablets(ctx); err != nil || len(list) != 0 {
		t.Errorf("Tablets after unpairing = %+v, %v, want none", list, err)
	}
}

func TestPairTabletRejectsBadCodes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	start := e.clock.Now()
	expired, _, err := e.s.CreatePairingCode(ctx, "box-1", "Gammal", "acc-admin")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(start.Add(PairingCodeTTL))
	if _, _, err := e.s.PairTablet(ctx, expired); !errors.Is(err, ErrPairingCodeExpired) {
		t.Errorf("PairTablet(at expiry) = %v, want ErrPairingCodeExpired", err)
	}

	for _, tt := range []struct {
		name, code string
		want       error
	}{
		{"malformed", "ABC", ErrInvalid},
		{"ambiguous_letter", "ABCDEFGO", ErrInvalid},
		{"unknown", "ZZZZZZZZ", ErrPairingCodeWrong},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := e.s.PairTablet(ctx, tt.code); !errors.Is(err, tt.want) {
				t.Errorf("PairTablet(%q) = %v, want %v", tt.code, err, tt.want)
			}
		})
	}
	if _, err := e.s.TabletByToken(ctx, "not a token"); !errors.Is(err, ErrNotFound) {
		t.Errorf("TabletByToken(malformed) = %v, want ErrNotFound", err)
	}
	if _, err := e.s.TabletByToken(ctx, strings.Repeat("A", 43)); !errors.Is(err, ErrNotFound) {
		t.Errorf("TabletByToken(unknown) = %v, want ErrNotFound", err)
	}
}

// TestPairingWrongCodesLockNoCode checks that guesses by one client do
// not stop another client from pairing with its valid code.
func TestPairingWrongCodesLockNoCode(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	code, _, err := e.s.CreatePairingCode(ctx, "box-1", "Surfplatta", "acc-admin")
	if err != nil {
		t.Fatal(err)
	}
	wrong := "ZZZZZZZZ"
	if wrong == code {
		wrong = "YYYYYYYY"
	}
	for i := range 50 {
		if _, _, err := e.s.PairTablet(ctx, wrong); !errors.Is(err, ErrPairingCodeWrong) {
			t.Fatalf("PairTablet(wrong) attempt %d = %v, want ErrPairingCodeWrong", i+1, err)
		}
	}
	if _, _, err := e.s.PairTablet(ctx, code); err != nil {
		t.Errorf("PairTablet(right code after 50 wrong codes) = %v, want success", err)
	}
}

func TestTabletSecretsHashedAtRest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	code, _, err := e.s.CreatePairingCode(ctx, "box-1", "Surfplatta", "acc-admin")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := e.s.CreatePairingCode(ctx, "box-2", "Surfplatta", "acc-admin")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := e.s.PairTablet(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	e.s = nil

	// The WAL and shared-memory files are read too, in case a checkpoint
	// has not moved the rows into the main file.
	var stored []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(e.path + suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		stored = append(stored, b...)
	}
	if len(stored) == 0 {
		t.Fatalf("no database bytes read from %s", filepath.Dir(e.path))
	}
	for name, secret := range map[string]string{"used code": code, "unused code": other, "device token": token} {
		if bytes.Contains(stored, []byte(secret)) {
			t.Errorf("the database files contain the %s %q in clear text", name, secret)
		}
	}
	if !bytes.Contains(stored, []byte("Surfplatta")) {
		t.Errorf("the database files do not contain the tablet name, so the check above reads the wrong files")
	}
}
