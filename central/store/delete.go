package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// DeleteRecording deletes recording rec with all that belongs to it and
// keeps a tombstone with box, reason and time, so later messages of it
// return ErrDeleted. It deletes the recording's key and commits first, so
// content left behind by a crash between the steps is already unreadable.
// Then it deletes the rows and truncates the WAL. Deleting a deleted
// recording returns nil, and an unknown one returns ErrNotFound.
func (s *Store) DeleteRecording(ctx context.Context, rec string, reason string) error {
	if reason == "" {
		return fmt.Errorf("deleting recording %s: missing reason", rec)
	}

	alreadyDeleted := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := loadRecording(ctx, tx, rec)
		if err != nil {
			return err
		}
		if r.deletedAt != 0 {
			alreadyDeleted = true
			return nil
		}
		return s.tombstone(ctx, tx, rec, reason)
	})
	if err != nil {
		return fmt.Errorf("deleting recording %s: %w", rec, err)
	}
	s.forgetKeys([]string{rec}, nil)
	if alreadyDeleted {
		return nil
	}

	if err := s.purge(ctx, []string{rec}); err != nil {
		return fmt.Errorf("deleting recording %s: %w", rec, err)
	}
	s.log.Info("deleted recording", "recording_id", rec, "reason", reason)
	s.checkpoint(ctx)
	return nil
}

// tombstone deletes a recording's key and marks its row deleted.
func (s *Store) tombstone(ctx context.Context, tx *sql.Tx, rec, reason string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM recording_keys WHERE recording_id = ?`, rec); err != nil {
		return fmt.Errorf("deleting key: %w", err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE recordings SET deleted_at = ?, delete_reason = ?, badge_id = '', board = ''
		WHERE id = ?`, nanos(s.now()), reason, rec)
	if err != nil {
		return fmt.Errorf("marking deleted: %w", err)
	}
	return nil
}

// purge deletes the rows of recordings whose keys are already deleted.
func (s *Store) purge(ctx context.Context, recs []string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, rec := range recs {
			for _, table := range recordingTables {
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE recording_id = ?`, rec); err != nil {
					return fmt.Errorf("deleting %s of recording %s: %w", table, rec, err)
				}
			}
		}
		return nil
	})
}

// checkpoint copies the WAL into the database and truncates it, so deleted
// content does not linger in the WAL file. A reader that holds an old
// snapshot makes it fail; the next checkpoint then catches up.
func (s *Store) checkpoint(ctx context.Context) {
	var busy, logFrames, checkpointed int
	err := s.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &checkpointed)
	if err == nil && busy != 0 {
		err = errors.New("readers still use the WAL")
	}
	if err != nil {
		s.log.Warn("wal checkpoint failed", "error", err)
	}
}

// finishDeletions completes deletions that a crash interrupted after the
// key was deleted and before the rows were.
func (s *Store) finishDeletions(ctx context.Context) error {
	var exists []string
	for _, table := range recordingTables {
		exists = append(exists, "EXISTS (SELECT 1 FROM "+table+" WHERE recording_id = r.id)")
	}
	rows, err := s.write.QueryContext(ctx, `SELECT id FROM recordings r WHERE deleted_at != 0 AND (`+strings.Join(exists, " OR ")+`)`)
	if err != nil {
		return fmt.Errorf("finding unfinished deletions: %w", err)
	}
	var recs []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("finding unfinished deletions: %w", err)
		}
		recs = append(recs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("finding unfinished deletions: %w", err)
	}
	if len(recs) == 0 {
		return nil
	}

	if err := s.purge(ctx, recs); err != nil {
		return fmt.Errorf("finishing deletions: %w", err)
	}
	for _, rec := range recs {
		s.log.Info("finished interrupted deletion", "recording_id", rec)
	}
	s.checkpoint(ctx)
	return nil
}

// DestroyPeriodKey destroys the key of a wipe period and deletes every
// recording of that period with reason. It deletes the period key and the
// recording keys and commits first, so every copy of their content is
// unreadable from then on, and then deletes the rows. It returns the ids of
// the deleted recordings. A period without a key returns no ids and no error.
// A recording created in the period afterwards gets a new period key.
func (s *Store) DestroyPeriodKey(ctx context.Context, period, reason string) ([]string, error) {
	if period == "" || reason == "" {
		return nil, fmt.Errorf("destroying key of period %q: missing period or reason", period)
	}

	var recs []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM period_keys WHERE period = ?`, period); err != nil {
			return fmt.Errorf("deleting key: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM recordings WHERE period = ? AND deleted_at = 0`, period)
		if err != nil {
			return fmt.Errorf("listing recordings: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("listing recordings: %w", err)
			}
			recs = append(recs, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("listing recordings: %w", err)
		}

		for _, rec := range recs {
			if err := s.tombstone(ctx, tx, rec, reason); err != nil {
				return fmt.Errorf("recording %s: %w", rec, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("destroying key of period %s: %w", period, err)
	}
	s.forgetKeys(recs, []string{period})

	if err := s.purge(ctx, recs); err != nil {
		return nil, fmt.Errorf("destroying key of period %s: %w", period, err)
	}
	s.log.Info("destroyed period key", "period", period, "recordings", len(recs), "reason", reason)
	s.checkpoint(ctx)
	return recs, nil
}
