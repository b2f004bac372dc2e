package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestJobQueueSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const frames = 16000
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, frames, 0, 1, 2)

	cursor, err := e.s.SegmenterCursor(ctx, "rec-1")
	if err != nil || cursor != 0 {
		t.Fatalf("SegmenterCursor of a new recording = %d, %v, want 0", cursor, err)
	}
	first, err := e.s.AddJob(ctx, "rec-1", 0, 20000, 20000)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetSegmenterCursor(ctx, "rec-1", 24000); err != nil { // silence
		t.Fatal(err)
	}
	second, err := e.s.AddJob(ctx, "rec-1", 24000, 40000, 41000)
	if err != nil {
		t.Fatal(err)
	}

	again, err := e.s.AddJob(ctx, "rec-1", 0, 20000, 20000)
	if err != nil || again.ID != first.ID {
		t.Errorf("repeated AddJob = %+v, %v, want job %d", again, err, first.ID)
	}
	if _, err := e.s.AddJob(ctx, "rec-1", 0, 21000, 21000); !errors.Is(err, ErrConflict) {
		t.Errorf("AddJob with another end at a stored start = %v, want ErrConflict", err)
	}
	if _, err := e.s.AddJob(ctx, "rec-1", 41000, 3*frames+1, 3*frames+1); err == nil {
		t.Error("AddJob past the contiguous frames = nil error, want an error")
	}
	if err := e.s.SetSegmenterCursor(ctx, "rec-1", 100); err != nil {
		t.Fatal(err)
	}
	if cursor, _ := e.s.SegmenterCursor(ctx, "rec-1"); cursor != 41000 {
		t.Errorf("SegmenterCursor after a backward set = %d, want 41000", cursor)
	}

	now := e.clock.Now()
	if err := e.s.RetryJob(ctx, first.ID, now.Add(time.Minute), "engine unreachable"); err != nil {
		t.Fatal(err)
	}

	e.reopen(t)

	if cursor, err := e.s.SegmenterCursor(ctx, "rec-1"); err != nil || cursor != 41000 {
		t.Errorf("SegmenterCursor after reopen = %d, %v, want 41000", cursor, err)
	}
	got, ok, err := e.s.NextJob(ctx, now)
	if err != nil || !ok || got.ID != second.ID {
		t.Fatalf("NextJob while the first waits for its retry = %+v, %v, %v, want job %d", got, ok, err, second.ID)
	}
	got, ok, err = e.s.NextJob(ctx, now.Add(time.Minute))
	if err != nil || !ok {
		t.Fatalf("NextJob after the retry time = %v, %v", ok, err)
	}
	want := Job{ID: first.ID, RecordingID: "rec-1", StartFrame: 0, EndFrame: 20000, Attempts: 1,
		NextAttempt: now.Add(time.Minute), LastError: "engine unreachable"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NextJob (-want +got):\n%s", diff)
	}

	segs := []Segment{
		{Start: 300 * time.Millisecond, End: 900 * time.Millisecond, Text: "Hej och välkommen.", AvgLogprob: -0.2, NoSpeechProb: 0.01, Engine: "whisper-server",
			Words: []Word{{Text: "Hej", Start: 300 * time.Millisecond, End: 500 * time.Millisecond, Probability: 0.97}}},
		{Start: 0, End: 300 * time.Millisecond, Text: "Ja.", Engine: "whisper-server"},
	}
	if err := e.s.FinishJob(ctx, first.ID, segs); err != nil {
		t.Fatal(err)
	}
	if err := e.s.FinishJob(ctx, first.ID, segs); !errors.Is(err, ErrConflict) {
		t.Errorf("second FinishJob = %v, want ErrConflict", err)
	}
	if err := e.s.RetryJob(ctx, first.ID, now, "late"); !errors.Is(err, ErrConflict) {
		t.Errorf("RetryJob of a done job = %v, want ErrConflict", err)
	}
	if err := e.s.FinishJob(ctx, 999, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishJob of an unknown job = %v, want ErrNotFound", err)
	}

	e.reopen(t)

	gotSegs, err := e.s.Segments(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.s.SegmentCount(ctx, "rec-1"); err != nil || n != len(segs) {
		t.Errorf("SegmentCount = %d, %v, want %d", n, err, len(segs))
	}
	wantSegs := []Segment{segs[1], segs[0]}
	for i := range wantSegs {
		wantSegs[i].RecordingID, wantSegs[i].JobID = "rec-1", first.ID
	}
	if diff := cmp.Diff(wantSegs, gotSegs, cmpIgnoreSegmentID); diff != "" {
		t.Errorf("Segments (-want +got):\n%s", diff)
	}

	jobs, err := e.s.Jobs(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || !jobs[0].Done || jobs[0].Attempts != 2 || jobs[1].Done {
		t.Errorf("Jobs = %+v, want the first done after 2 attempts and the second pending", jobs)
	}
	if got, ok, err := e.s.NextJob(ctx, now.Add(time.Hour)); err != nil || !ok || got.ID != second.ID {
		t.Errorf("NextJob after finishing the first = %+v, %v, %v, want job %d", got, ok, err, second.ID)
	}
}

var cmpIgnoreSegmentID = cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "ID" }, cmp.Ignore())

func TestJobsDeletedWithRecording(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1600, 0)
	job, err := e.s.AddJob(ctx, "rec-1", 0, 1600, 1600)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteRecording(ctx, "rec-1", "withdrawn"); err != nil {
		t.Fatal(err)
	}

	if _, ok, err := e.s.NextJob(ctx, e.clock.Now().Add(time.Hour)); err != nil || ok {
		t.Errorf("NextJob after delete = %v, %v, want no job", ok, err)
	}
	if err := e.s.FinishJob(ctx, job.ID, []Segment{{Text: "x"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishJob of a deleted recording's job = %v, want ErrNotFound", err)
	}
	if _, err := e.s.AddJob(ctx, "rec-1", 0, 1600, 1600); !errors.Is(err, ErrDeleted) {
		t.Errorf("AddJob to a deleted recording = %v, want ErrDeleted", err)
	}
}

func TestNextJobEmpty(t *testing.T) {
	e := newEnv(t)
	if _, ok, err := e.s.NextJob(context.Background(), e.clock.Now()); err != nil || ok {
		t.Errorf("NextJob on an empty queue = %v, %v, want false, nil", ok, err)
	}
}
