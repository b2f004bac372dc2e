package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Rejection is a chunk or event of a recording that ingest could never
// store, with the reason class it logged (decrypt, signature, invalid, ...).
type Rejection struct {
	Kind   string // "chunk" or "event"
	Seq    uint64
	Reason string
	At     time.Time
}

// NoteRejection records that ingest rejected item seq of rec from box. It
// does nothing when the recording is unknown, deleted or another box's,
// because then no one could be shown the rejection.
func (s *Store) NoteRejection(ctx context.Context, box, rec, kind string, seq uint64, reason string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := loadRecording(ctx, tx, rec)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if r.BoxID != box || r.deletedAt != 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO rejections (recording_id, kind, seq, reason, at) VALUES (?, ?, ?, ?, ?)`,
			rec, kind, int64(seq), reason, nanos(s.now()))
		if err != nil {
			return fmt.Errorf("recording rejection of %s %d of recording %s: %w", kind, seq, rec, err)
		}
		return nil
	})
}

// Rejections returns what ingest rejected of rec, in kind and seq order.
func (s *Store) Rejections(ctx context.Context, rec string) ([]Rejection, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT kind, seq, reason, at FROM rejections WHERE recording_id = ? ORDER BY kind, seq`, rec)
	if err != nil {
		return nil, fmt.Errorf("reading rejections of recording %s: %w", rec, err)
	}
	defer rows.Close()
	var out []Rejection
	for rows.Next() {
		var r Rejection
		var seq, at int64
		if err := rows.Scan(&r.Kind, &seq, &r.Reason, &at); err != nil {
			return nil, fmt.Errorf("reading rejections of recording %s: %w", rec, err)
		}
		r.Seq, r.At = uint64(seq), fromNanos(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
