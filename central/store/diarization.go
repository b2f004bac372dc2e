package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Diarization is a recording's stored speaker diarization. Result and
// Provisional are opaque to the store (central/diarize encodes them).
type Diarization struct {
	Final bool
	// Result is the latest result: provisional while audio arrives, final after the end.
	Result []byte
	// Provisional is the last provisional result before the final one, so
	// the web view can show what the final pass relabelled. Nil until then.
	Provisional []byte
	UpdatedAt   time.Time
}

// PutDiarization stores a diarization result of rec. A provisional result
// never replaces a final one. Writing the final result keeps the
// provisional one it replaces.
func (s *Store) PutDiarization(ctx context.Context, rec string, final bool, result []byte) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := loadRecording(ctx, tx, rec)
		if err != nil {
			return err
		}
		if r.deletedAt != 0 {
			return fmt.Errorf("storing diarization of recording %s: %w", rec, ErrDeleted)
		}

		var storedFinal bool
		var stored []byte
		err = tx.QueryRowContext(ctx, `SELECT final, result FROM diarization WHERE recording_id = ?`, rec).Scan(&storedFinal, &stored)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO diarization (recording_id, final, result, updated_at) VALUES (?, ?, ?, ?)`,
				rec, final, result, nanos(s.now()))
		case err != nil:
		case storedFinal && !final:
			return nil
		case final && !storedFinal:
			_, err = tx.ExecContext(ctx, `UPDATE diarization SET final = 1, result = ?, provisional = ?, updated_at = ? WHERE recording_id = ?`,
				result, stored, nanos(s.now()), rec)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE diarization SET result = ?, updated_at = ? WHERE recording_id = ?`, result, nanos(s.now()), rec)
		}
		if err != nil {
			return fmt.Errorf("storing diarization of recording %s: %w", rec, err)
		}
		return nil
	})
}

// Diarization returns rec's stored diarization, or ErrNotFound when there is none yet.
func (s *Store) Diarization(ctx context.Context, rec string) (Diarization, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return Diarization{}, err
	}
	var d Diarization
	var updated int64
	err := s.read.QueryRowContext(ctx, `SELECT final, result, provisional, updated_at FROM diarization WHERE recording_id = ?`, rec).
		Scan(&d.Final, &d.Result, &d.Provisional, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Diarization{}, fmt.Errorf("diarization of recording %s: %w", rec, ErrNotFound)
	}
	if err != nil {
		return Diarization{}, fmt.Errorf("reading diarization of recording %s: %w", rec, err)
	}
	d.UpdatedAt = fromNanos(updated)
	return d, nil
}
