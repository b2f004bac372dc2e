package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tink-crypto/tink-go/v2/tink"
)

func init() {
	addNamedMigration("segment_edits", `
CREATE TABLE segment_edits (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	recording_id TEXT NOT NULL REFERENCES recordings (id),
	segment_id   INTEGER NOT NULL REFERENCES segments (id),
	edited_by    TEXT NOT NULL,
	edited_at    INTEGER NOT NULL,
	sealed       BLOB NOT NULL
);
CREATE INDEX segment_edits_recording ON segment_edits (recording_id, segment_id, id);`)
	// Edits reference segments, so they must go before them on deletion.
	recordingTables = append([]string{"segment_edits"}, recordingTables...)
}

// MaxSegmentTextLength is the longest edited segment text, in characters.
const MaxSegmentTextLength = 2000

// ErrUnchanged is returned by EditSegment for a text that equals the
// segment's current text. Nothing is stored then.
var ErrUnchanged = errors.New("segment text unchanged")

// Edit is one version of a segment's text written by a person. The
// engine's original stays in the segment itself.
type Edit struct {
	ID        int64
	SegmentID int64
	Text      string
	EditedBy  string // account id
	EditedAt  time.Time
}

// EditSegment stores a new version of a segment's text. Earlier versions
// and the engine's original are kept, so the history can be shown. The
// text's line breaks become line feeds and its outer white space is
// trimmed. Text that breaks the rule of CheckText returns an
// *InvalidTextError, and text equal to the segment's current text
// (its latest edit, or else the engine's text trimmed) returns an error
// wrapping ErrUnchanged.
func (s *Store) EditSegment(ctx context.Context, rec string, segment int64, text, editedBy string) (Edit, error) {
	text = CleanSegmentText(text)
	if text == "" {
		return Edit{}, fmt.Errorf("%w: empty segment text", ErrInvalid)
	}
	if utf8.RuneCountInString(text) > MaxSegmentTextLength {
		return Edit{}, fmt.Errorf("%w: segment text longer than %d characters", ErrInvalid, MaxSegmentTextLength)
	}
	if err := CheckText(text); err != nil {
		return Edit{}, fmt.Errorf("segment text: %w", err)
	}
	if editedBy == "" {
		return Edit{}, fmt.Errorf("%w: missing editor", ErrInvalid)
	}

	e := Edit{SegmentID: segment, Text: text, EditedBy: editedBy, EditedAt: s.now().UTC()}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := liveRecording(ctx, tx, rec); err != nil {
			return err
		}
		var owner string
		err := tx.QueryRowContext(ctx, `SELECT recording_id FROM segments WHERE id = ?`, segment).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != rec) {
			return fmt.Errorf("segment %d of recording %s: %w", segment, rec, ErrNotFound)
		}
		if err != nil {
			return err
		}
		key, err := s.recordingKey(ctx, tx, rec)
		if err != nil {
			return err
		}
		current, err := currentSegmentText(ctx, tx, key, rec, segment)
		if err != nil {
			return err
		}
		if current == text {
			return ErrUnchanged
		}

		// The row id is part of the sealed text's associated data, so the
		// row is inserted first and sealed after.
		res, err := tx.ExecContext(ctx, `INSERT INTO segment_edits (recording_id, segment_id, edited_by, edited_at, sealed) VALUES (?, ?, ?, ?, x'')`,
			rec, segment, editedBy, nanos(e.EditedAt))
		if err != nil {
			return err
		}
		if e.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		sealed, err := seal(key, []byte(text), rec, "segment_edits", e.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE segment_edits SET sealed = ? WHERE id = ?`, sealed, e.ID)
		return err
	})
	if err != nil {
		return Edit{}, fmt.Errorf("editing segment %d of recording %s: %w", segment, rec, err)
	}
	return e, nil
}

// CleanSegmentText returns text as EditSegment stores it: with line feeds
// for line breaks and without outer white space.
func CleanSegmentText(text string) string {
	return strings.TrimSpace(NormalizeNewlines(text))
}

// currentSegmentText returns the text of segment that the transcript
// shows: its latest edit, or the engine's text cleaned like an edit.
func currentSegmentText(ctx context.Context, tx *sql.Tx, key tink.AEAD, rec string, segment int64) (string, error) {
	var id int64
	var sealed []byte
	err := tx.QueryRowContext(ctx, `SELECT id, sealed FROM segment_edits WHERE segment_id = ? ORDER BY id DESC LIMIT 1`, segment).Scan(&id, &sealed)
	if err == nil {
		plain, err := open(key, sealed, rec, "segment_edits", id)
		return string(plain), err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}

	if err := tx.QueryRowContext(ctx, `SELECT sealed FROM segments WHERE id = ?`, segment).Scan(&sealed); err != nil {
		return "", err
	}
	plain, err := open(key, sealed, rec, "segments", segment)
	if err != nil {
		return "", err
	}
	var c segmentContent
	if err := json.Unmarshal(plain, &c); err != nil {
		return "", fmt.Errorf("decoding segment %d of recording %s: %w", segment, rec, err)
	}
	return CleanSegmentText(c.Text), nil
}

// SegmentEdits returns the edits of rec's segments, oldest first, by segment id.
func (s *Store) SegmentEdits(ctx context.Context, rec string) (map[int64][]Edit, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return nil, err
	}
	key, err := s.recordingKey(ctx, s.read, rec)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, segment_id, edited_by, edited_at, sealed FROM segment_edits WHERE recording_id = ? ORDER BY id`, rec)
	if err != nil {
		return nil, fmt.Errorf("reading edits of recording %s: %w", rec, err)
	}
	defer rows.Close()
	out := map[int64][]Edit{}
	for rows.Next() {
		var e Edit
		var at int64
		var sealed []byte
		if err := rows.Scan(&e.ID, &e.SegmentID, &e.EditedBy, &at, &sealed); err != nil {
			return nil, fmt.Errorf("reading edits of recording %s: %w", rec, err)
		}
		plain, err := open(key, sealed, rec, "segment_edits", e.ID)
		if err != nil {
			return nil, err
		}
		e.Text, e.EditedAt = string(plain), fromNanos(at)
		out[e.SegmentID] = append(out[e.SegmentID], e)
	}
	return out, rows.Err()
}
