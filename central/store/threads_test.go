package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// threadEnv returns a store with recording rec-1 and its two segments' ids.
func threadEnv(t *testing.T) (*env, []int64) {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 16000, 0)
	job, err := e.s.AddJob(ctx, "rec-1", 0, 16000, 16000)
	if err != nil {
		t.Fatal(err)
	}
	err = e.s.FinishJob(ctx, job.ID, []Segment{
		{Start: 0, End: time.Second / 2, Text: " Vi bokar ett nytt möte den 12 mars."},
		{Start: time.Second / 2, End: time.Second, Text: " Hyran är betald."},
	})
	if err != nil {
		t.Fatal(err)
	}
	segs, err := e.s.Segments(ctx, "rec-1")
	if err != nil || len(segs) != 2 {
		t.Fatalf("Segments = %d, %v, want 2 segments", len(segs), err)
	}
	return e, []int64{segs[0].ID, segs[1].ID}
}

func TestThreadSealedAndOrdered(t *testing.T) {
	e, segs := threadEnv(t)
	ctx := context.Background()

	want := []ThreadMessage{
		{Kind: ThreadSummary, Text: "Sammanfattning", Lines: []ThreadLine{{Heading: "Nästa steg", Speaker: "Talare 1", Text: "Zetterqvist bokar ett nytt möte den 12 mars.", Segments: []int64{segs[0]}}}},
		{Kind: ThreadQuestion, Text: "Är hyran betald för Zätterlund?", Author: "acc-1"},
		{Kind: ThreadAnswer, Text: "Det här sägs i mötet om frågan:", Lines: []ThreadLine{{Text: "Hyran är betald.", Segments: []int64{segs[1]}, Unsupported: true}}},
	}
	for _, m := range want {
		got, err := e.s.AddThreadMessage(ctx, "rec-1", m)
		if err != nil {
			t.Fatalf("AddThreadMessage(%s) = %v", m.Kind, err)
		}
		if got.ID == 0 || got.CreatedAt.IsZero() {
			t.Errorf("AddThreadMessage(%s) = id %d, time %v, want both set", m.Kind, got.ID, got.CreatedAt)
		}
	}

	e.reopen(t)
	got, err := e.s.Thread(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(ThreadMessage{}, "ID", "CreatedAt")); diff != "" {
		t.Errorf("Thread mismatch (-want +got):\n%s", diff)
	}
	if n, err := e.s.ThreadLen(ctx, "rec-1"); err != nil || n != len(want) {
		t.Errorf("ThreadLen = %d, %v, want %d", n, err, len(want))
	}
	for file, content := range fileContents(t, e) {
		for _, secret := range []string{"Zetterqvist", "Zätterlund"} {
			if bytes.Contains(content, []byte(secret)) {
				t.Errorf("%s holds %q of a thread message in plaintext", file, secret)
			}
		}
	}
}

func TestThreadOneSummary(t *testing.T) {
	e, segs := threadEnv(t)
	ctx := context.Background()
	m := ThreadMessage{Kind: ThreadSummary, Text: "Sammanfattning", Lines: []ThreadLine{{Text: "Hyran är betald.", Segments: segs[1:]}}}

	if _, err := e.s.AddThreadMessage(ctx, "rec-1", m); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.AddThreadMessage(ctx, "rec-1", m); !errors.Is(err, ErrConflict) {
		t.Errorf("second summary: AddThreadMessage = %v, want ErrConflict", err)
	}
}

func TestThreadRejectsBadMessages(t *testing.T) {
	e, segs := threadEnv(t)
	ctx := context.Background()
	line := func(text string, cited ...int64) []ThreadLine { return []ThreadLine{{Text: text, Segments: cited}} }

	tests := []struct {
		name string
		m    ThreadMessage
	}{
		{"unknown kind", ThreadMessage{Kind: "note", Text: "x"}},
		{"empty text", ThreadMessage{Kind: ThreadAnswer, Text: "  "}},
		{"question without author", ThreadMessage{Kind: ThreadQuestion, Text: "Vad hände?"}},
		{"too long", ThreadMessage{Kind: ThreadQuestion, Author: "acc-1", Text: strings.Repeat("a", MaxThreadTextLength+1)}},
		{"control character", ThreadMessage{Kind: ThreadQuestion, Author: "acc-1", Text: "a\x00b"}},
		{"line without citation", ThreadMessage{Kind: ThreadAnswer, Text: "Svar", Lines: line("Hyran är betald.")}},
		{"unknown segment", ThreadMessage{Kind: ThreadAnswer, Text: "Svar", Lines: line("Hyran är betald.", segs[1]+100)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := e.s.AddThreadMessage(ctx, "rec-1", tt.m); !errors.Is(err, ErrInvalid) {
				t.Errorf("AddThreadMessage = %v, want ErrInvalid", err)
			}
		})
	}
	if got, err := e.s.Thread(ctx, "rec-1"); err != nil || len(got) != 0 {
		t.Errorf("Thread = %d messages, %v, want none stored", len(got), err)
	}
}

func TestThreadDeletedWithRecording(t *testing.T) {
	e, segs := threadEnv(t)
	ctx := context.Background()
	if _, err := e.s.AddThreadMessage(ctx, "rec-1", ThreadMessage{Kind: ThreadAnswer, Text: "Svar", Lines: []ThreadLine{{Text: "Hyran är betald.", Segments: segs[1:]}}}); err != nil {
		t.Fatal(err)
	}

	if err := e.s.DeleteRecording(ctx, "rec-1", "test"); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, e, "thread_messages", "rec-1"); n != 0 {
		t.Errorf("%d thread messages left after deletion, want 0", n)
	}
	if _, err := e.s.Thread(ctx, "rec-1"); !errors.Is(err, ErrDeleted) {
		t.Errorf("Thread after deletion = %v, want ErrDeleted", err)
	}
	if _, err := e.s.AddThreadMessage(ctx, "rec-1", ThreadMessage{Kind: ThreadQuestion, Author: "acc-1", Text: "Vad hände?"}); !errors.Is(err, ErrDeleted) {
		t.Errorf("AddThreadMessage after deletion = %v, want ErrDeleted", err)
	}
}

func TestThreadNewerSummaryKeepsEarlier(t *testing.T) {
	e, segs := threadEnv(t)
	ctx := context.Background()
	summary := func(text, engine string) ThreadMessage {
		return ThreadMessage{Kind: ThreadSummary, Text: "Sammanfattning", Engine: engine, Transcript: "digest-" + engine,
			Lines: []ThreadLine{{Text: text, Segments: segs[:1]}}}
	}

	first, err := e.s.AddThreadMessage(ctx, "rec-1", summary("Ett nytt möte bokas.", "embedded"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.AddNewerSummary(ctx, "rec-1", summary("Fel ordning.", "x"), first.ID+100); !errors.Is(err, ErrConflict) {
		t.Errorf("AddNewerSummary after a summary that is not the newest = %v, want ErrConflict", err)
	}
	second, err := e.s.AddNewerSummary(ctx, "rec-1", summary("Mötet bokas den 12 mars.", "qwen"), first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.AddNewerSummary(ctx, "rec-1", summary("Samma tur.", "qwen"), first.ID); !errors.Is(err, ErrConflict) {
		t.Errorf("second AddNewerSummary replacing the same summary = %v, want ErrConflict", err)
	}
	if _, err := e.s.AddThreadMessage(ctx, "rec-1", summary("Ännu en.", "embedded")); !errors.Is(err, ErrConflict) {
		t.Errorf("AddThreadMessage of a summary when one exists = %v, want ErrConflict", err)
	}

	e.reopen(t)
	got, err := e.s.Thread(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []ThreadMessage{summary("Ett nytt möte bokas.", "embedded"), summary("Mötet bokas den 12 mars.", "qwen")}
	want[0].ID, want[1].ID = first.ID, second.ID
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(ThreadMessage{}, "CreatedAt")); diff != "" {
		t.Errorf("Thread after a newer summary (-want +got):\n%s", diff)
	}
}

func TestThreadAnswerFields(t *testing.T) {
	e, segs := threadEnv(t)
	ctx := context.Background()
	q, err := e.s.AddThreadMessage(ctx, "rec-1", ThreadMessage{Kind: ThreadQuestion, Text: "Är hyran betald?", Author: "acc-1"})
	if err != nil {
		t.Fatal(err)
	}
	answer := ThreadMessage{
		Kind: ThreadAnswer, Text: "Svar", ReplyTo: q.ID, Engine: "qwen", Notice: "Kontrollera svaret.",
		Lines: []ThreadLine{
			{Text: "Hyran är betald.", Segments: segs[1:], Written: true},
			{Text: "Hyran betalades den 3 maj.", Unsupported: true, Written: true, Reasons: []string{"Meningen hänvisar inte till någon del av utskriften."}},
			{Text: "Hyran är betald.", Segments: segs[1:]},
		},
	}
	stored, err := e.s.AddThreadMessage(ctx, "rec-1", answer)
	if err != nil {
		t.Fatal(err)
	}

	got, err := e.s.Thread(ctx, "rec-1")
	if err != nil || len(got) != 2 {
		t.Fatalf("Thread = %d messages, %v, want 2", len(got), err)
	}
	answer.ID = stored.ID
	if diff := cmp.Diff(answer, got[1], cmpopts.IgnoreFields(ThreadMessage{}, "CreatedAt")); diff != "" {
		t.Errorf("stored answer (-want +got):\n%s", diff)
	}

	bad := []struct {
		name string
		m    ThreadMessage
	}{
		{"reply to an answer", ThreadMessage{Kind: ThreadAnswer, Text: "Svar", ReplyTo: stored.ID}},
		{"reply to an unknown message", ThreadMessage{Kind: ThreadAnswer, Text: "Svar", ReplyTo: stored.ID + 100}},
		{"question replying", ThreadMessage{Kind: ThreadQuestion, Text: "Fråga?", Author: "acc-1", ReplyTo: q.ID}},
		{"supported line without citation", ThreadMessage{Kind: ThreadAnswer, Text: "Svar", Lines: []ThreadLine{{Text: "Hyran är betald.", Written: true}}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := e.s.AddThreadMessage(ctx, "rec-1", tt.m); !errors.Is(err, ErrInvalid) {
				t.Errorf("AddThreadMessage = %v, want ErrInvalid", err)
			}
		})
	}
}
