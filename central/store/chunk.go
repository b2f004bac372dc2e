package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// PutChunk stores chunk seq of recording rec from box, sealed, and commits
// before it returns. The first message of a recording, chunk or event,
// creates it.
//
// A chunk already stored with the same header and audio returns
// duplicate=true and stores nothing. Other content under a stored seq
// returns ErrConflict. It returns ErrWrongBox when rec belongs to another
// box and ErrDeleted when rec was deleted. It returns a plain error when the
// audio does not decode to the header's frames, when the format differs from
// the recording's, or when FirstFrame does not fit the stored chunks around seq.
func (s *Store) PutChunk(ctx context.Context, box, rec string, seq uint64, h protocol.ChunkHeader, audio []byte) (duplicate bool, err error) {
	if err := checkChunk(box, rec, seq, h, audio); err != nil {
		return false, invalid(fmt.Errorf("chunk %d of recording %s: %w", seq, rec, err))
	}

	err = s.inTx(ctx, func(tx *sql.Tx) error {
		r, key, err := s.boxRecording(ctx, tx, box, rec)
		if err != nil {
			return err
		}
		if key == nil {
			if key, err = s.recordingKey(ctx, tx, rec); err != nil {
				return err
			}
		}

		duplicate, err = sameStoredChunk(ctx, tx, key, rec, seq, h, audio)
		if err != nil || duplicate {
			return err
		}

		if err := checkChunkFits(ctx, tx, r, seq, h); err != nil {
			return fmt.Errorf("chunk %d of recording %s: %w", seq, rec, err)
		}
		if r.Format == (protocol.AudioFormat{}) {
			if _, err := tx.ExecContext(ctx, `UPDATE recordings SET codec = ?, sample_rate = ?, channels = ?, bits = ? WHERE id = ?`,
				h.Format.Codec, h.Format.SampleRate, h.Format.Channels, h.Format.Bits, rec); err != nil {
				return fmt.Errorf("setting format of recording %s: %w", rec, err)
			}
		}

		sealed, err := seal(key, audio, rec, "chunks", int64(seq))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO chunks (recording_id, seq, first_frame, frames, captured_at, sealed)
			VALUES (?, ?, ?, ?, ?, ?)`, rec, int64(seq), int64(h.FirstFrame), h.Frames, nanos(h.CapturedAt), sealed); err != nil {
			return fmt.Errorf("storing chunk %d of recording %s: %w", seq, rec, err)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	return duplicate, nil
}

// checkChunk validates a chunk on its own, before the store is consulted.
func checkChunk(box, rec string, seq uint64, h protocol.ChunkHeader, audio []byte) error {
	if err := protocol.CheckID("box id", box); err != nil {
		return err
	}
	if err := protocol.CheckID("recording id", rec); err != nil {
		return err
	}
	if err := checkUint("chunk seq", seq); err != nil {
		return err
	}
	if err := checkUint("first frame", h.FirstFrame); err != nil {
		return err
	}
	if err := h.Validate(); err != nil {
		return fmt.Errorf("invalid header: %w", err)
	}

	if len(audio) == 0 {
		return errors.New("missing audio")
	}
	samples, err := decodeAudio(h.Format, audio)
	if err != nil {
		return err
	}
	if got, want := len(samples), h.Frames*h.Format.Channels; got != want {
		return fmt.Errorf("audio contains %d samples, but the header declares %d frames of %d channels (%d samples)",
			got, h.Frames, h.Format.Channels, want)
	}
	return nil
}

// sameStoredChunk reports whether chunk seq is already stored with this
// header and audio. It returns ErrConflict when it is stored with other content.
func sameStoredChunk(ctx context.Context, tx *sql.Tx, key tink.AEAD, rec string, seq uint64, h protocol.ChunkHeader, audio []byte) (bool, error) {
	var firstFrame, frames, capturedAt int64
	var sealed []byte
	err := tx.QueryRowContext(ctx, `SELECT first_frame, frames, captured_at, sealed FROM chunks WHERE recording_id = ? AND seq = ?`,
		rec, int64(seq)).Scan(&firstFrame, &frames, &capturedAt, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading chunk %d of recording %s: %w", seq, rec, err)
	}

	stored, err := open(key, sealed, rec, "chunks", int64(seq))
	if err != nil {
		return false, err
	}
	if uint64(firstFrame) != h.FirstFrame || frames != int64(h.Frames) || capturedAt != nanos(h.CapturedAt) || !bytes.Equal(stored, audio) {
		return false, fmt.Errorf("chunk %d of recording %s is stored with other content: %w", seq, rec, ErrConflict)
	}
	return true, nil
}

// checkChunkFits checks a new chunk against the recording: its format, the
// end event's counts, and the frame ranges of the stored chunks before and after it.
func checkChunkFits(ctx context.Context, tx *sql.Tx, r recordingRow, seq uint64, h protocol.ChunkHeader) error {
	if r.Format != (protocol.AudioFormat{}) && r.Format != h.Format {
		return invalid(fmt.Errorf("format %+v differs from the recording's format %+v", h.Format, r.Format))
	}
	if r.ChunksExpected >= 0 && seq >= uint64(r.ChunksExpected) {
		return invalid(fmt.Errorf("seq %d is beyond the %d chunks the end event announced: %w", seq, r.ChunksExpected, ErrConflict))
	}
	end := h.FirstFrame + uint64(h.Frames)
	if r.framesExpected >= 0 && end > uint64(r.framesExpected) {
		return invalid(fmt.Errorf("frames [%d, %d) exceed the %d frames the end event announced: %w", h.FirstFrame, end, r.framesExpected, ErrConflict))
	}
	if seq == 0 && h.FirstFrame != 0 {
		return invalid(fmt.Errorf("first chunk starts at frame %d, want 0", h.FirstFrame))
	}

	var prevSeq, prevFirst, prevFrames int64
	err := tx.QueryRowContext(ctx, `SELECT seq, first_frame, frames FROM chunks WHERE recording_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1`,
		r.ID, int64(seq)).Scan(&prevSeq, &prevFirst, &prevFrames)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("reading the chunk before: %w", err)
	default:
		prevEnd := uint64(prevFirst + prevFrames)
		if uint64(prevSeq) == seq-1 && h.FirstFrame != prevEnd {
			return invalid(fmt.Errorf("first frame %d does not follow chunk %d, which ends at frame %d", h.FirstFrame, prevSeq, prevEnd))
		}
		if h.FirstFrame < prevEnd {
			return invalid(fmt.Errorf("first frame %d overlaps chunk %d, which ends at frame %d", h.FirstFrame, prevSeq, prevEnd))
		}
	}

	var nextSeq, nextFirst int64
	err = tx.QueryRowContext(ctx, `SELECT seq, first_frame FROM chunks WHERE recording_id = ? AND seq > ? ORDER BY seq LIMIT 1`,
		r.ID, int64(seq)).Scan(&nextSeq, &nextFirst)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("reading the chunk after: %w", err)
	default:
		if uint64(nextSeq) == seq+1 && end != uint64(nextFirst) {
			return invalid(fmt.Errorf("frames end at %d but chunk %d starts at frame %d", end, nextSeq, nextFirst))
		}
		if end > uint64(nextFirst) {
			return invalid(fmt.Errorf("frames end at %d and overlap chunk %d, which starts at frame %d", end, nextSeq, nextFirst))
		}
	}
	return nil
}

// maxPrealloc is the maximum number of frames ReadAudio allocates room for
// before it reads how many are stored: five minutes at 16 kHz.
const maxPrealloc = 5 * 60 * 16000

// ReadAudio returns frames [from, to) of recording rec as interleaved
// 16-bit samples, with the recording's format (the codec is that of the
// stored chunks, the samples are decoded). It returns ErrNotFound when a
// chunk of the range is not stored yet.
func (s *Store) ReadAudio(ctx context.Context, rec string, from, to uint64) ([]int16, protocol.AudioFormat, error) {
	r, err := liveRecording(ctx, s.read, rec)
	if err != nil {
		return nil, protocol.AudioFormat{}, err
	}
	if from >= to || checkUint("end frame", to) != nil {
		return nil, protocol.AudioFormat{}, fmt.Errorf("reading audio of recording %s: invalid frame range [%d, %d): want from < to <= %d",
			rec, from, to, int64(math.MaxInt64))
	}
	key, err := s.recordingKey(ctx, s.read, rec)
	if err != nil {
		return nil, protocol.AudioFormat{}, err
	}

	rows, err := s.read.QueryContext(ctx, `SELECT seq, first_frame, frames, sealed FROM chunks
		WHERE recording_id = ? AND first_frame < ? AND first_frame + frames > ? ORDER BY first_frame`,
		rec, int64(to), int64(from))
	if err != nil {
		return nil, protocol.AudioFormat{}, fmt.Errorf("reading audio of recording %s: %w", rec, err)
	}
	defer rows.Close()

	// The capacity is bounded because the range may reach past the stored audio.
	ch := uint64(r.Format.Channels)
	out := make([]int16, 0, min(to-from, maxPrealloc)*ch)
	pos := from
	for rows.Next() {
		var seq, first, frames int64
		var sealed []byte
		if err := rows.Scan(&seq, &first, &frames, &sealed); err != nil {
			return nil, protocol.AudioFormat{}, fmt.Errorf("reading audio of recording %s: %w", rec, err)
		}
		if uint64(first) > pos {
			break
		}

		audio, err := open(key, sealed, rec, "chunks", seq)
		if err != nil {
			return nil, protocol.AudioFormat{}, err
		}
		samples, err := decodeAudio(r.Format, audio)
		if err != nil {
			return nil, protocol.AudioFormat{}, fmt.Errorf("decoding chunk %d of recording %s: %w", seq, rec, err)
		}

		end := min(uint64(first+frames), to)
		out = append(out, samples[(pos-uint64(first))*ch:(end-uint64(first))*ch]...)
		pos = end
	}
	if err := rows.Err(); err != nil {
		return nil, protocol.AudioFormat{}, fmt.Errorf("reading audio of recording %s: %w", rec, err)
	}
	if pos < to {
		return nil, protocol.AudioFormat{}, fmt.Errorf("audio of recording %s: frames [%d, %d) are not stored yet: %w", rec, pos, to, ErrNotFound)
	}
	return out, r.Format, nil
}
