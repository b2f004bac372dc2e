// Package store is the central service's SQLite store: recordings, their
// events and audio chunks, the durable transcription queue and transcript
// segments.
//
// Everything readable about a recording (audio, transcript text, word lists)
// is sealed with the recording's own AEAD key from central/keys, with
// associated data that binds the recording id, table and row id. Metadata
// (ids, times, frame counts, states) is stored in the clear. Every write
// commits with synchronous=FULL before it returns, so a caller may
// acknowledge what a call accepted.
//
// Only the central service (ingest, pipeline, web UI) imports it.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/ordagrann/ordagrann/central/keys"
)

// Errors returned by Store methods, wrapped with detail.
var (
	// ErrNotFound is returned when a recording, job or the requested audio does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDeleted is returned by every recording method when the recording was
	// withdrawn or deleted. Its tombstone keeps the id, the box and the reason.
	ErrDeleted = errors.New("recording deleted")
	// ErrWrongBox is returned by PutChunk and PutEvent when the recording id
	// belongs to another box.
	ErrWrongBox = errors.New("recording belongs to another box")
	// ErrConflict is returned when a write contradicts what is stored: another
	// payload under a stored chunk or event seq, a second consent or end, an
	// end that excludes stored chunks, or a finish of a job that is done.
	ErrConflict = errors.New("conflicts with stored data")
	// ErrInvalid is returned by PutChunk and PutEvent for a message that no
	// retry makes acceptable: invalid ids or header, audio that does not
	// decode to the declared frames, or a format or frame range that does not
	// fit the recording. The error's text names the check that failed.
	ErrInvalid = errors.New("invalid message")
)

// invalidError marks a validation error as ErrInvalid without adding to its text.
type invalidError struct{ err error }

func (e invalidError) Error() string        { return e.err.Error() }
func (e invalidError) Unwrap() error        { return e.err }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(err error) error { return invalidError{err} }

// Options configures Open. Nil or zero fields mean the documented defaults.
type Options struct {
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
	// Logger receives store events with ids and sizes, never content. Default: slog.Default().
	Logger *slog.Logger
	// PeriodOf returns the wipe period of a recording created at the given
	// time. The period's key wraps the recording's key, and the wipe that
	// deletes the recording destroys it. Pass the configured schedule's
	// PeriodOf. Default: keys.PeriodOf, the default Friday 18:00 rule.
	PeriodOf func(time.Time) string
}

// Store is the sealed SQLite store. It is safe for concurrent use: writes go
// through one connection, one transaction at a time, and reads use a pool of
// read-only connections that see the last committed state.
type Store struct {
	write    *sql.DB
	read     *sql.DB
	keys     *keys.Keys
	now      func() time.Time
	log      *slog.Logger
	periodOf func(time.Time) string

	mu         sync.Mutex
	periodKeys map[string]*keys.PeriodKey // by period id
	recKeys    map[string]tink.AEAD       // by recording id
}

// The pragmas every connection gets. WAL with synchronous=FULL makes a
// commit durable before it returns; secure_delete overwrites deleted content
// in the database file.
const (
	writeParams = "_journal_mode=WAL&_synchronous=FULL&_foreign_keys=1&_secure_delete=1&_busy_timeout=10000&_txlock=immediate"
	readParams  = "_foreign_keys=1&_busy_timeout=10000&_query_only=1"
)

// Open opens or creates the store at path. k supplies the period and
// recording keys; it must be the same master key that created the database.
// Open finishes any deletion that a crash interrupted.
func Open(path string, k *keys.Keys, opts *Options) (*Store, error) {
	if k == nil {
		return nil, errors.New("opening store: nil keys")
	}
	if path == "" || strings.ContainsAny(path, "?#") || path == ":memory:" {
		return nil, fmt.Errorf("opening store: invalid database path %q: give a file path without '?' or '#'", path)
	}
	if opts == nil {
		opts = &Options{}
	}
	s := &Store{
		keys:       k,
		now:        opts.Now,
		log:        opts.Logger,
		periodOf:   opts.PeriodOf,
		periodKeys: make(map[string]*keys.PeriodKey),
		recKeys:    make(map[string]tink.AEAD),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.periodOf == nil {
		s.periodOf = keys.PeriodOf
	}

	// SQLite gives the -wal and -shm files the mode of the database file.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	f.Close()

	if s.write, err = sql.Open("sqlite3", path+"?"+writeParams); err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	s.write.SetMaxOpenConns(1)
	if err := migrate(s.write); err != nil {
		s.write.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}

	if s.read, err = sql.Open("sqlite3", path+"?"+readParams); err != nil {
		s.write.Close()
		return nil, fmt.Errorf("opening store %s for reading: %w", path, err)
	}
	s.read.SetMaxOpenConns(4)

	if err := s.checkPeriodKeys(context.Background()); err != nil {
		s.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	if err := s.finishDeletions(context.Background()); err != nil {
		s.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	return errors.Join(s.read.Close(), s.write.Close())
}

const schema = `
CREATE TABLE period_keys (
	period     TEXT PRIMARY KEY,
	wrapped    BLOB NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE recordings (
	id               TEXT PRIMARY KEY,
	box_id           TEXT NOT NULL,
	period           TEXT NOT NULL,
	badge_id         TEXT NOT NULL DEFAULT '',
	board            TEXT NOT NULL DEFAULT '',
	state            TEXT NOT NULL,
	codec            TEXT NOT NULL DEFAULT '',
	sample_rate      INTEGER NOT NULL DEFAULT 0,
	channels         INTEGER NOT NULL DEFAULT 0,
	bits             INTEGER NOT NULL DEFAULT 0,
	first_seen       INTEGER NOT NULL,
	consent_at       INTEGER NOT NULL DEFAULT 0,
	ended_at         INTEGER NOT NULL DEFAULT 0,
	chunks_expected  INTEGER NOT NULL DEFAULT -1,
	frames_expected  INTEGER NOT NULL DEFAULT -1,
	segmenter_cursor INTEGER NOT NULL DEFAULT 0,
	deleted_at       INTEGER NOT NULL DEFAULT 0,
	delete_reason    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX recordings_first_seen ON recordings (first_seen);
CREATE INDEX recordings_period ON recordings (period);

CREATE TABLE recording_keys (
	recording_id TEXT PRIMARY KEY REFERENCES recordings (id),
	wrapped      BLOB NOT NULL
);

CREATE TABLE events (
	recording_id TEXT NOT NULL REFERENCES recordings (id),
	seq          INTEGER NOT NULL,
	type         TEXT NOT NULL,
	body         TEXT NOT NULL,
	PRIMARY KEY (recording_id, seq)
);

CREATE TABLE chunks (
	recording_id TEXT NOT NULL REFERENCES recordings (id),
	seq          INTEGER NOT NULL,
	first_frame  INTEGER NOT NULL,
	frames       INTEGER NOT NULL,
	captured_at  INTEGER NOT NULL,
	sealed       BLOB NOT NULL,
	PRIMARY KEY (recording_id, seq)
);
CREATE INDEX chunks_first_frame ON chunks (recording_id, first_frame);

CREATE TABLE jobs (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	recording_id TEXT NOT NULL REFERENCES recordings (id),
	start_frame  INTEGER NOT NULL,
	end_frame    INTEGER NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL,
	last_error   TEXT NOT NULL DEFAULT '',
	done         INTEGER NOT NULL DEFAULT 0,
	UNIQUE (recording_id, start_frame)
);
CREATE INDEX jobs_due ON jobs (done, next_attempt);

CREATE TABLE segments (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	recording_id   TEXT NOT NULL REFERENCES recordings (id),
	job_id         INTEGER NOT NULL REFERENCES jobs (id),
	start_ns       INTEGER NOT NULL,
	end_ns         INTEGER NOT NULL,
	avg_logprob    REAL NOT NULL,
	no_speech_prob REAL NOT NULL,
	engine         TEXT NOT NULL,
	sealed         BLOB NOT NULL
);
CREATE INDEX segments_recording ON segments (recording_id, start_ns);
`

// schemaV2 adds settings that the service keeps across restarts, such as the
// time of the last wipe run.
const schemaV2 = `
CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
`

// schemaV3 records chunks and events that ingest rejected, so the web view
// can say why a recording's audio is missing instead of waiting for ever.
const schemaV3 = `
CREATE TABLE rejections (
	recording_id TEXT NOT NULL REFERENCES recordings (id),
	kind         TEXT NOT NULL,
	seq          INTEGER NOT NULL,
	reason       TEXT NOT NULL,
	at           INTEGER NOT NULL,
	PRIMARY KEY (recording_id, kind, seq)
);
`

// schemaV4 keeps each recording's speaker diarization: the latest
// provisional result while audio arrives, and the final one after the end.
// Results are JSON of turn times and speaker indices, no content.
const schemaV4 = `
CREATE TABLE diarization (
	recording_id TEXT PRIMARY KEY REFERENCES recordings (id),
	final        INTEGER NOT NULL,
	result       BLOB NOT NULL,
	provisional  BLOB,
	updated_at   INTEGER NOT NULL
);
`

// migrate creates the schema in a new database, upgrades one of an earlier
// schema version and rejects one written by a later version.
func migrate(db *sql.DB) error {
	var version int
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	latest := latestVersion()
	if version > latest {
		return fmt.Errorf("database has schema version %d, this program knows %d: use the program version that wrote it", version, latest)
	}
	if version == latest {
		return applyNamedMigrations(db)
	}

	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("creating schema: %w", err)
	}
	defer tx.Rollback()
	if version == 0 {
		if _, err := tx.Exec(schema); err != nil {
			return fmt.Errorf("creating schema version 1: %w", err)
		}
		version = 1
	}
	for v := version; v < latest; v++ {
		if _, err := tx.Exec(migrations[v]); err != nil {
			return fmt.Errorf("upgrading schema version %d to %d: %w", v, v+1, err)
		}
	}
	if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", latest)); err != nil {
		return fmt.Errorf("setting schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("creating schema: %w", err)
	}
	return applyNamedMigrations(db)
}

// namedMigrations add tables that do not depend on each other, keyed by
// name rather than by version, so that work on separate features cannot
// claim the same version number. Each runs once; the names applied are
// kept in the table applied_migrations.
var namedMigrations = map[string]string{}

func addNamedMigration(name, ddl string) {
	if _, dup := namedMigrations[name]; dup {
		panic("store: two named migrations " + name)
	}
	namedMigrations[name] = ddl
}

func applyNamedMigrations(db *sql.DB) error {
	if len(namedMigrations) == 0 {
		return nil
	}
	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("applying migrations: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS applied_migrations (name TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("applying migrations: %w", err)
	}
	names := make([]string, 0, len(namedMigrations))
	for name := range namedMigrations {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var done int
		if err := tx.QueryRow(`SELECT count(*) FROM applied_migrations WHERE name = ?`, name).Scan(&done); err != nil {
			return fmt.Errorf("applying migration %s: %w", name, err)
		}
		if done > 0 {
			continue
		}
		if _, err := tx.Exec(namedMigrations[name]); err != nil {
			return fmt.Errorf("applying migration %s: %w", name, err)
		}
		if _, err := tx.Exec(`INSERT INTO applied_migrations (name) VALUES (?)`, name); err != nil {
			return fmt.Errorf("applying migration %s: %w", name, err)
		}
	}
	return tx.Commit()
}

// migrations[v] upgrades a database of schema version v to v+1. Each file
// that adds tables registers its step with addMigration in an init
// function, and each new table that belongs to a recording with
// addRecordingTable, so that deletion removes its rows.
var migrations = map[int]string{}

func addMigration(from int, ddl string) {
	if _, dup := migrations[from]; dup {
		panic(fmt.Sprintf("store: two migrations from schema version %d", from))
	}
	migrations[from] = ddl
}

// latestVersion returns the version after the last contiguous migration.
func latestVersion() int {
	v := 1
	for migrations[v] != "" {
		v++
	}
	return v
}

// recordingTables lists the tables whose rows belong to one recording
// (column recording_id) and go when it is deleted, in deletion order.
var recordingTables = []string{"segments", "jobs", "chunks", "events"}

func addRecordingTable(name string) { recordingTables = append(recordingTables, name) }

func init() {
	addMigration(1, schemaV2)
	addMigration(2, schemaV3)
	addMigration(3, schemaV4)
	addRecordingTable("rejections")
	addRecordingTable("diarization")
}

// checkPeriodKeys unwraps every stored period key, so a store opened with
// another master key fails at start and not at the first read.
func (s *Store) checkPeriodKeys(ctx context.Context) error {
	rows, err := s.write.QueryContext(ctx, `SELECT period FROM period_keys`)
	if err != nil {
		return fmt.Errorf("reading period keys: %w", err)
	}
	var periods []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return fmt.Errorf("reading period keys: %w", err)
		}
		periods = append(periods, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading period keys: %w", err)
	}

	for _, p := range periods {
		if _, err := s.periodKey(ctx, s.write, p, false); err != nil {
			return fmt.Errorf("%w: check that the key directory is the one this database was created with", err)
		}
	}
	return nil
}

// querier is the query interface that *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs f in a write transaction and commits it when f returns nil.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	defer tx.Rollback()

	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

// nanos converts a time to Unix nanoseconds, with 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos converts Unix nanoseconds to a UTC time, with the zero time for 0.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// checkUint rejects frame and sequence numbers that do not fit SQLite's signed integers.
func checkUint(what string, v uint64) error {
	if v > math.MaxInt64 {
		return fmt.Errorf("invalid %s %d: larger than %d", what, v, int64(math.MaxInt64))
	}
	return nil
}
