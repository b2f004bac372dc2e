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
)

func init() {
	addNamedMigration("thread_messages", `
CREATE TABLE thread_messages (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	recording_id TEXT NOT NULL REFERENCES recordings (id),
	kind         TEXT NOT NULL,
	author       TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	sealed       BLOB NOT NULL
);
CREATE INDEX thread_messages_recording ON thread_messages (recording_id, id);
CREATE UNIQUE INDEX thread_messages_one_summary ON thread_messages (recording_id) WHERE kind = 'summary';`)
	// A newer summary may replace the shown one while the earlier ones stay
	// readable, so a recording may hold several. AddThreadMessage and
	// AddNewerSummary check the order in their transaction instead.
	addNamedMigration("thread_messages_summaries", `DROP INDEX IF EXISTS thread_messages_one_summary;`)
	addRecordingTable("thread_messages")
}

// ThreadKind is the kind of a message in a recording's thread.
type ThreadKind string

// The kinds of thread messages.
const (
	ThreadSummary  ThreadKind = "summary"
	ThreadQuestion ThreadKind = "question"
	ThreadAnswer   ThreadKind = "answer"
)

// Limits of a thread message, checked by AddThreadMessage.
const (
	MaxThreadTextLength = 2000 // characters of a message's Text and of each line's Text
	MaxThreadLines      = 400  // a chat engine's summary of a long meeting has several lines per part
	MaxThreadCitations  = 50   // segment ids of one line
)

// ThreadMessage is one message of a recording's thread: the summary, a
// caseworker's question or the answer to it. Text, Lines and their
// citations are sealed with the recording's key. Kind, Author and
// CreatedAt are stored in the clear.
type ThreadMessage struct {
	ID        int64
	Kind      ThreadKind
	Text      string       // a question, or the statement that opens a summary or an answer
	Lines     []ThreadLine // summary lines, an engine's sentences or quoted passages
	Author    string       // account id of the person who asked; empty for summaries and answers
	CreatedAt time.Time

	// Engine names what wrote a summary or answer: "embedded" or a chat
	// engine's model. Empty on questions and on messages stored before
	// engines were recorded.
	Engine string
	// Notice is a Swedish note shown with the message, such as why the
	// embedded summarizer stood in for the chat engine.
	Notice string
	// Transcript is a digest of the transcript a summary was made from,
	// so a later edit or speaker name can be detected. Empty on older rows.
	Transcript string
	// ReplyTo is the id of the question an answer belongs to. Zero on
	// older rows, whose answer directly follows its question.
	ReplyTo int64
}

// ThreadLine is one line of a summary or one quoted passage of an answer.
type ThreadLine struct {
	Heading     string  `json:"heading,omitempty"` // section title of a summary line
	Speaker     string  `json:"speaker,omitempty"`
	Text        string  `json:"text"`
	Segments    []int64 `json:"segments"`              // cited segment ids; empty only on an unsupported line
	Unsupported bool    `json:"unsupported,omitempty"` // a verifier found no support in the cited segments
	// Reasons are the verifier's reasons, in Swedish, for flagging an unsupported line.
	Reasons []string `json:"reasons,omitempty"`
	// Written marks a sentence that a chat engine wrote, as opposed to a
	// passage quoted from the transcript.
	Written bool `json:"written,omitempty"`
}

// threadContent is the sealed part of a thread message. Fields added later
// are omitted when empty, so older rows decode unchanged.
type threadContent struct {
	Text       string       `json:"text"`
	Lines      []ThreadLine `json:"lines,omitempty"`
	Engine     string       `json:"engine,omitempty"`
	Notice     string       `json:"notice,omitempty"`
	Transcript string       `json:"transcript,omitempty"`
	ReplyTo    int64        `json:"reply_to,omitempty"`
}

// AddThreadMessage appends m to rec's thread and returns it with its id and
// time. Every cited segment must belong to rec, and an answer's ReplyTo,
// when set, must be a question of rec. AddThreadMessage adds only a
// recording's first summary: when one exists it returns an error wrapping
// ErrConflict, and AddNewerSummary adds the later ones.
func (s *Store) AddThreadMessage(ctx context.Context, rec string, m ThreadMessage) (ThreadMessage, error) {
	return s.addThreadMessage(ctx, rec, m, 0)
}

// AddNewerSummary adds summary m to rec's thread after the summary with id
// previous, which it replaces on display while staying stored. It returns an
// error wrapping ErrConflict unless previous is the newest summary, so two
// requests that both replace the same summary store only one.
func (s *Store) AddNewerSummary(ctx context.Context, rec string, m ThreadMessage, previous int64) (ThreadMessage, error) {
	if m.Kind != ThreadSummary || previous <= 0 {
		return ThreadMessage{}, fmt.Errorf("adding a newer summary to recording %s: %w: want a summary and the id of the one it replaces", rec, ErrInvalid)
	}
	return s.addThreadMessage(ctx, rec, m, previous)
}

// addThreadMessage stores m. A summary is stored only when the newest
// stored summary has id previous, with 0 for none.
func (s *Store) addThreadMessage(ctx context.Context, rec string, m ThreadMessage, previous int64) (ThreadMessage, error) {
	if err := checkThreadMessage(m); err != nil {
		return ThreadMessage{}, fmt.Errorf("adding a thread message to recording %s: %w", rec, err)
	}
	plain, err := json.Marshal(threadContent{Text: m.Text, Lines: m.Lines, Engine: m.Engine, Notice: m.Notice, Transcript: m.Transcript, ReplyTo: m.ReplyTo})
	if err != nil {
		return ThreadMessage{}, fmt.Errorf("adding a thread message to recording %s: %w", rec, err)
	}

	m.CreatedAt = s.now().UTC()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := liveRecording(ctx, tx, rec); err != nil {
			return err
		}
		if err := checkCitations(ctx, tx, rec, m.Lines); err != nil {
			return err
		}
		if err := checkReplyTo(ctx, tx, rec, m); err != nil {
			return err
		}
		if m.Kind == ThreadSummary {
			if err := checkNewestSummary(ctx, tx, rec, previous); err != nil {
				return err
			}
		}
		key, err := s.recordingKey(ctx, tx, rec)
		if err != nil {
			return err
		}

		// The row id is part of the sealed content's associated data, so
		// the row is inserted first and sealed after.
		res, err := tx.ExecContext(ctx, `INSERT INTO thread_messages (recording_id, kind, author, created_at, sealed) VALUES (?, ?, ?, ?, x'')`,
			rec, string(m.Kind), m.Author, nanos(m.CreatedAt))
		if err != nil {
			return err
		}
		if m.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		sealed, err := seal(key, plain, rec, "thread_messages", m.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE thread_messages SET sealed = ? WHERE id = ?`, sealed, m.ID)
		return err
	})
	if err != nil {
		return ThreadMessage{}, fmt.Errorf("adding a thread message to recording %s: %w", rec, err)
	}
	return m, nil
}

// checkNewestSummary returns an error wrapping ErrConflict unless the
// newest summary of rec has id previous, with 0 meaning that rec has none.
func checkNewestSummary(ctx context.Context, tx *sql.Tx, rec string, previous int64) error {
	var newest int64
	err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM thread_messages WHERE recording_id = ? AND kind = 'summary'`, rec).Scan(&newest)
	if err != nil {
		return err
	}
	switch {
	case newest == previous:
		return nil
	case previous == 0:
		return fmt.Errorf("a summary already exists: %w", ErrConflict)
	default:
		return fmt.Errorf("summary %d is not the newest, %d is: %w", previous, newest, ErrConflict)
	}
}

// checkReplyTo checks that an answer's ReplyTo names a question of rec.
func checkReplyTo(ctx context.Context, tx *sql.Tx, rec string, m ThreadMessage) error {
	if m.ReplyTo == 0 {
		return nil
	}
	var owner, kind string
	err := tx.QueryRowContext(ctx, `SELECT recording_id, kind FROM thread_messages WHERE id = ?`, m.ReplyTo).Scan(&owner, &kind)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (owner != rec || kind != string(ThreadQuestion))) {
		return fmt.Errorf("%w: message %d is not a question of recording %s", ErrInvalid, m.ReplyTo, rec)
	}
	return err
}

// ThreadLen returns the number of messages in rec's thread without
// opening them, for the live updates that poll for a change.
func (s *Store) ThreadLen(ctx context.Context, rec string) (int, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return 0, err
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM thread_messages WHERE recording_id = ?`, rec).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting the thread of recording %s: %w", rec, err)
	}
	return n, nil
}

// Thread returns rec's thread messages, oldest first.
func (s *Store) Thread(ctx context.Context, rec string) ([]ThreadMessage, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return nil, err
	}
	key, err := s.recordingKey(ctx, s.read, rec)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, kind, author, created_at, sealed FROM thread_messages WHERE recording_id = ? ORDER BY id`, rec)
	if err != nil {
		return nil, fmt.Errorf("reading the thread of recording %s: %w", rec, err)
	}
	defer rows.Close()

	var out []ThreadMessage
	for rows.Next() {
		var m ThreadMessage
		var kind string
		var at int64
		var sealed []byte
		if err := rows.Scan(&m.ID, &kind, &m.Author, &at, &sealed); err != nil {
			return nil, fmt.Errorf("reading the thread of recording %s: %w", rec, err)
		}
		plain, err := open(key, sealed, rec, "thread_messages", m.ID)
		if err != nil {
			return nil, err
		}
		var c threadContent
		if err := json.Unmarshal(plain, &c); err != nil {
			return nil, fmt.Errorf("reading thread message %d of recording %s: %w", m.ID, rec, err)
		}
		m.Kind, m.CreatedAt, m.Text, m.Lines = ThreadKind(kind), fromNanos(at), c.Text, c.Lines
		m.Engine, m.Notice, m.Transcript, m.ReplyTo = c.Engine, c.Notice, c.Transcript, c.ReplyTo
		out = append(out, m)
	}
	return out, rows.Err()
}

// checkThreadMessage checks m's kind, author and the size and characters of its texts.
func checkThreadMessage(m ThreadMessage) error {
	switch m.Kind {
	case ThreadSummary, ThreadAnswer:
	case ThreadQuestion:
		if m.Author == "" {
			return fmt.Errorf("%w: a question without an author", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: unknown thread message kind %q", ErrInvalid, m.Kind)
	}
	if m.ReplyTo != 0 && m.Kind != ThreadAnswer {
		return fmt.Errorf("%w: a %s cannot reply to a question", ErrInvalid, m.Kind)
	}
	if err := checkThreadText(m.Notice); err != nil {
		return fmt.Errorf("notice: %w", err)
	}
	if strings.TrimSpace(m.Text) == "" {
		return fmt.Errorf("%w: empty thread message text", ErrInvalid)
	}
	if len(m.Lines) > MaxThreadLines {
		return fmt.Errorf("%w: %d lines, more than %d", ErrInvalid, len(m.Lines), MaxThreadLines)
	}
	if err := checkThreadText(m.Text); err != nil {
		return err
	}
	for i, l := range m.Lines {
		for _, text := range []string{l.Text, l.Heading, l.Speaker} {
			if err := checkThreadText(text); err != nil {
				return fmt.Errorf("line %d: %w", i, err)
			}
		}
		// A sentence that cites nothing is stored to be shown flagged, never dropped.
		if (len(l.Segments) == 0 && !l.Unsupported) || len(l.Segments) > MaxThreadCitations {
			return fmt.Errorf("%w: line %d cites %d segments, want 1 to %d", ErrInvalid, i, len(l.Segments), MaxThreadCitations)
		}
		for _, reason := range l.Reasons {
			if err := checkThreadText(reason); err != nil {
				return fmt.Errorf("line %d reason: %w", i, err)
			}
		}
	}
	return nil
}

// checkThreadText checks the length of text and its characters, by the
// rule of CheckText.
func checkThreadText(text string) error {
	if utf8.RuneCountInString(text) > MaxThreadTextLength {
		return fmt.Errorf("%w: text longer than %d characters", ErrInvalid, MaxThreadTextLength)
	}
	return CheckText(text)
}

// checkCitations checks that every segment the lines cite belongs to rec.
func checkCitations(ctx context.Context, tx *sql.Tx, rec string, lines []ThreadLine) error {
	for _, l := range lines {
		for _, seg := range l.Segments {
			var owner string
			err := tx.QueryRowContext(ctx, `SELECT recording_id FROM segments WHERE id = ?`, seg).Scan(&owner)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != rec) {
				return fmt.Errorf("%w: cited segment %d is not in recording %s", ErrInvalid, seg, rec)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}
