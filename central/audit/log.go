// Package audit is the central service's access log: an append-only,
// hash-chained list of who read, changed, copied, exported, searched or
// deleted which recording, every sign-in and failed sign-in, every admin
// action and box command, and the receipts of wipes. It lives in its own
// SQLite file because it outlives the content it describes.
//
// Each entry's hash covers the previous entry's hash and the entry's
// canonical encoding, and the chain head is signed with a Tink Ed25519 key
// kept next to the master key: periodically while entries are appended and
// at Close. Verify walks the chain and reports where it breaks. Entries
// older than the retention period are pruned behind a signed checkpoint, so
// pruning never breaks verification.
//
// Entries hold ids, times, counts and reasons, never content; Entry.Validate
// rejects detail values that could carry sentences. Only the central service
// imports this package.
package audit

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Defaults of Options.
const (
	// DefaultRetention is how long entries are kept: two years, so that a
	// complaint or a question from the supervisory authority about any
	// recording can be checked against the log for the whole time it was held.
	DefaultRetention = 2 * 365 * 24 * time.Hour
	// DefaultSignEvery is the longest time an appended entry waits for a signed head.
	DefaultSignEvery = time.Minute
	// DefaultSignAfter is the number of entries after which a head is signed at once.
	DefaultSignAfter = 1000
)

// Options configures Open. Nil or zero fields mean the documented defaults.
type Options struct {
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
	// Logger receives ids, counts and signed head hashes, never entry
	// content. Logging every signed head leaves a copy of it outside the
	// database. Default: slog.Default().
	Logger *slog.Logger
	// Retention is how long PruneExpired keeps entries. Default: DefaultRetention.
	Retention time.Duration
	// SignEvery and SignAfter set when Append signs the chain head: when
	// the last signed head is SignEvery old or SignAfter entries behind.
	// Defaults: DefaultSignEvery and DefaultSignAfter.
	SignEvery time.Duration
	SignAfter int
	// After waits like time.After, for RunSigner. Default: time.After.
	After func(time.Duration) <-chan time.Time
}

// Log is an open access log. It is safe for concurrent use.
type Log struct {
	path     string
	write    *sql.DB
	read     *sql.DB
	signer   tink.Signer
	verifier tink.Verifier
	now      func() time.Time
	log      *slog.Logger

	retention time.Duration
	signEvery time.Duration
	signAfter int
	after     func(time.Duration) <-chan time.Time

	mu         sync.Mutex // serializes appends, signing and pruning
	lastSeq    uint64
	lastHash   []byte
	headSeq    uint64
	headSigned time.Time
}

const (
	writeParams = "_journal_mode=WAL&_synchronous=FULL&_foreign_keys=1&_secure_delete=1&_busy_timeout=10000&_txlock=immediate"
	readParams  = "_foreign_keys=1&_busy_timeout=10000&_query_only=1"
)

const schema = `
CREATE TABLE entries (
	seq          INTEGER PRIMARY KEY,
	at           INTEGER NOT NULL,
	actor        TEXT NOT NULL,
	role         TEXT NOT NULL,
	action       TEXT NOT NULL,
	recording_id TEXT NOT NULL DEFAULT '',
	box_id       TEXT NOT NULL DEFAULT '',
	device       TEXT NOT NULL DEFAULT '',
	reason       TEXT NOT NULL DEFAULT '',
	detail       TEXT NOT NULL DEFAULT '',
	prev_hash    BLOB NOT NULL,
	hash         BLOB NOT NULL
);
CREATE INDEX entries_at ON entries (at);
CREATE INDEX entries_actor ON entries (actor, at);
CREATE INDEX entries_recording ON entries (recording_id, at);
CREATE INDEX entries_box ON entries (box_id, at);
CREATE INDEX entries_action ON entries (action, at);

CREATE TABLE heads (
	seq       INTEGER PRIMARY KEY,
	hash      BLOB NOT NULL,
	signed_at INTEGER NOT NULL,
	signature BLOB NOT NULL
);

CREATE TABLE checkpoint (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	seq       INTEGER NOT NULL,
	hash      BLOB NOT NULL,
	signed_at INTEGER NOT NULL,
	signature BLOB NOT NULL
);

-- Guards against bugs, not against someone who can edit the file: Verify catches those.
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
WHEN OLD.seq > coalesce((SELECT seq FROM checkpoint WHERE id = 1), 0)
BEGIN SELECT RAISE(ABORT, 'audit entries are deleted only behind a checkpoint'); END;
`

const schemaVersion = 1

// Open opens or creates the access log at path. keyDir holds the signing
// key (created on first start) and should be the master key's directory.
func Open(path, keyDir string, opts *Options) (*Log, error) {
	if path == "" || strings.ContainsAny(path, "?#") || path == ":memory:" {
		return nil, fmt.Errorf("opening audit log: invalid database path %q: give a file path without '?' or '#'", path)
	}
	if opts == nil {
		opts = &Options{}
	}
	l := &Log{
		path: path, now: opts.Now, log: opts.Logger,
		retention: opts.Retention, signEvery: opts.SignEvery, signAfter: opts.SignAfter, after: opts.After,
	}
	if l.after == nil {
		l.after = time.After
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	if l.retention <= 0 {
		l.retention = DefaultRetention
	}
	if l.signEvery <= 0 {
		l.signEvery = DefaultSignEvery
	}
	if l.signAfter <= 0 {
		l.signAfter = DefaultSignAfter
	}

	var err error
	if l.signer, l.verifier, err = openSigner(keyDir, l.log); err != nil {
		return nil, err
	}

	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening audit log %s: %w", path, err)
	}
	f.Close()
	if l.write, err = sql.Open("sqlite3", path+"?"+writeParams); err != nil {
		return nil, fmt.Errorf("opening audit log %s: %w", path, err)
	}
	l.write.SetMaxOpenConns(1)
	if err := migrate(l.write); err != nil {
		l.write.Close()
		return nil, fmt.Errorf("opening audit log %s: %w", path, err)
	}
	if l.read, err = sql.Open("sqlite3", path+"?"+readParams); err != nil {
		l.write.Close()
		return nil, fmt.Errorf("opening audit log %s for reading: %w", path, err)
	}
	l.read.SetMaxOpenConns(4)

	if err := l.loadTail(context.Background()); err != nil {
		l.write.Close()
		l.read.Close()
		return nil, fmt.Errorf("opening audit log %s: %w", path, err)
	}
	return l, nil
}

func migrate(db *sql.DB) error {
	var version int
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	switch version {
	case schemaVersion:
		return nil
	case 0:
	default:
		return fmt.Errorf("audit log has schema version %d, this program knows %d: use the program version that wrote it", version, schemaVersion)
	}
	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("creating schema: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(schema); err != nil {
		return fmt.Errorf("creating schema: %w", err)
	}
	if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("setting schema version: %w", err)
	}
	return tx.Commit()
}

// loadTail reads the last entry and the last signed head, which appends continue from.
func (l *Log) loadTail(ctx context.Context) error {
	l.lastHash = genesis[:]
	var cpSeq int64
	var cpHash []byte
	err := l.write.QueryRowContext(ctx, `SELECT seq, hash FROM checkpoint WHERE id = 1`).Scan(&cpSeq, &cpHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("reading checkpoint: %w", err)
	default:
		l.lastSeq, l.lastHash = uint64(cpSeq), cpHash
	}

	var seq int64
	var hash []byte
	err = l.write.QueryRowContext(ctx, `SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("reading last entry: %w", err)
	default:
		l.lastSeq, l.lastHash = uint64(seq), hash
	}

	var signedAt int64
	err = l.write.QueryRowContext(ctx, `SELECT seq, signed_at FROM heads ORDER BY seq DESC LIMIT 1`).Scan(&seq, &signedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		l.headSeq, l.headSigned = 0, time.Time{}
	case err != nil:
		return fmt.Errorf("reading last signed head: %w", err)
	default:
		l.headSeq, l.headSigned = uint64(seq), time.Unix(0, signedAt)
	}
	if l.headSeq < uint64(cpSeq) {
		l.headSeq = uint64(cpSeq)
	}
	return nil
}

// Close signs the chain head when entries were appended since the last
// signature, and closes the database.
func (l *Log) Close() error {
	err := l.SignHead(context.Background())
	return errors.Join(err, l.read.Close(), l.write.Close())
}

// Path returns the database file's path.
func (l *Log) Path() string { return l.path }

// Verifier returns the public key that checks this log's signatures.
func (l *Log) Verifier() tink.Verifier { return l.verifier }

// Append validates e, assigns its Seq (and its Time when zero), links it to
// the chain and commits it. It returns the stored entry.
func (l *Log) Append(ctx context.Context, e Entry) (Entry, error) {
	out, err := l.AppendBatch(ctx, []Entry{e})
	if err != nil {
		return Entry{}, err
	}
	return out[0], nil
}

// AppendBatch appends entries in order in one transaction: all of them or,
// on error, none.
func (l *Log) AppendBatch(ctx context.Context, entries []Entry) ([]Entry, error) {
	for i := range entries {
		if err := entries[i].Validate(); err != nil {
			return nil, fmt.Errorf("appending %s entry: %w", entries[i].Action, err)
		}
	}

	l.mu.Lock()
	defer l.mu.Unlock()

	tx, err := l.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("appending audit entries: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO entries (seq, at, actor, role, action, recording_id, box_id,
		device, reason, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("appending audit entries: %w", err)
	}
	defer stmt.Close()

	now := l.now()
	seq, prev := l.lastSeq, l.lastHash
	out := make([]Entry, len(entries))
	for i, e := range entries {
		seq++
		e.Seq = seq
		if e.Time.IsZero() {
			e.Time = now
		}
		e.Time = e.Time.Round(0).UTC()
		hash := entryHash(prev, &e)
		if _, err := stmt.ExecContext(ctx, int64(e.Seq), e.Time.UnixNano(), e.Actor, string(e.Role), string(e.Action),
			e.RecordingID, e.BoxID, e.Device, e.Reason, encodeDetail(e.Detail), prev, hash[:]); err != nil {
			return nil, fmt.Errorf("appending audit entry %d: %w", e.Seq, err)
		}
		out[i], prev = e, hash[:]
	}

	signed := false
	if seq-l.headSeq >= uint64(l.signAfter) || now.Sub(l.headSigned) >= l.signEvery {
		if err := l.insertHead(ctx, tx, seq, prev, now); err != nil {
			return nil, err
		}
		signed = true
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("committing audit entries: %w", err)
	}

	l.lastSeq, l.lastHash = seq, prev
	if signed {
		l.signedHead(seq, prev, now)
	}
	return out, nil
}

// RunSigner signs the chain head every SignEvery while entries arrive, so
// the last entries of a burst do not wait for the next append or Close to
// be covered. It returns ctx's error when ctx is done.
func (l *Log) RunSigner(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.after(l.signEvery):
		}
		if err := l.SignHead(ctx); err != nil && ctx.Err() == nil {
			l.log.Error("audit head signing failed", "error", err)
		}
	}
}

// SignHead signs the current chain head now, unless it is signed already.
func (l *Log) SignHead(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lastSeq == l.headSeq {
		return nil
	}

	now := l.now()
	tx, err := l.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("signing audit head: %w", err)
	}
	defer tx.Rollback()
	if err := l.insertHead(ctx, tx, l.lastSeq, l.lastHash, now); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing signed audit head: %w", err)
	}
	l.signedHead(l.lastSeq, l.lastHash, now)
	return nil
}

func (l *Log) insertHead(ctx context.Context, tx *sql.Tx, seq uint64, hash []byte, at time.Time) error {
	sig, err := l.signer.Sign(headMessage(seq, hash, at.UnixNano()))
	if err != nil {
		return fmt.Errorf("signing audit head %d: %w", seq, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO heads (seq, hash, signed_at, signature) VALUES (?, ?, ?, ?)`,
		int64(seq), hash, at.UnixNano(), sig); err != nil {
		return fmt.Errorf("storing signed audit head %d: %w", seq, err)
	}
	return nil
}

func (l *Log) signedHead(seq uint64, hash []byte, at time.Time) {
	l.headSeq, l.headSigned = seq, at
	l.log.Info("signed audit head", "seq", seq, "hash", hex.EncodeToString(hash))
}

// headMessage and checkpointMessage are the bytes that a head's and the
// checkpoint's signatures cover.
func headMessage(seq uint64, hash []byte, signedAt int64) []byte {
	return signedMessage("ordagrann/v1/audit-head\x00", seq, hash, signedAt)
}

func checkpointMessage(seq uint64, hash []byte, signedAt int64) []byte {
	return signedMessage("ordagrann/v1/audit-checkpoint\x00", seq, hash, signedAt)
}

func signedMessage(tag string, seq uint64, hash []byte, signedAt int64) []byte {
	b := make([]byte, 0, len(tag)+16+len(hash))
	b = append(b, tag...)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = append(b, hash...)
	return binary.BigEndian.AppendUint64(b, uint64(signedAt))
}

// encodeDetail stores detail as a JSON object with sorted keys, or ” when empty.
func encodeDetail(d map[string]string) string {
	if len(d) == 0 {
		return ""
	}
	b, err := json.Marshal(d)
	if err != nil {
		// json.Marshal of a map[string]string only fails on invalid UTF-8, which it replaces instead.
		panic(fmt.Sprintf("encoding a map of strings: %v", err))
	}
	return string(b)
}

func decodeDetail(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var d map[string]string
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("decoding detail: %w", err)
	}
	return d, nil
}
