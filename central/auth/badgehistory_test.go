package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestBadgeOwnerAtAfterMove: moving a badge leaves the recordings started
// before the move with the old account and gives later ones to the new.
func TestBadgeOwnerAtAfterMove(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	anna := e.create(t, "anna", RoleCaseworker)
	bo := e.create(t, "bo", RoleCaseworker)

	assigned := e.clock.Now()
	if err := e.store.SetBadges(ctx, anna.ID, []string{"handlaggare-demo", "anna-2"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	// Setting the same badges again changes no interval.
	if err := e.store.SetBadges(ctx, anna.ID, []string{"anna-2", "handlaggare-demo"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	moved := e.clock.Now()
	if err := e.store.SetBadges(ctx, anna.ID, []string{"anna-2"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetBadges(ctx, bo.ID, []string{"handlaggare-demo"}); err != nil {
		t.Fatal(err)
	}

	history, err := e.store.BadgeHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		badge  string
		at     time.Time
		want   string
		wantOK bool
	}{
		{"before_first_assignment", "handlaggare-demo", assigned.Add(-time.Hour), anna.ID, true},
		{"at_assignment", "handlaggare-demo", assigned, anna.ID, true},
		{"before_move", "handlaggare-demo", moved.Add(-time.Nanosecond), anna.ID, true},
		{"at_move", "handlaggare-demo", moved, bo.ID, true},
		{"after_move", "handlaggare-demo", moved.Add(24 * time.Hour), bo.ID, true},
		{"kept_badge", "anna-2", moved.Add(time.Hour), anna.ID, true},
		{"never_assigned", "okand-1", moved, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := e.store.BadgeOwnerAt(ctx, tt.badge, tt.at)
			if err != nil || got != tt.want || ok != tt.wantOK {
				t.Errorf("BadgeOwnerAt(%q, %v) = %q, %v, %v, want %q, %v", tt.badge, tt.at, got, ok, err, tt.want, tt.wantOK)
			}
			got, ok = history.OwnerAt(tt.badge, tt.at)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("BadgeHistory().OwnerAt(%q, %v) = %q, %v, want %q, %v", tt.badge, tt.at, got, ok, tt.want, tt.wantOK)
			}
		})
	}

	var rows int
	if err := e.store.db.QueryRow("SELECT COUNT(*) FROM badge_history").Scan(&rows); err != nil || rows != 3 {
		t.Errorf("badge_history rows = %d, %v, want 3 (anna-2, and handlaggare-demo for anna and bo)", rows, err)
	}
}

// TestBadgeOwnerAtGap: a recording started while the badge belonged to
// nobody, after it was taken from an account, has no owner.
func TestBadgeOwnerAtGap(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	anna := e.create(t, "anna", RoleCaseworker)
	bo := e.create(t, "bo", RoleCaseworker)

	if err := e.store.SetBadges(ctx, anna.ID, []string{"handlaggare-demo"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	removed := e.clock.Now()
	if err := e.store.SetBadges(ctx, anna.ID, nil); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	reassigned := e.clock.Now()
	if err := e.store.SetBadges(ctx, bo.ID, []string{"handlaggare-demo"}); err != nil {
		t.Fatal(err)
	}

	if got, ok, err := e.store.BadgeOwnerAt(ctx, "handlaggare-demo", removed.Add(time.Minute)); err != nil || ok {
		t.Errorf("BadgeOwnerAt(in the gap) = %q, %v, %v, want no owner", got, ok, err)
	}
	if got, ok, err := e.store.BadgeOwnerAt(ctx, "handlaggare-demo", reassigned); err != nil || !ok || got != bo.ID {
		t.Errorf("BadgeOwnerAt(after reassignment) = %q, %v, %v, want %q", got, ok, err, bo.ID)
	}
}

// TestBadgeOwnerAtSameInstant: a badge moved twice within one clock tick
// belongs to the account that got it last.
func TestBadgeOwnerAtSameInstant(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	anna := e.create(t, "anna", RoleCaseworker)
	bo := e.create(t, "bo", RoleCaseworker)

	for _, step := range []struct {
		account string
		badges  []string
	}{
		{anna.ID, []string{"b-1"}},
		{anna.ID, nil},
		{bo.ID, []string{"b-1"}},
	} {
		if err := e.store.SetBadges(ctx, step.account, step.badges); err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []time.Time{e.clock.Now().Add(-time.Hour), e.clock.Now(), e.clock.Now().Add(time.Hour)} {
		if got, ok, err := e.store.BadgeOwnerAt(ctx, "b-1", at); err != nil || !ok || got != bo.ID {
			t.Errorf("BadgeOwnerAt(b-1, %v) = %q, %v, %v, want %q", at, got, ok, err, bo.ID)
		}
	}
}

// TestMigrateBadgeHistory: the badges of a version 2 database get history
// intervals from the zero time, so every earlier recording stays with the
// account that had the badge at the migration.
func TestMigrateBadgeHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts.db")
	db, err := sql.Open("sqlite3", path+"?"+dbParams)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(schemaV1 + schemaV2 + "PRAGMA user_version = 2;"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO accounts (id, user_name, display_name, role, password_hash, created_at) VALUES ('a1', 'anna', 'Anna', 'caseworker', 'x', 1)",
		"INSERT INTO accounts (id, user_name, display_name, role, password_hash, created_at) VALUES ('b1', 'bo', 'Bo', 'caseworker', 'x', 1)",
		"INSERT INTO badges (badge_id, account_id) VALUES ('handlaggare-demo', 'a1')",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	c := &clock{now: time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)}
	s, err := Open(path, newSealer(t), &Options{Argon2: testArgon2, Now: c.Now})
	if err != nil {
		t.Fatalf("Open(version 2 database): %v", err)
	}
	defer s.Close()
	ctx := context.Background()

	history, err := s.BadgeHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := BadgeHistory{byBadge: map[string][]BadgeAssignment{
		"handlaggare-demo": {{BadgeID: "handlaggare-demo", AccountID: "a1"}},
	}}
	if diff := cmp.Diff(want, history, cmp.AllowUnexported(BadgeHistory{})); diff != "" {
		t.Errorf("BadgeHistory() after migration mismatch (-want +got):\n%s", diff)
	}

	moved := c.Now()
	if err := s.SetBadges(ctx, "a1", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBadges(ctx, "b1", []string{"handlaggare-demo"}); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if got, ok, err := s.BadgeOwnerAt(ctx, "handlaggare-demo", old); err != nil || !ok || got != "a1" {
		t.Errorf("BadgeOwnerAt(recording from before the migration) = %q, %v, %v, want a1", got, ok, err)
	}
	if got, ok, err := s.BadgeOwnerAt(ctx, "handlaggare-demo", moved); err != nil || !ok || got != "b1" {
		t.Errorf("BadgeOwnerAt(after the move) = %q, %v, %v, want b1", got, ok, err)
	}
}

// TestPeekDoesNotExtendSession: a session that only Peek checks expires at
// the idle timeout, while Session keeps it alive.
func TestPeekDoesNotExtendSession(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "anna", RoleCaseworker)
	token, _, _ := e.enrol(t, "anna")

	for range 14 {
		e.clock.Advance(time.Minute)
		sess, err := e.store.Peek(ctx, token)
		if err != nil {
			t.Fatalf("Peek within the idle timeout: %v", err)
		}
		if sess.Stage != StageSignedIn || sess.CSRFToken == "" {
			t.Fatalf("Peek() = stage %v, csrf %q, want a signed-in session with a CSRF token", sess.Stage, sess.CSRFToken)
		}
	}
	e.clock.Advance(time.Minute)
	if _, err := e.store.Peek(ctx, token); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("Peek after 15 minutes of peeks only error = %v, want ErrSessionExpired", err)
	}

	token2, _ := signInWithCode(t, e, mustSignIn(t, e))
	e.clock.Advance(10 * time.Minute)
	if _, err := e.store.Session(ctx, token2); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	if _, err := e.store.Peek(ctx, token2); err != nil {
		t.Errorf("Peek 10 minutes after a request: %v, want the session", err)
	}
}

func mustSignIn(t *testing.T, e *env) string {
	t.Helper()
	e.clock.Advance(time.Minute) // a new TOTP step for the next code
	pending, _, err := e.store.SignIn(context.Background(), "anna", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	return pending
}

// BenchmarkBadgeHistory reads a history of 1,000 badges that each had
// three accounts in turn, and looks up the owner of 1,000 recordings, as
// the recording list does once per request.
func BenchmarkBadgeHistory(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	accounts := []Account{e.create(b, "anna", RoleCaseworker), e.create(b, "bo", RoleCaseworker), e.create(b, "cilla", RoleCaseworker)}
	start := e.clock.Now()
	for i := range 1000 {
		for step := range 3 {
			from := start.Add(time.Duration(step) * time.Hour).UnixNano()
			to := int64(0)
			if step < 2 {
				to = start.Add(time.Duration(step+1) * time.Hour).UnixNano()
			}
			_, err := e.store.db.Exec("INSERT INTO badge_history (badge_id, account_id, from_at, to_at) VALUES (?, ?, ?, ?)",
				fmt.Sprintf("b-%d", i), accounts[(i+step)%len(accounts)].ID, from, to)
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	at := start.Add(90 * time.Minute)

	b.ResetTimer()
	for b.Loop() {
		history, err := e.store.BadgeHistory(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for i := range 1000 {
			if _, ok := history.OwnerAt(fmt.Sprintf("b-%d", i), at); !ok {
				b.Fatalf("OwnerAt(b-%d) found no owner", i)
			}
		}
	}
}
