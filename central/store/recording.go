package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// State is a recording's state on the central service.
type State string

// Recording states.
const (
	StateRecording   State = "recording"
	StatePaused      State = "paused"
	StateEnded       State = "ended"
	StateInterrupted State = "interrupted"
)

// Recording is a recording's metadata and what has arrived of it.
type Recording struct {
	ID, BoxID, BadgeID, Board string
	State                     State
	// Format is zero until the consent event or the first chunk sets it.
	Format protocol.AudioFormat
	// FirstSeen is when the central service first received a message of the recording.
	FirstSeen time.Time
	// ConsentAt and EndedAt are zero when unknown or not ended.
	ConsentAt, EndedAt time.Time
	// ChunksExpected is -1 until the end or interrupted event sets it.
	ChunksExpected int64
	ChunksReceived int64
	// FramesReceived is the sum of the frames of the stored chunks.
	FramesReceived uint64
	// ContiguousFrames counts the frames from frame 0 up to the first missing
	// chunk seq: the audio that may be transcribed.
	ContiguousFrames uint64
	// Complete is set when the recording ended or was interrupted and every
	// chunk 0..ChunksExpected-1 is stored.
	Complete bool
}

// recordingRow is a row of the recordings table.
type recordingRow struct {
	Recording
	period         string
	framesExpected int64
	cursor         uint64
	deletedAt      int64
	deleteReason   string
}

const recordingColumns = `id, box_id, period, badge_id, board, state, codec, sample_rate, channels, bits,
	first_seen, consent_at, ended_at, chunks_expected, frames_expected, segmenter_cursor, deleted_at, delete_reason`

func scanRecording(row interface{ Scan(...any) error }) (recordingRow, error) {
	var r recordingRow
	var firstSeen, consentAt, endedAt, cursor int64
	err := row.Scan(&r.ID, &r.BoxID, &r.period, &r.BadgeID, &r.Board, &r.State,
		&r.Format.Codec, &r.Format.SampleRate, &r.Format.Channels, &r.Format.Bits,
		&firstSeen, &consentAt, &endedAt, &r.ChunksExpected, &r.framesExpected, &cursor, &r.deletedAt, &r.deleteReason)
	if err != nil {
		return recordingRow{}, err
	}
	r.FirstSeen, r.ConsentAt, r.EndedAt = fromNanos(firstSeen), fromNanos(consentAt), fromNanos(endedAt)
	r.cursor = uint64(cursor)
	return r, nil
}

// loadRecording reads a recording's row, tombstones included.
func loadRecording(ctx context.Context, q querier, id string) (recordingRow, error) {
	r, err := scanRecording(q.QueryRowContext(ctx, `SELECT `+recordingColumns+` FROM recordings WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return recordingRow{}, fmt.Errorf("recording %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return recordingRow{}, fmt.Errorf("reading recording %s: %w", id, err)
	}
	return r, nil
}

// liveRecording reads a recording that is not deleted.
func liveRecording(ctx context.Context, q querier, id string) (recordingRow, error) {
	r, err := loadRecording(ctx, q, id)
	if err != nil {
		return recordingRow{}, err
	}
	if r.deletedAt != 0 {
		return recordingRow{}, fmt.Errorf("recording %s (%s): %w", id, r.deleteReason, ErrDeleted)
	}
	return r, nil
}

// boxRecording reads or creates the recording rec of box for a message from
// that box. It returns the recording's key when it created the recording,
// and nil otherwise.
func (s *Store) boxRecording(ctx context.Context, tx *sql.Tx, box, rec string) (recordingRow, tink.AEAD, error) {
	r, err := loadRecording(ctx, tx, rec)
	if errors.Is(err, ErrNotFound) {
		return s.createRecording(ctx, tx, box, rec)
	}
	if err != nil {
		return recordingRow{}, nil, err
	}
	if r.BoxID != box {
		return recordingRow{}, nil, fmt.Errorf("recording %s from box %s: %w", rec, box, ErrWrongBox)
	}
	if r.deletedAt != 0 {
		return recordingRow{}, nil, fmt.Errorf("recording %s (%s): %w", rec, r.deleteReason, ErrDeleted)
	}
	return r, nil, nil
}

func (s *Store) createRecording(ctx context.Context, tx *sql.Tx, box, rec string) (recordingRow, tink.AEAD, error) {
	now := s.now()
	r := recordingRow{
		Recording:      Recording{ID: rec, BoxID: box, State: StateRecording, FirstSeen: fromNanos(nanos(now)), ChunksExpected: -1},
		period:         s.periodOf(now),
		framesExpected: -1,
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO recordings (id, box_id, period, state, first_seen) VALUES (?, ?, ?, ?, ?)`,
		rec, box, r.period, r.State, nanos(now)); err != nil {
		return recordingRow{}, nil, fmt.Errorf("creating recording %s: %w", rec, err)
	}
	a, err := s.createRecordingKey(ctx, tx, rec, r.period)
	if err != nil {
		return recordingRow{}, nil, err
	}
	s.log.Info("created recording", "recording_id", rec, "box_id", box, "period", r.period)
	return r, a, nil
}

// Recording returns the recording with id. It returns ErrNotFound for an
// unknown id and ErrDeleted for a deleted one.
func (s *Store) Recording(ctx context.Context, id string) (Recording, error) {
	r, err := liveRecording(ctx, s.read, id)
	if err != nil {
		return Recording{}, err
	}
	if err := addChunkStats(ctx, s.read, &r.Recording); err != nil {
		return Recording{}, err
	}
	return r.Recording, nil
}

func init() {
	addNamedMigration("recordings_by_box", `CREATE INDEX recordings_box ON recordings (box_id, first_seen);`)
}

// NewestRecordingOfBox returns the newest recording of box that is not
// deleted, or an error wrapping ErrNotFound when the box has none.
func (s *Store) NewestRecordingOfBox(ctx context.Context, box string) (Recording, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+recordingColumns+` FROM recordings
		WHERE box_id = ? AND deleted_at = 0 ORDER BY first_seen DESC, id LIMIT 1`, box)
	r, err := scanRecording(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Recording{}, fmt.Errorf("newest recording of box %s: %w", box, ErrNotFound)
	}
	if err != nil {
		return Recording{}, fmt.Errorf("newest recording of box %s: %w", box, err)
	}
	if err := addChunkStats(ctx, s.read, &r.Recording); err != nil {
		return Recording{}, err
	}
	return r.Recording, nil
}

// Recordings returns every recording that is not deleted, newest first.
func (s *Store) Recordings(ctx context.Context) ([]Recording, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+recordingColumns+` FROM recordings
		WHERE deleted_at = 0 ORDER BY first_seen DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("listing recordings: %w", err)
	}
	defer rows.Close()

	var out []Recording
	for rows.Next() {
		r, err := scanRecording(rows)
		if err != nil {
			return nil, fmt.Errorf("listing recordings: %w", err)
		}
		out = append(out, r.Recording)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing recordings: %w", err)
	}
	rows.Close()

	for i := range out {
		if err := addChunkStats(ctx, s.read, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// addChunkStats fills the fields of r that the chunks table determines.
func addChunkStats(ctx context.Context, q querier, r *Recording) error {
	rows, err := q.QueryContext(ctx, `SELECT seq, frames FROM chunks WHERE recording_id = ? ORDER BY seq`, r.ID)
	if err != nil {
		return fmt.Errorf("reading chunks of recording %s: %w", r.ID, err)
	}
	defer rows.Close()

	contiguous := true
	for rows.Next() {
		var seq, frames int64
		if err := rows.Scan(&seq, &frames); err != nil {
			return fmt.Errorf("reading chunks of recording %s: %w", r.ID, err)
		}
		if seq != r.ChunksReceived {
			contiguous = false
		}
		if contiguous {
			r.ContiguousFrames += uint64(frames)
		}
		r.ChunksReceived++
		r.FramesReceived += uint64(frames)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading chunks of recording %s: %w", r.ID, err)
	}

	r.Complete = r.ChunksExpected >= 0 && contiguous && r.ChunksReceived == r.ChunksExpected
	return nil
}

// ChunkSeqs returns the sequence numbers of the stored chunks of rec in ascending order.
func (s *Store) ChunkSeqs(ctx context.Context, rec string) ([]uint64, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT seq FROM chunks WHERE recording_id = ? ORDER BY seq`, rec)
	if err != nil {
		return nil, fmt.Errorf("reading chunks of recording %s: %w", rec, err)
	}
	defer rows.Close()

	var out []uint64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, fmt.Errorf("reading chunks of recording %s: %w", rec, err)
		}
		out = append(out, uint64(seq))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading chunks of recording %s: %w", rec, err)
	}
	return out, nil
}
