package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tink-crypto/tink-go/v2/tink"
)

// Job is a transcription job: frames [StartFrame, EndFrame) of a recording.
type Job struct {
	ID                   int64
	RecordingID          string
	StartFrame, EndFrame uint64
	// Attempts counts the attempts that ended, by RetryJob or FinishJob.
	Attempts    int
	NextAttempt time.Time
	LastError   string
	Done        bool
}

// Word is one word of a segment, with times relative to the recording's first frame.
type Word struct {
	Text        string
	Start, End  time.Duration
	Probability float64
}

// Segment is one transcript row.
type Segment struct {
	ID          int64
	RecordingID string
	JobID       int64
	// Start and End are relative to the recording's first frame.
	Start, End               time.Duration
	Text                     string
	Words                    []Word
	AvgLogprob, NoSpeechProb float64
	Engine                   string
}

// segmentContent is the sealed part of a segment.
type segmentContent struct {
	Text  string `json:"text"`
	Words []Word `json:"words,omitempty"`
}

// SegmenterCursor returns how many frames of rec the segmenter has already
// cut into jobs or skipped as silence.
func (s *Store) SegmenterCursor(ctx context.Context, rec string) (uint64, error) {
	r, err := liveRecording(ctx, s.read, rec)
	if err != nil {
		return 0, err
	}
	return r.cursor, nil
}

// AddJob adds a job for frames [start, end) of rec and moves the segmenter
// cursor to cursor in one transaction. The cursor never moves backwards.
// Adding a job again with the same start returns the stored job; with
// another end it returns ErrConflict. end must not exceed the recording's
// ContiguousFrames, and cursor must be at least end.
func (s *Store) AddJob(ctx context.Context, rec string, start, end, cursor uint64) (Job, error) {
	if start >= end || cursor < end {
		return Job{}, fmt.Errorf("adding job to recording %s: invalid frames [%d, %d) with cursor %d: want start < end <= cursor", rec, start, end, cursor)
	}
	if err := checkUint("cursor", cursor); err != nil {
		return Job{}, fmt.Errorf("adding job to recording %s: %w", rec, err)
	}

	var job Job
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := liveRecording(ctx, tx, rec)
		if err != nil {
			return err
		}

		stored, err := scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE recording_id = ? AND start_frame = ?`, rec, int64(start)))
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("reading job: %w", err)
		case stored.EndFrame != end:
			return fmt.Errorf("a job for frames [%d, %d) is stored, not [%d, %d): %w", stored.StartFrame, stored.EndFrame, start, end, ErrConflict)
		default:
			job = stored
			return setCursor(ctx, tx, rec, max(cursor, r.cursor))
		}

		if err := addChunkStats(ctx, tx, &r.Recording); err != nil {
			return err
		}
		if end > r.ContiguousFrames {
			return fmt.Errorf("frames [%d, %d) reach past the %d contiguous frames stored", start, end, r.ContiguousFrames)
		}

		job = Job{RecordingID: rec, StartFrame: start, EndFrame: end, NextAttempt: fromNanos(nanos(s.now()))}
		res, err := tx.ExecContext(ctx, `INSERT INTO jobs (recording_id, start_frame, end_frame, next_attempt) VALUES (?, ?, ?, ?)`,
			rec, int64(start), int64(end), nanos(job.NextAttempt))
		if err != nil {
			return fmt.Errorf("storing job: %w", err)
		}
		if job.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("storing job: %w", err)
		}
		return setCursor(ctx, tx, rec, max(cursor, r.cursor))
	})
	if err != nil {
		return Job{}, fmt.Errorf("adding job to recording %s: %w", rec, err)
	}
	return job, nil
}

// SetSegmenterCursor moves the segmenter cursor of rec to cursor, past
// silence that gets no job. The cursor never moves backwards.
func (s *Store) SetSegmenterCursor(ctx context.Context, rec string, cursor uint64) error {
	if err := checkUint("cursor", cursor); err != nil {
		return fmt.Errorf("setting segmenter cursor of recording %s: %w", rec, err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := liveRecording(ctx, tx, rec)
		if err != nil {
			return err
		}
		return setCursor(ctx, tx, rec, max(cursor, r.cursor))
	})
	if err != nil {
		return fmt.Errorf("setting segmenter cursor of recording %s: %w", rec, err)
	}
	return nil
}

func setCursor(ctx context.Context, tx *sql.Tx, rec string, cursor uint64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE recordings SET segmenter_cursor = ? WHERE id = ?`, int64(cursor), rec); err != nil {
		return fmt.Errorf("setting segmenter cursor: %w", err)
	}
	return nil
}

const jobColumns = `id, recording_id, start_frame, end_frame, attempts, next_attempt, last_error, done`

func scanJob(row interface{ Scan(...any) error }) (Job, error) {
	var j Job
	var start, end, next int64
	if err := row.Scan(&j.ID, &j.RecordingID, &start, &end, &j.Attempts, &next, &j.LastError, &j.Done); err != nil {
		return Job{}, err
	}
	j.StartFrame, j.EndFrame, j.NextAttempt = uint64(start), uint64(end), fromNanos(next)
	return j, nil
}

// NextJob returns the oldest job that is not done and is due at now, and
// false when there is none. It does not claim the job, so one worker at a
// time may take jobs from the queue.
func (s *Store) NextJob(ctx context.Context, now time.Time) (Job, bool, error) {
	j, err := scanJob(s.read.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs
		WHERE done = 0 AND next_attempt <= ?
		AND recording_id IN (SELECT id FROM recordings WHERE deleted_at = 0)
		ORDER BY id LIMIT 1`, nanos(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, false, nil
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("reading next job: %w", err)
	}
	return j, true, nil
}

// RetryJob records a failed attempt of job id with its reason and makes the
// job due again at next. The reason must not contain transcript text.
func (s *Store) RetryJob(ctx context.Context, id int64, next time.Time, reason string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE id = ? AND done = 0`,
			nanos(next), reason, id)
		if err != nil {
			return err
		}
		return checkJobUpdated(ctx, tx, res, id)
	})
	if err != nil {
		return fmt.Errorf("retrying job %d: %w", id, err)
	}
	return nil
}

// checkJobUpdated explains why an update of a job that must not be done changed no row.
func checkJobUpdated(ctx context.Context, tx *sql.Tx, res sql.Result, id int64) error {
	n, err := res.RowsAffected()
	if err != nil || n == 1 {
		return err
	}
	var done bool
	err = tx.QueryRowContext(ctx, `SELECT done FROM jobs WHERE id = ?`, id).Scan(&done)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("job %d (deleted with its recording, or never added): %w", id, ErrNotFound)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("job %d is already done: %w", id, ErrConflict)
}

// FinishJob stores the segments of job id, sealed, and marks the job done in
// one transaction. The segments' RecordingID and JobID are taken from the
// job; their IDs are assigned. It returns ErrNotFound when the job no longer
// exists (its recording was deleted) and ErrConflict when it is already done.
func (s *Store) FinishJob(ctx context.Context, id int64, segs []Segment) error {
	for i, seg := range segs {
		if seg.Start < 0 || seg.End < seg.Start {
			return fmt.Errorf("finishing job %d: segment %d has invalid times %s to %s", id, i, seg.Start, seg.End)
		}
	}

	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET done = 1, attempts = attempts + 1, last_error = '' WHERE id = ? AND done = 0`, id)
		if err != nil {
			return err
		}
		if err := checkJobUpdated(ctx, tx, res, id); err != nil {
			return err
		}

		var rec string
		if err := tx.QueryRowContext(ctx, `SELECT recording_id FROM jobs WHERE id = ?`, id).Scan(&rec); err != nil {
			return fmt.Errorf("reading job: %w", err)
		}
		key, err := s.recordingKey(ctx, tx, rec)
		if err != nil {
			return err
		}
		for _, seg := range segs {
			if err := insertSegment(ctx, tx, key, rec, id, seg); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finishing job %d: %w", id, err)
	}
	return nil
}

// insertSegment stores a segment. The row is inserted first because its id
// is part of the associated data that the sealed content is bound to.
func insertSegment(ctx context.Context, tx *sql.Tx, key tink.AEAD, rec string, job int64, seg Segment) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO segments (recording_id, job_id, start_ns, end_ns, avg_logprob, no_speech_prob, engine, sealed)
		VALUES (?, ?, ?, ?, ?, ?, ?, x'')`, rec, job, int64(seg.Start), int64(seg.End), seg.AvgLogprob, seg.NoSpeechProb, seg.Engine)
	if err != nil {
		return fmt.Errorf("storing segment: %w", err)
	}
	row, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("storing segment: %w", err)
	}

	plain, err := json.Marshal(segmentContent{Text: seg.Text, Words: seg.Words})
	if err != nil {
		return fmt.Errorf("encoding segment: %w", err)
	}
	sealed, err := seal(key, plain, rec, "segments", row)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE segments SET sealed = ? WHERE id = ?`, sealed, row); err != nil {
		return fmt.Errorf("storing segment: %w", err)
	}
	return nil
}

// Jobs returns the jobs of rec ordered by start frame.
func (s *Store) Jobs(ctx context.Context, rec string) ([]Job, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE recording_id = ? ORDER BY start_frame`, rec)
	if err != nil {
		return nil, fmt.Errorf("reading jobs of recording %s: %w", rec, err)
	}
	defer rows.Close()

	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("reading jobs of recording %s: %w", rec, err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading jobs of recording %s: %w", rec, err)
	}
	return out, nil
}

// Segments returns the transcript segments of rec, opened, ordered by start time.
func (s *Store) Segments(ctx context.Context, rec string) ([]Segment, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return nil, err
	}
	key, err := s.recordingKey(ctx, s.read, rec)
	if err != nil {
		return nil, err
	}

	rows, err := s.read.QueryContext(ctx, `SELECT id, job_id, start_ns, end_ns, avg_logprob, no_speech_prob, engine, sealed
		FROM segments WHERE recording_id = ? ORDER BY start_ns, id`, rec)
	if err != nil {
		return nil, fmt.Errorf("reading segments of recording %s: %w", rec, err)
	}
	defer rows.Close()

	var out []Segment
	for rows.Next() {
		seg := Segment{RecordingID: rec}
		var start, end int64
		var sealed []byte
		if err := rows.Scan(&seg.ID, &seg.JobID, &start, &end, &seg.AvgLogprob, &seg.NoSpeechProb, &seg.Engine, &sealed); err != nil {
			return nil, fmt.Errorf("reading segments of recording %s: %w", rec, err)
		}
		seg.Start, seg.End = time.Duration(start), time.Duration(end)

		plain, err := open(key, sealed, rec, "segments", seg.ID)
		if err != nil {
			return nil, err
		}
		var c segmentContent
		if err := json.Unmarshal(plain, &c); err != nil {
			return nil, fmt.Errorf("decoding segment %d of recording %s: %w", seg.ID, rec, err)
		}
		seg.Text, seg.Words = c.Text, c.Words
		out = append(out, seg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading segments of recording %s: %w", rec, err)
	}
	return out, nil
}

// SegmentCount returns how many transcript segments rec has, without
// opening any of them.
func (s *Store) SegmentCount(ctx context.Context, rec string) (int, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return 0, err
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM segments WHERE recording_id = ?`, rec).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting segments of recording %s: %w", rec, err)
	}
	return n, nil
}
