package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

func init() {
	// The count is not personal data, so it is stored in plain text.
	addNamedMigration("speaker_count", `
CREATE TABLE speaker_count (
	recording_id TEXT PRIMARY KEY REFERENCES recordings (id),
	speakers     INTEGER NOT NULL,
	version      INTEGER NOT NULL,
	pending      INTEGER NOT NULL,
	set_at       INTEGER NOT NULL
);`)
	addRecordingTable("speaker_count")
}

// MaxSpeakerCount is the largest number of speakers a caseworker can fix.
const MaxSpeakerCount = 6

// maxSpeakerIndex is the largest speaker index SetSpeakerName accepts.
const maxSpeakerIndex = 63

// SpeakerCount is the number of speakers a caseworker fixed for a
// recording's diarization.
type SpeakerCount struct {
	// Speakers is the fixed count, or 0 when the diarization estimates it.
	Speakers int
	// Version grows by one with every change, so a diarization run can
	// tell whether the count changed while it ran. It is 0 while the
	// count was never set.
	Version int64
	// Pending is set from a change until a diarization with the new
	// count is stored.
	Pending bool
	SetAt   time.Time
}

// SetSpeakerCount fixes the number of speakers of rec's diarization, 1 to
// MaxSpeakerCount, or 0 to let the diarization estimate it. The count
// stays pending until PutRediarization stores a result made with it.
func (s *Store) SetSpeakerCount(ctx context.Context, rec string, speakers int) error {
	if speakers < 0 || speakers > MaxSpeakerCount {
		return fmt.Errorf("%w: speaker count %d: use 0 to estimate, or 1 to %d", ErrInvalid, speakers, MaxSpeakerCount)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := liveRecording(ctx, tx, rec); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
INSERT INTO speaker_count (recording_id, speakers, version, pending, set_at) VALUES (?, ?, 1, 1, ?)
ON CONFLICT (recording_id) DO UPDATE SET speakers = excluded.speakers, version = version + 1, pending = 1, set_at = excluded.set_at`,
			rec, speakers, nanos(s.now()))
		if err != nil {
			return fmt.Errorf("storing speaker count of recording %s: %w", rec, err)
		}
		return nil
	})
}

// SpeakerCount returns the speaker count fixed for rec, or the zero
// SpeakerCount (estimate the count) when none was set.
func (s *Store) SpeakerCount(ctx context.Context, rec string) (SpeakerCount, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return SpeakerCount{}, err
	}
	return speakerCount(ctx, s.read, rec)
}

func speakerCount(ctx context.Context, q querier, rec string) (SpeakerCount, error) {
	var c SpeakerCount
	var setAt int64
	err := q.QueryRowContext(ctx, `SELECT speakers, version, pending, set_at FROM speaker_count WHERE recording_id = ?`, rec).
		Scan(&c.Speakers, &c.Version, &c.Pending, &setAt)
	if errors.Is(err, sql.ErrNoRows) {
		return SpeakerCount{}, nil
	}
	if err != nil {
		return SpeakerCount{}, fmt.Errorf("reading speaker count of recording %s: %w", rec, err)
	}
	c.SetAt = fromNanos(setAt)
	return c, nil
}

// PendingSpeakerCounts returns the ids of live recordings whose speaker
// count changed after their last stored diarization.
func (s *Store) PendingSpeakerCounts(ctx context.Context) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `
SELECT c.recording_id FROM speaker_count c JOIN recordings r ON r.id = c.recording_id
WHERE c.pending = 1 AND r.deleted_at = 0 ORDER BY c.set_at`)
	if err != nil {
		return nil, fmt.Errorf("listing pending speaker counts: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("listing pending speaker counts: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// PutRediarization replaces rec's diarization with one made after its
// speaker count changed, in one transaction:
//
//   - The result replaces the stored one. A final result keeps the result
//     it replaces as the one before, so the web view marks the rows whose
//     speaker changed. A provisional result never replaces a final one.
//   - Speaker names move with names, a map from old to new speaker index.
//     A name whose old index is not in names is removed, so it is never
//     shown for a different voice.
//   - The speaker count stops being pending if version is still its
//     version. A count changed while the diarization ran stays pending.
func (s *Store) PutRediarization(ctx context.Context, rec string, final bool, result []byte, names map[int]int, version int64) error {
	targets := map[int]bool{}
	for from, to := range names {
		if from < 0 || from > maxSpeakerIndex || to < 0 || to > maxSpeakerIndex {
			return fmt.Errorf("%w: speaker name moved from index %d to %d", ErrInvalid, from, to)
		}
		if targets[to] {
			return fmt.Errorf("%w: two speaker names moved to index %d", ErrInvalid, to)
		}
		targets[to] = true
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := liveRecording(ctx, tx, rec); err != nil {
			return fmt.Errorf("storing diarization of recording %s: %w", rec, err)
		}
		if err := replaceDiarization(ctx, tx, rec, final, result, nanos(s.now())); err != nil {
			return err
		}
		if err := s.moveSpeakerNames(ctx, tx, rec, names); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE speaker_count SET pending = 0 WHERE recording_id = ? AND version = ?`, rec, version); err != nil {
			return fmt.Errorf("storing speaker count of recording %s: %w", rec, err)
		}
		return nil
	})
}

func replaceDiarization(ctx context.Context, tx *sql.Tx, rec string, final bool, result []byte, now int64) error {
	var storedFinal bool
	var stored []byte
	err := tx.QueryRowContext(ctx, `SELECT final, result FROM diarization WHERE recording_id = ?`, rec).Scan(&storedFinal, &stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.ExecContext(ctx, `INSERT INTO diarization (recording_id, final, result, updated_at) VALUES (?, ?, ?, ?)`,
			rec, final, result, now)
	case err != nil:
	case storedFinal && !final:
		return fmt.Errorf("%w: a provisional diarization cannot replace the final one of recording %s", ErrInvalid, rec)
	case final:
		_, err = tx.ExecContext(ctx, `UPDATE diarization SET final = 1, result = ?, provisional = ?, updated_at = ? WHERE recording_id = ?`,
			result, stored, now, rec)
	default:
		_, err = tx.ExecContext(ctx, `UPDATE diarization SET result = ?, updated_at = ? WHERE recording_id = ?`, result, now, rec)
	}
	if err != nil {
		return fmt.Errorf("storing diarization of recording %s: %w", rec, err)
	}
	return nil
}

// moveSpeakerNames re-keys rec's speaker names by names. Each name is
// opened and sealed again, because its seal binds the speaker index.
func (s *Store) moveSpeakerNames(ctx context.Context, tx *sql.Tx, rec string, names map[int]int) error {
	rows, err := tx.QueryContext(ctx, `SELECT speaker, sealed FROM speaker_names WHERE recording_id = ?`, rec)
	if err != nil {
		return fmt.Errorf("reading speaker names of recording %s: %w", rec, err)
	}
	old := map[int][]byte{}
	for rows.Next() {
		var speaker int
		var sealed []byte
		if err := rows.Scan(&speaker, &sealed); err != nil {
			rows.Close()
			return fmt.Errorf("reading speaker names of recording %s: %w", rec, err)
		}
		old[speaker] = sealed
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading speaker names of recording %s: %w", rec, err)
	}
	if len(old) == 0 {
		return nil
	}

	key, err := s.recordingKey(ctx, tx, rec)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM speaker_names WHERE recording_id = ?`, rec); err != nil {
		return fmt.Errorf("moving speaker names of recording %s: %w", rec, err)
	}
	for from, sealed := range old {
		to, ok := names[from]
		if !ok {
			continue
		}
		plain, err := open(key, sealed, rec, "speaker_names", int64(from))
		if err != nil {
			return err
		}
		resealed, err := seal(key, plain, rec, "speaker_names", int64(to))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO speaker_names (recording_id, speaker, sealed) VALUES (?, ?, ?)`, rec, to, resealed); err != nil {
			return fmt.Errorf("moving speaker names of recording %s: %w", rec, err)
		}
	}
	return nil
}
