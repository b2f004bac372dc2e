// Package spool is the box's durable outbox: a SQLite file that holds every
// recording event and encrypted audio chunk until the central service
// acknowledges it. The box writes here before it publishes anything, so a
// dead broker, a crash or a power cut loses nothing that was added.
//
// Every method that changes the spool commits before it returns, with
// synchronous=FULL in WAL mode,
// and deleted rows are overwritten (secure_delete). Chunks are sealed for
// the central service before they reach the spool, so the box cannot read
// them back. Events are plain JSON and contain no audio.
//
// Only the box firmware imports this package. A Spool is safe for
// concurrent use.
package spool

import (
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// Kind is the type of a spooled item: an event or a chunk.
type Kind int

// Item kinds. The values are stored in the database; do not renumber them.
const (
	KindEvent Kind = 1
	KindChunk Kind = 2
)

func (k Kind) String() string {
	switch k {
	case KindEvent:
		return "event"
	case KindChunk:
		return "chunk"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// ParseKind returns the Kind named by s, as protocol.Rejection.Kind spells
// it: "event" or "chunk".
func ParseKind(s string) (Kind, error) {
	switch s {
	case "event":
		return KindEvent, nil
	case "chunk":
		return KindChunk, nil
	}
	return 0, fmt.Errorf("unknown item kind %q: want \"event\" or \"chunk\"", s)
}

func (k Kind) valid() bool { return k == KindEvent || k == KindChunk }

// Errors returned by the Add methods, wrapped with detail.
var (
	// ErrDuplicate means the (recording, kind, seq) is already spooled with
	// other bytes, or was spooled and has since been acknowledged or dropped.
	// Adding the same bytes again while they are spooled is not an error.
	ErrDuplicate = errors.New("sequence number already used")
	// ErrRecordingClosed means the recording was closed by CloseRecording.
	ErrRecordingClosed = errors.New("recording is closed")
	// ErrWithdrawn means DropChunks removed the recording's audio because
	// the client withdrew consent, so no more audio of it is stored.
	ErrWithdrawn = errors.New("recording is withdrawn")
	// ErrNotFound is returned by CloseRecording and Recording for an unknown recording.
	ErrNotFound = errors.New("recording not found")
)

// Item is one spooled event or chunk.
type Item struct {
	ID          int64 // insertion order, unique for the life of the file
	Kind        Kind
	RecordingID string
	Seq         uint64
	Payload     []byte // the MQTT message: event JSON or sealed chunk envelope
	CreatedAt   time.Time
}

// Recording is the spool's record of one recording's numbering.
type Recording struct {
	ID           string
	CreatedAt    time.Time
	Closed       bool
	NextEventSeq uint64 // one past the highest event seq added
	NextChunkSeq uint64 // one past the highest chunk seq added
	Frames       uint64 // audio frames covered by the chunks added

	// LastAddedAt is when the last event or chunk was added: after a
	// crash, the last moment the recording is known to have run. Spools
	// written before this was kept give the zero time.
	LastAddedAt time.Time
}

// Stats counts what the spool holds.
type Stats struct {
	PendingEvents int   // events waiting for an ack
	PendingChunks int   // chunks waiting for an ack
	PendingBytes  int64 // payload bytes of the pending items
	Rejected      int   // items the central service rejected, kept but never resent
}

// Options configures a Spool. A nil *Options or a zero field means the default.
type Options struct {
	// Now returns the time stored with new items and recordings; the default is time.Now.
	Now func() time.Time
	// Logger receives ids, counts and reasons, never payloads; the default is slog.Default().
	Logger *slog.Logger
}

// Spool is an open spool file.
type Spool struct {
	db     *sql.DB
	now    func() time.Time
	logger *slog.Logger
}

// dsnPragmas are the connection settings every spool connection gets.
const dsnPragmas = "_journal_mode=WAL&_synchronous=FULL&_foreign_keys=1&_secure_delete=1&_busy_timeout=10000&_txlock=immediate"

const schema = `
CREATE TABLE IF NOT EXISTS recordings (
	id             TEXT PRIMARY KEY,
	created_at     INTEGER NOT NULL,
	closed         INTEGER NOT NULL DEFAULT 0,
	withdrawn      INTEGER NOT NULL DEFAULT 0,
	next_event_seq INTEGER NOT NULL DEFAULT 0,
	next_chunk_seq INTEGER NOT NULL DEFAULT 0,
	frames         INTEGER NOT NULL DEFAULT 0,
	last_added_at  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE IF NOT EXISTS items (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	kind       INTEGER NOT NULL,
	rec        TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	payload    BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	rejected   TEXT,
	UNIQUE (rec, kind, seq)
) STRICT;
CREATE INDEX IF NOT EXISTS items_created ON items (created_at);
`

// Open opens or creates the spool file at path. The file is created with
// mode 0600 because events name the caseworker's badge.
func Open(path string, opts *Options) (*Spool, error) {
	if opts == nil {
		opts = &Options{}
	}
	s := &Spool{now: opts.Now, logger: opts.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}

	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening spool %s: %w", path, err)
	}
	f.Close()

	db, err := sql.Open("sqlite3", "file:"+path+"?"+dsnPragmas)
	if err != nil {
		return nil, fmt.Errorf("opening spool %s: %w", path, err)
	}
	// One connection serializes writers and keeps per-connection pragmas
	// in force for every statement.
	db.SetMaxOpenConns(1)
	s.db = db

	if err := s.checkPragmas(); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening spool %s: %w", path, err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening spool %s: creating schema: %w", path, err)
	}
	if err := s.addLastAddedColumn(); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening spool %s: %w", path, err)
	}

	st, err := s.Stats()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("opening spool %s: %w", path, err)
	}
	s.logger.Info("spool opened", "pending_events", st.PendingEvents, "pending_chunks", st.PendingChunks,
		"pending_bytes", st.PendingBytes, "rejected", st.Rejected)
	return s, nil
}

// addLastAddedColumn adds recordings.last_added_at to a spool created
// before the column existed, which the schema's CREATE TABLE IF NOT
// EXISTS leaves as it was.
func (s *Spool) addLastAddedColumn() error {
	var n int
	err := s.db.QueryRow(`SELECT count(*) FROM pragma_table_info('recordings') WHERE name = 'last_added_at'`).Scan(&n)
	if err != nil {
		return fmt.Errorf("reading the recordings table's columns: %w", err)
	}
	if n > 0 {
		return nil
	}
	if _, err := s.db.Exec(`ALTER TABLE recordings ADD COLUMN last_added_at INTEGER NOT NULL DEFAULT 0`); err != nil {
		return fmt.Errorf("adding column last_added_at: %w", err)
	}
	return nil
}

// checkPragmas verifies that the durability settings took effect, because
// the driver ignores DSN parameters it does not know.
func (s *Spool) checkPragmas() error {
	checks := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"secure_delete", "1"},
		{"foreign_keys", "1"},
	}
	for _, c := range checks {
		var got string
		if err := s.db.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil {
			return fmt.Errorf("reading pragma %s: %w", c.pragma, err)
		}
		if got != c.want {
			return fmt.Errorf("pragma %s = %s, want %s", c.pragma, got, c.want)
		}
	}
	return nil
}

// Close closes the database. Everything added is already committed.
func (s *Spool) Close() error {
	return s.db.Close()
}

// AddEvent stores event seq of recording rec. The first event of a
// recording creates its row. Adding an event to a closed recording fails
// with ErrRecordingClosed, so the end or interrupted event must be added
// before CloseRecording.
func (s *Spool) AddEvent(rec string, seq uint64, msg []byte) error {
	if err := s.add(KindEvent, rec, seq, msg, 0, 0); err != nil {
		return fmt.Errorf("spooling event %d of recording %s: %w", seq, rec, err)
	}
	return nil
}

// AddChunk stores sealed chunk seq of recording rec, which covers frames
// audio frames from firstFrame on. It fails with ErrWithdrawn after
// DropChunks and with ErrRecordingClosed after CloseRecording. It satisfies
// the capture package's Sink interface.
func (s *Spool) AddChunk(rec string, seq uint64, firstFrame uint64, frames int, msg []byte) error {
	if frames < 0 {
		return fmt.Errorf("spooling chunk %d of recording %s: negative frame count %d", seq, rec, frames)
	}
	if err := s.add(KindChunk, rec, seq, msg, firstFrame, uint64(frames)); err != nil {
		return fmt.Errorf("spooling chunk %d of recording %s: %w", seq, rec, err)
	}
	return nil
}

func (s *Spool) add(kind Kind, rec string, seq uint64, msg []byte, firstFrame, frames uint64) error {
	if err := protocol.CheckID("recording id", rec); err != nil {
		return err
	}
	if seq > 1<<62 {
		return fmt.Errorf("sequence number %d is out of range", seq)
	}
	if len(msg) == 0 {
		return errors.New("empty message")
	}

	return s.inTx(func(tx *sql.Tx) error {
		now := s.now().UnixNano()
		if _, err := tx.Exec(`INSERT OR IGNORE INTO recordings (id, created_at) VALUES (?, ?)`, rec, now); err != nil {
			return err
		}
		var closed, withdrawn bool
		var nextEvent, nextChunk uint64
		err := tx.QueryRow(`SELECT closed, withdrawn, next_event_seq, next_chunk_seq FROM recordings WHERE id = ?`, rec).
			Scan(&closed, &withdrawn, &nextEvent, &nextChunk)
		if err != nil {
			return err
		}

		var existing []byte
		err = tx.QueryRow(`SELECT payload FROM items WHERE rec = ? AND kind = ? AND seq = ?`, rec, kind, seq).Scan(&existing)
		switch {
		case err == nil && string(existing) == string(msg):
			return nil // the same item again: already durable
		case err == nil:
			return fmt.Errorf("%w: %s %d is spooled with different bytes", ErrDuplicate, kind, seq)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}

		next := nextEvent
		if kind == KindChunk {
			next = nextChunk
		}
		switch {
		case closed:
			return ErrRecordingClosed
		case kind == KindChunk && withdrawn:
			return ErrWithdrawn
		case seq < next:
			return fmt.Errorf("%w: %s %d was spooled before and is already acknowledged or dropped", ErrDuplicate, kind, seq)
		}

		if _, err := tx.Exec(`INSERT INTO items (kind, rec, seq, payload, created_at) VALUES (?, ?, ?, ?, ?)`,
			kind, rec, seq, msg, now); err != nil {
			return err
		}
		if kind == KindEvent {
			_, err = tx.Exec(`UPDATE recordings SET next_event_seq = ?, last_added_at = ? WHERE id = ?`, seq+1, now, rec)
		} else {
			_, err = tx.Exec(`UPDATE recordings SET next_chunk_seq = ?, frames = max(frames, ?), last_added_at = ? WHERE id = ?`,
				seq+1, firstFrame+frames, now, rec)
		}
		return err
	})
}

// CloseRecording marks rec as finished: no more events or chunks are
// accepted for it. A closed recording whose items are all acknowledged is
// removed from the spool.
func (s *Spool) CloseRecording(rec string) error {
	err := s.inTx(func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE recordings SET closed = 1 WHERE id = ?`, rec)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return removeFinished(tx, rec)
	})
	if err != nil {
		return fmt.Errorf("closing recording %s in spool: %w", rec, err)
	}
	return nil
}

// removeFinished deletes the row of rec if it is closed and holds no items.
func removeFinished(tx *sql.Tx, rec string) error {
	_, err := tx.Exec(`DELETE FROM recordings WHERE id = ? AND closed = 1
		AND NOT EXISTS (SELECT 1 FROM items WHERE rec = ?)`, rec, rec)
	return err
}

// Recording returns the spool's row for rec, or ErrNotFound.
func (s *Spool) Recording(rec string) (Recording, error) {
	rows, err := s.db.Query(recordingQuery+` WHERE id = ?`, rec)
	if err != nil {
		return Recording{}, fmt.Errorf("reading recording %s from spool: %w", rec, err)
	}
	recs, err := scanRecordings(rows)
	if err != nil {
		return Recording{}, fmt.Errorf("reading recording %s from spool: %w", rec, err)
	}
	if len(recs) == 0 {
		return Recording{}, fmt.Errorf("reading recording %s from spool: %w", rec, ErrNotFound)
	}
	return recs[0], nil
}

// OpenRecordings returns the recordings not yet closed, oldest first. After
// a crash or power cut the box adds an interrupted event to each, numbered
// NextEventSeq and carrying NextChunkSeq and Frames, and closes it.
func (s *Spool) OpenRecordings() ([]Recording, error) {
	rows, err := s.db.Query(recordingQuery + ` WHERE closed = 0 ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("listing open recordings in spool: %w", err)
	}
	recs, err := scanRecordings(rows)
	if err != nil {
		return nil, fmt.Errorf("listing open recordings in spool: %w", err)
	}
	return recs, nil
}

const recordingQuery = `SELECT id, created_at, closed, next_event_seq, next_chunk_seq, frames, last_added_at FROM recordings`

func scanRecordings(rows *sql.Rows) ([]Recording, error) {
	defer rows.Close()
	var out []Recording
	for rows.Next() {
		var r Recording
		var created, lastAdded int64
		if err := rows.Scan(&r.ID, &created, &r.Closed, &r.NextEventSeq, &r.NextChunkSeq, &r.Frames, &lastAdded); err != nil {
			return nil, err
		}
		r.CreatedAt = time.Unix(0, created)
		if lastAdded > 0 {
			r.LastAddedAt = time.Unix(0, lastAdded)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Pending returns up to limit items with an ID above afterID that are
// neither acknowledged nor rejected, in insertion order. A sender pages
// through the spool by passing the last ID it got.
func (s *Spool) Pending(afterID int64, limit int) ([]Item, error) {
	if limit < 1 {
		return nil, fmt.Errorf("listing pending items: invalid limit %d, want at least 1", limit)
	}
	rows, err := s.db.Query(`SELECT id, kind, rec, seq, payload, created_at FROM items
		WHERE id > ? AND rejected IS NULL ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("listing pending items: %w", err)
	}
	defer rows.Close()

	var out []Item
	for rows.Next() {
		var it Item
		var created int64
		if err := rows.Scan(&it.ID, &it.Kind, &it.RecordingID, &it.Seq, &it.Payload, &created); err != nil {
			return nil, fmt.Errorf("listing pending items: %w", err)
		}
		it.CreatedAt = time.Unix(0, created)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing pending items: %w", err)
	}
	return out, nil
}

// PendingCount returns the number of items of rec that are neither
// acknowledged nor rejected.
func (s *Spool) PendingCount(rec string) (int, error) {
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM items WHERE rec = ? AND rejected IS NULL`, rec).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting pending items of recording %s: %w", rec, err)
	}
	return n, nil
}

// Acknowledge deletes the items of rec and kind whose sequence numbers lie
// in ranges, because the central service has committed them. Ranges that
// match nothing (already acknowledged, never sent) are ignored. When a
// closed recording has no items left, its row is removed too.
func (s *Spool) Acknowledge(rec string, kind Kind, ranges []protocol.Range) (deleted int, err error) {
	if !kind.valid() {
		return 0, fmt.Errorf("acknowledging items of recording %s: invalid kind %d", rec, int(kind))
	}
	err = s.inTx(func(tx *sql.Tx) error {
		for _, r := range ranges {
			if r.First > r.Last || r.Last > 1<<62 {
				return fmt.Errorf("invalid range [%d, %d]", r.First, r.Last)
			}
			res, err := tx.Exec(`DELETE FROM items WHERE rec = ? AND kind = ? AND seq BETWEEN ? AND ?`,
				rec, kind, r.First, r.Last)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			deleted += int(n)
		}
		return removeFinished(tx, rec)
	})
	if err != nil {
		return 0, fmt.Errorf("acknowledging %ss of recording %s: %w", kind, rec, err)
	}
	return deleted, nil
}

// Reject marks an item that the central service will never accept. The
// item stays in the spool, for diagnosis and until the wipe, but Pending no
// longer returns it. Rejecting an unknown item does nothing.
func (s *Spool) Reject(rec string, kind Kind, seq uint64, reason string) error {
	if reason == "" {
		reason = "no reason given"
	}
	res, err := s.db.Exec(`UPDATE items SET rejected = ? WHERE rec = ? AND kind = ? AND seq = ?`, reason, rec, kind, seq)
	if err != nil {
		return fmt.Errorf("rejecting %s %d of recording %s: %w", kind, seq, rec, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		s.logger.Warn("spool item rejected by central service", "recording_id", rec, "kind", kind.String(), "seq", seq, "reason", reason)
	}
	return nil
}

// DropChunks deletes every chunk of rec at once, acknowledged or not, when
// the client withdraws consent. The recording's events stay until they are
// acknowledged, so the central service learns of the withdrawal, and from
// now on AddChunk for rec fails with ErrWithdrawn.
func (s *Spool) DropChunks(rec string) (int, error) {
	var deleted int
	err := s.inTx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT OR IGNORE INTO recordings (id, created_at) VALUES (?, ?)`, rec, s.now().UnixNano()); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE recordings SET withdrawn = 1 WHERE id = ?`, rec); err != nil {
			return err
		}
		res, err := tx.Exec(`DELETE FROM items WHERE rec = ? AND kind = ?`, rec, KindChunk)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		deleted = int(n)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("dropping chunks of recording %s: %w", rec, err)
	}
	s.logger.Info("spool chunks dropped", "recording_id", rec, "chunks", deleted)
	return deleted, nil
}

// DropRecording deletes everything of rec, items and row, when the central
// service reports that the recording no longer exists.
func (s *Spool) DropRecording(rec string) (int, error) {
	var deleted int
	err := s.inTx(func(tx *sql.Tx) error {
		res, err := tx.Exec(`DELETE FROM items WHERE rec = ?`, rec)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		deleted = int(n)
		_, err = tx.Exec(`DELETE FROM recordings WHERE id = ?`, rec)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("dropping recording %s: %w", rec, err)
	}
	s.logger.Info("spool recording dropped", "recording_id", rec, "items", deleted)
	return deleted, nil
}

// WipeOlderThan deletes every item created before t, sent or not, rejected
// or not, and the rows of closed recordings left empty. Open recordings
// keep their rows so that their numbering survives.
func (s *Spool) WipeOlderThan(t time.Time) (int, error) {
	var deleted int
	err := s.inTx(func(tx *sql.Tx) error {
		res, err := tx.Exec(`DELETE FROM items WHERE created_at < ?`, t.UnixNano())
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		deleted = int(n)
		_, err = tx.Exec(`DELETE FROM recordings WHERE closed = 1
			AND NOT EXISTS (SELECT 1 FROM items WHERE items.rec = recordings.id)`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("wiping spool items older than %s: %w", t.Format(time.RFC3339), err)
	}
	if deleted > 0 {
		s.logger.Info("spool wiped old items", "items", deleted, "before", t)
	}
	return deleted, nil
}

// Stats counts the spool's items.
func (s *Spool) Stats() (Stats, error) {
	var st Stats
	err := s.db.QueryRow(`SELECT
		COALESCE(SUM(kind = ? AND rejected IS NULL), 0),
		COALESCE(SUM(kind = ? AND rejected IS NULL), 0),
		COALESCE(SUM(CASE WHEN rejected IS NULL THEN length(payload) ELSE 0 END), 0),
		COALESCE(SUM(rejected IS NOT NULL), 0)
		FROM items`, KindEvent, KindChunk).Scan(&st.PendingEvents, &st.PendingChunks, &st.PendingBytes, &st.Rejected)
	if err != nil {
		return Stats{}, fmt.Errorf("counting spool items: %w", err)
	}
	return st, nil
}

// inTx runs fn in a transaction and commits it, or rolls back on error.
func (s *Spool) inTx(fn func(*sql.Tx) error) error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
