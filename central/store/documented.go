package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

func init() {
	addNamedMigration("documented", `
CREATE TABLE documented (
	recording_id TEXT PRIMARY KEY REFERENCES recordings (id),
	account_id   TEXT NOT NULL,
	at           INTEGER NOT NULL
);`)
	addRecordingTable("documented")
}

// DocumentedMark records that a caseworker has moved a recording's
// content to the case file, so it needs no more work before the wipe.
type DocumentedMark struct {
	AccountID string
	At        time.Time
}

// SetDocumented marks rec as documented by account, or removes the mark
// when documented is false. Marking a marked recording keeps the first
// mark. It returns an error wrapping ErrNotFound or ErrDeleted for a
// recording that is not stored.
func (s *Store) SetDocumented(ctx context.Context, rec, account string, documented bool) error {
	if documented && account == "" {
		return fmt.Errorf("marking recording %s documented: %w: missing account id", rec, ErrInvalid)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := liveRecording(ctx, tx, rec); err != nil {
			return err
		}
		var err error
		if documented {
			_, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO documented (recording_id, account_id, at) VALUES (?, ?, ?)`,
				rec, account, nanos(s.now()))
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM documented WHERE recording_id = ?`, rec)
		}
		if err != nil {
			return fmt.Errorf("storing documented mark of recording %s: %w", rec, err)
		}
		return nil
	})
}

// Documented returns rec's documented mark and true, or false when rec
// is not marked. It returns an error wrapping ErrNotFound or ErrDeleted
// for a recording that is not stored.
func (s *Store) Documented(ctx context.Context, rec string) (DocumentedMark, bool, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return DocumentedMark{}, false, err
	}
	var m DocumentedMark
	var at int64
	err := s.read.QueryRowContext(ctx, `SELECT account_id, at FROM documented WHERE recording_id = ?`, rec).Scan(&m.AccountID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return DocumentedMark{}, false, nil
	}
	if err != nil {
		return DocumentedMark{}, false, fmt.Errorf("reading documented mark of recording %s: %w", rec, err)
	}
	m.At = fromNanos(at)
	return m, true, nil
}

// DocumentedMarks returns the documented marks of every stored recording,
// keyed by recording id, for the list page.
func (s *Store) DocumentedMarks(ctx context.Context) (map[string]DocumentedMark, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT recording_id, account_id, at FROM documented`)
	if err != nil {
		return nil, fmt.Errorf("listing documented marks: %w", err)
	}
	defer rows.Close()

	out := map[string]DocumentedMark{}
	for rows.Next() {
		var rec string
		var m DocumentedMark
		var at int64
		if err := rows.Scan(&rec, &m.AccountID, &at); err != nil {
			return nil, fmt.Errorf("listing documented marks: %w", err)
		}
		m.At = fromNanos(at)
		out[rec] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing documented marks: %w", err)
	}
	return out, nil
}
