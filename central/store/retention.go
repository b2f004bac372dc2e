package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// HeldRecording is the wipe's view of a stored recording: when it started,
// which period key protects it and how much of it is stored. It holds no
// content.
type HeldRecording struct {
	ID, BoxID string
	// Period is the id of the wipe period whose key wraps the recording's key.
	Period string
	State  State
	// FirstSeen and ConsentAt are as in Recording.
	FirstSeen, ConsentAt time.Time
	// Chunks, Events and Segments count the stored rows, and SealedBytes
	// sums the sealed audio and transcript bytes.
	Chunks, Events, Segments int64
	SealedBytes              int64
}

// Start returns the moment the recording's age counts from; see Recording.Start.
func (h HeldRecording) Start() time.Time { return ageStart(h.FirstSeen, h.ConsentAt) }

// Start returns the moment the recording's age counts from: the earlier of
// its consent time, as the box reported it, and when the central service
// first received it. Taking the earlier one means that a box clock running
// ahead never extends how long a recording lives.
func (r Recording) Start() time.Time { return ageStart(r.FirstSeen, r.ConsentAt) }

func ageStart(firstSeen, consentAt time.Time) time.Time {
	if !consentAt.IsZero() && consentAt.Before(firstSeen) {
		return consentAt
	}
	return firstSeen
}

// HeldRecordings returns every recording that is not deleted, oldest first.
func (s *Store) HeldRecordings(ctx context.Context) ([]HeldRecording, error) {
	rows, err := s.read.QueryContext(ctx, `
		SELECT r.id, r.box_id, r.period, r.state, r.first_seen, r.consent_at,
			(SELECT count(*) FROM chunks WHERE recording_id = r.id),
			(SELECT count(*) FROM events WHERE recording_id = r.id),
			(SELECT count(*) FROM segments WHERE recording_id = r.id),
			(SELECT coalesce(sum(length(sealed)), 0) FROM chunks WHERE recording_id = r.id) +
			(SELECT coalesce(sum(length(sealed)), 0) FROM segments WHERE recording_id = r.id)
		FROM recordings r WHERE r.deleted_at = 0 ORDER BY r.first_seen, r.id`)
	if err != nil {
		return nil, fmt.Errorf("listing held recordings: %w", err)
	}
	defer rows.Close()

	var out []HeldRecording
	for rows.Next() {
		var h HeldRecording
		var firstSeen, consentAt int64
		if err := rows.Scan(&h.ID, &h.BoxID, &h.Period, &h.State, &firstSeen, &consentAt,
			&h.Chunks, &h.Events, &h.Segments, &h.SealedBytes); err != nil {
			return nil, fmt.Errorf("listing held recordings: %w", err)
		}
		h.FirstSeen, h.ConsentAt = fromNanos(firstSeen), fromNanos(consentAt)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing held recordings: %w", err)
	}
	return out, nil
}

// PeriodKeys returns the ids of the wipe periods whose keys exist.
func (s *Store) PeriodKeys(ctx context.Context) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT period FROM period_keys ORDER BY period`)
	if err != nil {
		return nil, fmt.Errorf("listing period keys: %w", err)
	}
	defer rows.Close()

	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("listing period keys: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing period keys: %w", err)
	}
	return out, nil
}

// DeleteRecordings deletes the recordings recs as DeleteRecording does, in
// one transaction for the keys and one for the rows, and returns the ids it
// deleted. Ids that are unknown or already deleted are skipped.
func (s *Store) DeleteRecordings(ctx context.Context, recs []string, reason string) ([]string, error) {
	if reason == "" {
		return nil, errors.New("deleting recordings: missing reason")
	}

	var deleted []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		deleted = deleted[:0]
		for _, rec := range recs {
			r, err := loadRecording(ctx, tx, rec)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if r.deletedAt != 0 {
				continue
			}
			if err := s.tombstone(ctx, tx, rec, reason); err != nil {
				return fmt.Errorf("recording %s: %w", rec, err)
			}
			deleted = append(deleted, rec)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("deleting %d recordings: %w", len(recs), err)
	}
	s.forgetKeys(deleted, nil)

	if err := s.purge(ctx, deleted); err != nil {
		return nil, fmt.Errorf("deleting %d recordings: %w", len(deleted), err)
	}
	s.log.Info("deleted recordings", "recordings", len(deleted), "reason", reason)
	s.checkpoint(ctx)
	return deleted, nil
}

// Names of rows in the settings table.
const settingLastWipe = "last_wipe_run"

// LastWipeRun returns when the last wipe run finished, as SetLastWipeRun
// stored it, or the zero time when none has run.
func (s *Store) LastWipeRun(ctx context.Context) (time.Time, error) {
	var v string
	err := s.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, settingLastWipe).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("reading last wipe run: %w", err)
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading last wipe run: invalid stored time %q: %w", v, err)
	}
	return t, nil
}

// SetLastWipeRun stores the time of the wipe run that just finished and commits.
func (s *Store) SetLastWipeRun(ctx context.Context, t time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, settingLastWipe, t.UTC().Format(time.RFC3339Nano))
		if err != nil {
			return fmt.Errorf("storing last wipe run: %w", err)
		}
		return nil
	})
}
