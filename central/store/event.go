package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// PutEvent stores event e of recording rec from box and applies it, and
// commits before it returns. The first message of a recording, chunk or
// event, creates it.
//
// A consent event sets the format, badge, board and ConsentAt; pause and
// resume set the state; end and interrupted set EndedAt and ChunksExpected.
// A withdraw event deletes the recording with reason "withdrawn" and returns
// no error. An event already stored with the same content returns
// duplicate=true. It returns ErrConflict for other content under a stored
// seq, a second consent or end, or an end that excludes stored chunks. It
// returns ErrWrongBox when rec belongs to another box and ErrDeleted when rec
// was deleted.
func (s *Store) PutEvent(ctx context.Context, box, rec string, e protocol.Event) (duplicate bool, err error) {
	if err := checkEvent(box, rec, e); err != nil {
		return false, invalid(fmt.Errorf("event %d of recording %s: %w", e.Seq, rec, err))
	}
	e.V = protocol.Version
	body, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("encoding event %d of recording %s: %w", e.Seq, rec, err)
	}

	if e.Type == protocol.EventWithdraw {
		return false, s.withdraw(ctx, box, rec)
	}

	err = s.inTx(ctx, func(tx *sql.Tx) error {
		r, _, err := s.boxRecording(ctx, tx, box, rec)
		if err != nil {
			return err
		}

		var stored string
		err = tx.QueryRowContext(ctx, `SELECT body FROM events WHERE recording_id = ? AND seq = ?`, rec, int64(e.Seq)).Scan(&stored)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("reading event %d of recording %s: %w", e.Seq, rec, err)
		case stored == string(body):
			duplicate = true
			return nil
		default:
			return fmt.Errorf("event %d of recording %s is stored with other content: %w", e.Seq, rec, ErrConflict)
		}

		if err := applyEvent(ctx, tx, r, e); err != nil {
			return fmt.Errorf("%s event %d of recording %s: %w", e.Type, e.Seq, rec, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (recording_id, seq, type, body) VALUES (?, ?, ?, ?)`,
			rec, int64(e.Seq), e.Type, string(body)); err != nil {
			return fmt.Errorf("storing event %d of recording %s: %w", e.Seq, rec, err)
		}
		return updateState(ctx, tx, rec)
	})
	if err != nil {
		return false, err
	}
	return duplicate, nil
}

// checkEvent validates an event on its own, as protocol.DecodeEvent does,
// for callers that build events without decoding them.
func checkEvent(box, rec string, e protocol.Event) error {
	if err := protocol.CheckID("box id", box); err != nil {
		return err
	}
	if err := protocol.CheckID("recording id", rec); err != nil {
		return err
	}
	if err := checkUint("event seq", e.Seq); err != nil {
		return err
	}
	if e.At.IsZero() {
		return errors.New("missing event time")
	}

	switch e.Type {
	case protocol.EventConsent:
		if e.Start == nil {
			return errors.New("consent event without start info")
		}
		return e.Start.Format.Validate()
	case protocol.EventEnd, protocol.EventInterrupted:
		if e.End == nil {
			return fmt.Errorf("%s event without end info", e.Type)
		}
		if err := checkUint("chunk count", e.End.Chunks); err != nil {
			return err
		}
		return checkUint("frame count", e.End.Frames)
	case protocol.EventPause, protocol.EventResume, protocol.EventWithdraw:
		return nil
	}
	return fmt.Errorf("unknown event type %q", e.Type)
}

// applyEvent updates the recording's row for a new consent, end or interrupted event.
func applyEvent(ctx context.Context, tx *sql.Tx, r recordingRow, e protocol.Event) error {
	switch e.Type {
	case protocol.EventConsent:
		return applyConsent(ctx, tx, r, e)
	case protocol.EventEnd, protocol.EventInterrupted:
		return applyEnd(ctx, tx, r, e)
	}
	return nil
}

func applyConsent(ctx context.Context, tx *sql.Tx, r recordingRow, e protocol.Event) error {
	if !r.ConsentAt.IsZero() {
		return fmt.Errorf("the recording already has a consent event: %w", ErrConflict)
	}
	f := e.Start.Format
	if r.Format != (protocol.AudioFormat{}) && r.Format != f {
		return invalid(fmt.Errorf("format %+v differs from the stored chunks' format %+v", f, r.Format))
	}
	_, err := tx.ExecContext(ctx, `UPDATE recordings SET badge_id = ?, board = ?, consent_at = ?,
		codec = ?, sample_rate = ?, channels = ?, bits = ? WHERE id = ?`,
		e.Start.BadgeID, e.Start.Board, nanos(e.At), f.Codec, f.SampleRate, f.Channels, f.Bits, r.ID)
	if err != nil {
		return fmt.Errorf("storing consent: %w", err)
	}
	return nil
}

func applyEnd(ctx context.Context, tx *sql.Tx, r recordingRow, e protocol.Event) error {
	if !r.EndedAt.IsZero() {
		return fmt.Errorf("the recording already ended: %w", ErrConflict)
	}

	var maxSeq, maxEnd sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(seq), max(first_frame + frames) FROM chunks WHERE recording_id = ?`,
		r.ID).Scan(&maxSeq, &maxEnd); err != nil {
		return fmt.Errorf("reading chunks: %w", err)
	}
	if maxSeq.Valid && uint64(maxSeq.Int64) >= e.End.Chunks {
		return fmt.Errorf("announces %d chunks but chunk %d is stored: %w", e.End.Chunks, maxSeq.Int64, ErrConflict)
	}
	if maxEnd.Valid && uint64(maxEnd.Int64) > e.End.Frames {
		return fmt.Errorf("announces %d frames but stored chunks reach frame %d: %w", e.End.Frames, maxEnd.Int64, ErrConflict)
	}

	_, err := tx.ExecContext(ctx, `UPDATE recordings SET ended_at = ?, chunks_expected = ?, frames_expected = ? WHERE id = ?`,
		nanos(e.At), int64(e.End.Chunks), int64(e.End.Frames), r.ID)
	if err != nil {
		return fmt.Errorf("storing end: %w", err)
	}
	return nil
}

// updateState sets a recording's state from its events: the end or
// interrupted event when there is one, else the consent, pause or resume
// event with the highest seq, since events may arrive out of order.
func updateState(ctx context.Context, tx *sql.Tx, rec string) error {
	var last protocol.EventType
	err := tx.QueryRowContext(ctx, `SELECT type FROM events WHERE recording_id = ? AND type IN (?, ?)`,
		rec, protocol.EventEnd, protocol.EventInterrupted).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `SELECT type FROM events WHERE recording_id = ? AND type IN (?, ?, ?) ORDER BY seq DESC LIMIT 1`,
			rec, protocol.EventConsent, protocol.EventPause, protocol.EventResume).Scan(&last)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading events of recording %s: %w", rec, err)
	}

	state := map[protocol.EventType]State{
		protocol.EventConsent:     StateRecording,
		protocol.EventResume:      StateRecording,
		protocol.EventPause:       StatePaused,
		protocol.EventEnd:         StateEnded,
		protocol.EventInterrupted: StateInterrupted,
	}[last]
	if _, err := tx.ExecContext(ctx, `UPDATE recordings SET state = ? WHERE id = ?`, state, rec); err != nil {
		return fmt.Errorf("setting state of recording %s: %w", rec, err)
	}
	return nil
}

// withdraw deletes a recording on the client's withdrawal. A withdrawal
// that arrives before any other message of the recording leaves a tombstone,
// so chunks that arrive later are rejected as deleted.
func (s *Store) withdraw(ctx context.Context, box, rec string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := loadRecording(ctx, tx, rec)
		if errors.Is(err, ErrNotFound) {
			_, err = tx.ExecContext(ctx, `INSERT INTO recordings (id, box_id, period, state, first_seen, deleted_at, delete_reason)
				VALUES (?, ?, '', ?, ?, ?, 'withdrawn')`, rec, box, StateRecording, nanos(s.now()), nanos(s.now()))
			if err != nil {
				return fmt.Errorf("storing withdrawal of recording %s: %w", rec, err)
			}
			s.log.Info("deleted recording", "recording_id", rec, "box_id", box, "reason", "withdrawn")
			return nil
		}
		if err != nil {
			return err
		}
		if r.BoxID != box {
			return fmt.Errorf("recording %s from box %s: %w", rec, box, ErrWrongBox)
		}
		if r.deletedAt != 0 {
			return fmt.Errorf("recording %s (%s): %w", rec, r.deleteReason, ErrDeleted)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.DeleteRecording(ctx, rec, "withdrawn")
}

// Events returns the stored events of rec in seq order.
func (s *Store) Events(ctx context.Context, rec string) ([]protocol.Event, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT body FROM events WHERE recording_id = ? ORDER BY seq`, rec)
	if err != nil {
		return nil, fmt.Errorf("reading events of recording %s: %w", rec, err)
	}
	defer rows.Close()

	var out []protocol.Event
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("reading events of recording %s: %w", rec, err)
		}
		var e protocol.Event
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			return nil, fmt.Errorf("decoding stored event of recording %s: %w", rec, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading events of recording %s: %w", rec, err)
	}
	return out, nil
}
