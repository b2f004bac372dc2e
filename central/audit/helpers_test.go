package audit

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is an access log on a real SQLite file with a real Tink signing key.
type env struct {
	dir, path string
	clock     *clock
	log       *Log
}

func newEnv(t testing.TB, opts *Options) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{dir: dir, path: filepath.Join(dir, "audit.db"), clock: &clock{t: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}}
	e.open(t, opts)
	t.Cleanup(func() {
		if e.log != nil {
			e.log.Close()
		}
	})
	return e
}

func (e *env) open(t testing.TB, opts *Options) {
	t.Helper()
	o := Options{}
	if opts != nil {
		o = *opts
	}
	o.Now = e.clock.Now
	o.Logger = slog.New(slog.DiscardHandler)
	l, err := Open(e.path, filepath.Join(e.dir, "keys"), &o)
	if err != nil {
		t.Fatalf("Open(%s) = %v", e.path, err)
	}
	e.log = l
}

func (e *env) reopen(t testing.TB, opts *Options) {
	t.Helper()
	if err := e.log.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	e.open(t, opts)
}

// appendN appends n read entries one minute apart and fails the test on error.
func (e *env) appendN(t testing.TB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		e.clock.Advance(time.Minute)
		if _, err := e.log.Append(context.Background(), readEntry("anna", "rec-1")); err != nil {
			t.Fatalf("Append = %v", err)
		}
	}
}

func readEntry(actor, rec string) Entry {
	return Entry{Actor: actor, Role: RoleCaseworker, Action: ActionRead, RecordingID: rec, BoxID: "rum-12", Device: "tablet-3"}
}

// tamper opens the log file directly, as someone with write access to the
// file would, drops the append-only triggers and runs stmts.
func tamper(t testing.TB, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts = append([]string{"DROP TRIGGER entries_no_update", "DROP TRIGGER entries_no_delete"}, stmts...)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("tampering with %q: %v", s, err)
		}
	}
}

func verifyFile(t testing.TB, e *env) Result {
	t.Helper()
	v, err := ReadVerifier(filepath.Join(e.dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := VerifyFile(context.Background(), e.path, v)
	if err != nil {
		t.Fatalf("VerifyFile = %v", err)
	}
	return res
}
