package auth

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSetBadges(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	anna := e.create(t, "anna", RoleCaseworker)
	bo := e.create(t, "bo", RoleCaseworker)

	if err := e.store.SetBadges(ctx, anna.ID, []string{"handlaggare-2", "handlaggare-1", "handlaggare-2"}); err != nil {
		t.Fatalf("SetBadges(anna): %v", err)
	}
	got, err := e.store.Badges(ctx, anna.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"handlaggare-1", "handlaggare-2"}, got); diff != "" {
		t.Errorf("Badges(anna) mismatch (-want +got):\n%s", diff)
	}

	owner, err := e.store.AccountByBadge(ctx, "handlaggare-2")
	if err != nil || owner.ID != anna.ID {
		t.Errorf("AccountByBadge(handlaggare-2) = %q, %v, want %q", owner.ID, err, anna.ID)
	}
	if _, err := e.store.AccountByBadge(ctx, "okand"); !errors.Is(err, ErrNotFound) {
		t.Errorf("AccountByBadge(okand) error = %v, want ErrNotFound", err)
	}

	// A badge of another account is rejected and nothing changes.
	err = e.store.SetBadges(ctx, bo.ID, []string{"bo-1", "handlaggare-1"})
	var taken *BadgeTakenError
	if !errors.Is(err, ErrBadgeTaken) || !errors.As(err, &taken) || taken.BadgeID != "handlaggare-1" || taken.AccountID != anna.ID {
		t.Errorf("SetBadges(bo, taken badge) error = %v, want ErrBadgeTaken naming handlaggare-1 and anna", err)
	}
	if got, _ := e.store.Badges(ctx, bo.ID); len(got) != 0 {
		t.Errorf("Badges(bo) after rejected SetBadges = %v, want none", got)
	}

	// Replacing moves a badge: anna gives up handlaggare-1, then bo may take it.
	if err := e.store.SetBadges(ctx, anna.ID, []string{"handlaggare-2"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetBadges(ctx, bo.ID, []string{"handlaggare-1"}); err != nil {
		t.Errorf("SetBadges(bo) after anna released it: %v", err)
	}
	owners, err := e.store.BadgeOwners(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"handlaggare-1": bo.ID, "handlaggare-2": anna.ID}, owners); diff != "" {
		t.Errorf("BadgeOwners() mismatch (-want +got):\n%s", diff)
	}

	// An empty list removes every badge.
	if err := e.store.SetBadges(ctx, anna.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AccountByBadge(ctx, "handlaggare-2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("AccountByBadge after removal error = %v, want ErrNotFound", err)
	}
}

func TestSetBadgesRejectsInvalid(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	anna := e.create(t, "anna", RoleCaseworker)
	if err := e.store.SetBadges(ctx, anna.ID, []string{"ok-1"}); err != nil {
		t.Fatal(err)
	}

	many := make([]string, MaxBadgesPerAccount+1)
	for i := range many {
		many[i] = "b-" + strings.Repeat("x", i+1)
	}
	tests := []struct {
		name   string
		badges []string
	}{
		{"upper_case", []string{"Handlaggare"}},
		{"space", []string{"anna berg"}},
		{"empty", []string{""}},
		{"leading_dash", []string{"-a"}},
		{"too_long", []string{strings.Repeat("a", 65)}},
		{"too_many", many},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := e.store.SetBadges(ctx, anna.ID, tt.badges); !errors.Is(err, ErrInvalid) {
				t.Errorf("SetBadges(%q) error = %v, want ErrInvalid", tt.badges, err)
			}
			if got, _ := e.store.Badges(ctx, anna.ID); !cmp.Equal(got, []string{"ok-1"}) {
				t.Errorf("Badges after rejected SetBadges = %v, want [ok-1]", got)
			}
		})
	}

	if err := e.store.SetBadges(ctx, "no-such-account", []string{"x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetBadges(unknown account) error = %v, want ErrNotFound", err)
	}
}

func TestMigrateFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts.db")
	db, err := sql.Open("sqlite3", path+"?"+dbParams)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(schemaV1 + "PRAGMA user_version = 1;"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO accounts (id, user_name, display_name, role, password_hash, created_at) VALUES ('a1', 'anna', 'Anna', 'caseworker', 'x', 1)"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(path, newSealer(t), &Options{Argon2: testArgon2})
	if err != nil {
		t.Fatalf("Open(version 1 database): %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.SetBadges(ctx, "a1", []string{"handlaggare-demo"}); err != nil {
		t.Fatalf("SetBadges after migration: %v", err)
	}
	if acc, err := s.AccountByBadge(ctx, "handlaggare-demo"); err != nil || acc.UserName != "anna" {
		t.Errorf("AccountByBadge after migration = %q, %v, want anna", acc.UserName, err)
	}
	var version int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != schemaVersion {
		t.Errorf("user_version after migration = %d, %v, want %d", version, err, schemaVersion)
	}
}
