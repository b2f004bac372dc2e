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
