package pipeline

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ordagrann/ordagrann/central/asr"
	"github.com/ordagrann/ordagrann/central/asr/asrtest"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/central/vad"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// engines returns a fake engine of each kind, with its asr.Engine.
func engines(t *testing.T) map[string]struct {
	srv    *asrtest.Server
	engine asr.Engine
} {
	t.Helper()
	out := map[string]struct {
		srv    *asrtest.Server
		engine asr.Engine
	}{}
	w := asrtest.NewWhisper(t)
	we, err := asr.New(asr.KindWhisperServer, w.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	out[asr.KindWhisperServer] = struct {
		srv    *asrtest.Server
		engine asr.Engine
	}{w, we}

	o := asrtest.NewOpenAI(t, "sk-test")
	oe, err := asr.New(asr.KindOpenAI, o.URL, &asr.Options{APIKey: "sk-test"})
	if err != nil {
		t.Fatal(err)
	}
	out[asr.KindOpenAI] = struct {
		srv    *asrtest.Server
		engine asr.Engine
	}{o, oe}
	return out
}

func TestSegmentTimesAreAbsolute(t *testing.T) {
	for kind, eng := range engines(t) {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			r := newRecording(t, e, "rec-1", 2, make([]int16, 20*16000))
			r.end(t, e.st)
			p := e.pipeline(t, Options{Engine: eng.engine})

			// A piece from 12.5 s to 15.5 s.
			job, err := e.st.AddJob(ctx, "rec-1", 200000, 248000, 248000)
			if err != nil {
				t.Fatal(err)
			}
			if n := p.Work(ctx); n != 1 {
				t.Fatalf("Work() = %d, want 1 job done", n)
			}

			segs, err := e.st.Segments(ctx, "rec-1")
			if err != nil {
				t.Fatal(err)
			}
			prob := func(whisper float64) float64 {
				if kind == asr.KindOpenAI {
					return -1
				}
				return whisper
			}
			want := []store.Segment{
				{RecordingID: "rec-1", JobID: job.ID, Start: ms(13500), End: ms(14500), Text: "Hej och välkommen.", AvgLogprob: -0.25, NoSpeechProb: 0.01, Engine: eng.engine.Name(),
					Words: []store.Word{
						{Text: "Hej", Start: ms(13500), End: ms(13700), Probability: prob(0.9)},
						{Text: "och", Start: ms(13700), End: ms(13900), Probability: prob(0.8)},
						{Text: "välkommen.", Start: ms(13900), End: ms(14500), Probability: prob(0.55)},
					}},
				{RecordingID: "rec-1", JobID: job.ID, Start: ms(15000), End: ms(16500), Text: "Vi börjar nu.", AvgLogprob: -0.31, NoSpeechProb: 0.02, Engine: eng.engine.Name(),
					Words: []store.Word{
						{Text: "Vi", Start: ms(15000), End: ms(15300), Probability: prob(0.95)},
						{Text: "börjar", Start: ms(15300), End: ms(15900), Probability: prob(0.6)},
						{Text: "nu.", Start: ms(16000), End: ms(16500), Probability: prob(0.9)},
					}},
			}
			if diff := cmp.Diff(want, segs, cmpopts.IgnoreFields(store.Segment{}, "ID"), cmpopts.EquateApprox(0, 1e-9)); diff != "" {
				t.Errorf("Segments() mismatch (-want +got):\n%s", diff)
			}

			reqs := eng.srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("engine received %d requests, want 1", len(reqs))
			}
			if got := reqs[0]; got.Rate != 16000 || got.Channels != 1 || got.Duration != 3*time.Second {
				t.Errorf("engine received %d Hz, %d channels, %s; want 16000 Hz mono, 3s", got.Rate, got.Channels, got.Duration)
			}
			if got := reqs[0].Fields["language"]; len(got) != 1 || got[0] != "sv" {
				t.Errorf("engine was asked for language %q, want sv", got)
			}
		})
	}
}

// checkJobsCoverSpeech fails unless the jobs are ordered, disjoint, within
// the recording, and each clip's middle lies in a job.
func checkJobsCoverSpeech(t *testing.T, jobs []store.Job, spans [][2]uint64, frames uint64) {
	t.Helper()
	if len(jobs) < len(spans) {
		t.Errorf("got %d jobs, want at least one per clip (%d)", len(jobs), len(spans))
	}
	for i, j := range jobs {
		if j.EndFrame <= j.StartFrame || j.EndFrame > frames {
			t.Errorf("job %d covers frames [%d, %d), outside the recording's %d", i, j.StartFrame, j.EndFrame, frames)
		}
		if i > 0 && j.StartFrame < jobs[i-1].EndFrame {
			t.Errorf("job %d [%d, %d) overlaps the job before [%d, %d)", i, j.StartFrame, j.EndFrame, jobs[i-1].StartFrame, jobs[i-1].EndFrame)
		}
	}
	for _, s := range spans {
		mid := (s[0] + s[1]) / 2
		found := false
		for _, j := range jobs {
			found = found || (j.StartFrame <= mid && mid < j.EndFrame)
		}
		if !found {
			t.Errorf("speech at frame %d is in no job", mid)
		}
	}
}

func TestTranscribesMeeting(t *testing.T) {
	signal, spans := meeting(t)
	e := newEnv(t)
	ctx := context.Background()
	srv := asrtest.NewWhisper(t)
	eng, err := asr.New(asr.KindWhisperServer, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := e.pipeline(t, Options{Engine: eng})
	r := newRecording(t, e, "rec-1", 2, signal)

	// Audio arrives chunk by chunk, and the pipeline follows it.
	for c := 1; c <= r.chunks(); c++ {
		r.send(t, e.st, c)
		p.SegmentAll(ctx)
		p.Work(ctx)
	}
	r.end(t, e.st)
	p.SegmentAll(ctx)
	p.Work(ctx)

	jobs, err := e.st.Jobs(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	checkJobsCoverSpeech(t, jobs, spans, uint64(r.frames()))
	for _, j := range jobs {
		if !j.Done {
			t.Errorf("job %d is not done after the recording ended: %+v", j.ID, j)
		}
	}
	cursor, err := e.st.SegmenterCursor(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if cursor != uint64(r.frames()) {
		t.Errorf("SegmenterCursor() = %d, want %d (the end)", cursor, r.frames())
	}

	segs, err := e.st.Segments(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 2*len(jobs) {
		t.Fatalf("got %d segments, want 2 per job (%d jobs)", len(segs), len(jobs))
	}
	starts := map[int64]time.Duration{}
	for _, j := range jobs {
		starts[j.ID] = framesToDuration(j.StartFrame, 16000)
	}
	for _, s := range segs {
		if off := s.Start - starts[s.JobID]; off != time.Second && off != 2500*time.Millisecond {
			t.Errorf("segment of job %d starts %s after its piece, want 1s or 2.5s as in the fixture", s.JobID, off)
		}
	}
}

func TestEngineDownThenUp(t *testing.T) {
	signal, spans := meeting(t)
	e := newEnv(t)
	ctx := context.Background()
	srv := asrtest.NewWhisper(t)
	eng, err := asr.New(asr.KindWhisperServer, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := e.pipeline(t, Options{Engine: eng})
	r := newRecording(t, e, "rec-1", 1, signal)
	r.end(t, e.st)
	if err := srv.SetMode(asrtest.Refused); err != nil {
		t.Fatal(err)
	}

	p.SegmentAll(ctx)
	if n := p.Work(ctx); n != 0 {
		t.Fatalf("Work() with the engine down = %d, want 0", n)
	}

	jobs, err := e.st.Jobs(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	checkJobsCoverSpeech(t, jobs, spans, uint64(r.frames()))
	for _, j := range jobs {
		if j.Done || j.Attempts != 1 || !strings.Contains(j.LastError, "unavailable") {
			t.Errorf("job after one failed attempt = %+v, want not done, 1 attempt, an unavailable reason", j)
		}
		if want := e.clock.Now().Add(5 * time.Second); !j.NextAttempt.Equal(want) {
			t.Errorf("job %d next attempt = %s, want %s (after 5s)", j.ID, j.NextAttempt, want)
		}
	}

	// Nothing is due before the backoff has passed.
	if n := p.Work(ctx); n != 0 || len(srv.Requests()) != 0 {
		t.Fatalf("Work() before the retry time = %d", n)
	}
	e.clock.Advance(5 * time.Second)
	p.Work(ctx)
	jobs, err = e.st.Jobs(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if want := e.clock.Now().Add(10 * time.Second); j.Attempts != 2 || !j.NextAttempt.Equal(want) {
			t.Errorf("job after two failed attempts = %+v, want 2 attempts and next attempt %s (backoff doubled)", j, want)
		}
	}

	if err := srv.SetMode(asrtest.OK); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Second)
	if n := p.Work(ctx); n != len(jobs) {
		t.Errorf("Work() with the engine back = %d, want %d", n, len(jobs))
	}
	jobs, err = e.st.Jobs(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if !j.Done {
			t.Errorf("job %+v is not done after the engine came back", j)
		}
	}
}

func TestBackoffCapped(t *testing.T) {
	p := &Pipeline{retryMin: 5 * time.Second, retryMax: 5 * time.Minute}
	tests := []struct {
		attempts int
		want     time.Duration
	}{
		{0, 5 * time.Second},
		{1, 10 * time.Second},
		{5, 160 * time.Second},
		{6, 5 * time.Minute},
		{1000, 5 * time.Minute},
	}
	for _, tt := range tests {
		if got := p.backoff(tt.attempts); got != tt.want {
			t.Errorf("backoff(%d) = %s, want %s", tt.attempts, got, tt.want)
		}
	}
}

func TestRejectedJobWaitsLong(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	srv := asrtest.NewWhisper(t)
	srv.SetFixture([]byte(`{"text":"only text"}`))
	eng, err := asr.New(asr.KindWhisperServer, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := e.pipeline(t, Options{Engine: eng})
	r := newRecording(t, e, "rec-1", 1, make([]int16, 5*16000))
	r.end(t, e.st)
	if _, err := e.st.AddJob(ctx, "rec-1", 0, 16000, 16000); err != nil {
		t.Fatal(err)
	}

	p.Work(ctx)

	jobs, err := e.st.Jobs(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	j := jobs[0]
	if j.Done || !strings.Contains(j.LastError, "rejected") || !strings.Contains(j.LastError, "no segments") {
		t.Errorf("job after a rejection = %+v, want not done with the reason", j)
	}
	if want := e.clock.Now().Add(6 * time.Hour); !j.NextAttempt.Equal(want) {
		t.Errorf("next attempt = %s, want %s (6h later)", j.NextAttempt, want)
	}

	srv.SetFixture(asrtest.WhisperFixture)
	e.clock.Advance(6 * time.Hour)
	if n := p.Work(ctx); n != 1 {
		t.Errorf("Work() after the delay = %d, want 1", n)
	}
}

func TestNoEngineJobsWait(t *testing.T) {
	signal, spans := meeting(t)
	e := newEnv(t)
	ctx := context.Background()
	p := e.pipeline(t, Options{})
	r := newRecording(t, e, "rec-1", 1, signal)
	r.end(t, e.st)

	if p.EngineConfigured() {
		t.Error("EngineConfigured() = true without an engine")
	}
	p.SegmentAll(ctx)
	if n := p.Work(ctx); n != 0 {
		t.Errorf("Work() without an engine = %d, want 0", n)
	}

	jobs, err := e.st.Jobs(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	checkJobsCoverSpeech(t, jobs, spans, uint64(r.frames()))
	for _, j := range jobs {
		if j.Done || j.Attempts != 0 {
			t.Errorf("job without an engine = %+v, want pending with no attempts", j)
		}
	}
}

func TestSilentRecordingHasNoJobs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.pipeline(t, Options{})
	r := newRecording(t, e, "rec-1", 2, make([]int16, 30*16000))
	r.end(t, e.st)

	p.SegmentAll(ctx)

	jobs, err := e.st.Jobs(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 0 {
		t.Errorf("silent recording got jobs %+v, want none", jobs)
	}
	cursor, err := e.st.SegmenterCursor(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if cursor != uint64(r.frames()) {
		t.Errorf("SegmenterCursor() = %d, want %d", cursor, r.frames())
	}
}

func TestRestartResumes(t *testing.T) {
	signal, spans := meeting(t)
	e := newEnv(t)
	ctx := context.Background()
	srv := asrtest.NewWhisper(t)
	eng, err := asr.New(asr.KindWhisperServer, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := newRecording(t, e, "rec-1", 2, signal)

	// The first process gets half of the recording and transcribes it.
	half := r.chunks() / 2
	r.send(t, e.st, half)
	p := e.pipeline(t, Options{Engine: eng})
	p.SegmentAll(ctx)
	done := p.Work(ctx)
	if done == 0 {
		t.Fatalf("Work() on the first half = 0 jobs done, want some")
	}
	cursorBefore, err := e.st.SegmenterCursor(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}

	// The service restarts; the rest arrives while it is down.
	e.restart(t)
	r.end(t, e.st)
	p = e.pipeline(t, Options{Engine: eng})
	p.SegmentAll(ctx)
	done += p.Work(ctx)

	jobs, err := e.st.Jobs(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	checkJobsCoverSpeech(t, jobs, spans, uint64(r.frames()))
	if done != len(jobs) {
		t.Errorf("jobs done over both runs = %d, want each of the %d jobs once", done, len(jobs))
	}
	for _, j := range jobs {
		if !j.Done || j.Attempts != 1 {
			t.Errorf("job %+v, want done in one attempt", j)
		}
	}
	if cursorBefore == 0 {
		t.Errorf("cursor before the restart = 0, want progress")
	}
	if got := len(srv.Requests()); got != len(jobs) {
		t.Errorf("engine received %d requests, want %d (one per job)", got, len(jobs))
	}
}

func TestRunNotify(t *testing.T) {
	signal, _ := meeting(t)
	e := newEnv(t)
	srv := asrtest.NewOpenAI(t, "")
	eng, err := asr.New(asr.KindOpenAI, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := &recordingStore{Store: e.st, finished: make(chan int64, 100), retried: make(chan int64, 100)}
	p, err := New(rs, &Options{Engine: eng, Clock: e.clock, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	r := newRecording(t, e, "rec-1", 1, signal)
	r.end(t, e.st)
	seg, err := vad.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	pieces, _, err := seg.Cut(signal, 0, true)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- p.Run(ctx) }()
	p.Notify("rec-1")

	deadline := time.After(30 * time.Second)
	var finished []int64
	for len(finished) < len(pieces) {
		select {
		case id := <-rs.finished:
			finished = append(finished, id)
		case id := <-rs.retried:
			t.Fatalf("job %d was retried, want it done at once", id)
		case <-deadline:
			t.Fatalf("after Notify %d jobs finished within 30s, want %d", len(finished), len(pieces))
		}
	}

	cancel()
	if err := <-stopped; err != nil {
		t.Errorf("Run() = %v, want nil after cancel", err)
	}
	jobs, err := e.st.Jobs(context.Background(), "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != len(finished) {
		t.Errorf("store has %d jobs, Run finished %d", len(jobs), len(finished))
	}
}

func TestNewRejectsOptions(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		opts Options
	}{
		{"workers", Options{Workers: 2}},
		{"negative", Options{RetryMin: -time.Second}},
		{"max_below_min", Options{RetryMin: time.Minute, RetryMax: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(e.st, &tt.opts); err == nil {
				t.Errorf("New(%+v) succeeded, want an error", tt.opts)
			}
		})
	}
}

func TestRunRetriesUntilEngineReturns(t *testing.T) {
	signal, _ := meeting(t)
	e := newEnv(t)
	srv := asrtest.NewWhisper(t)
	if err := srv.SetMode(asrtest.Unavailable); err != nil {
		t.Fatal(err)
	}
	eng, err := asr.New(asr.KindWhisperServer, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := &recordingStore{Store: e.st, finished: make(chan int64, 100), retried: make(chan int64, 100)}
	p, err := New(rs, &Options{Engine: eng, Clock: e.clock, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	r := newRecording(t, e, "rec-1", 1, signal)
	r.end(t, e.st)
	seg, err := vad.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	pieces, _, err := seg.Cut(signal, 0, true)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- p.Run(ctx) }()
	defer func() {
		cancel()
		<-stopped
	}()

	deadline := time.After(30 * time.Second)
	wait := func(ch chan int64, what string) {
		t.Helper()
		for n := 0; n < len(pieces); n++ {
			select {
			case <-ch:
			case <-deadline:
				t.Fatalf("%d jobs %s within 30s, want %d", n, what, len(pieces))
			}
		}
	}
	wait(rs.retried, "retried while the engine responded 503")

	if err := srv.SetMode(asrtest.OK); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Second)
	wait(rs.finished, "finished after the engine came back")
}

func TestResamplesForEngine(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	srv := asrtest.NewWhisper(t)
	eng, err := asr.New(asr.KindWhisperServer, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := e.pipeline(t, Options{Engine: eng})
	r := newRecordingAt(t, e, "rec-48k", 48000, 1, make([]int16, 10*48000))
	r.end(t, e.st)

	// A 2 s piece from 6 s at 48 kHz.
	if _, err := e.st.AddJob(ctx, "rec-48k", 6*48000, 8*48000, 8*48000); err != nil {
		t.Fatal(err)
	}
	if n := p.Work(ctx); n != 1 {
		t.Fatalf("Work() = %d, want 1", n)
	}

	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Rate != 16000 || reqs[0].Duration != 2*time.Second {
		t.Fatalf("engine received %+v, want one 2s request at 16000 Hz", reqs)
	}
	segs, err := e.st.Segments(ctx, "rec-48k")
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) == 0 || segs[0].Start != 7*time.Second {
		t.Errorf("first segment = %+v, want a start at 7s (6s piece + 1s)", segs)
	}
}

func TestDeletedRecordingSkipped(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	srv := asrtest.NewWhisper(t)
	eng, err := asr.New(asr.KindWhisperServer, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := e.pipeline(t, Options{Engine: eng})
	r := newRecording(t, e, "rec-1", 1, make([]int16, 5*16000))
	r.end(t, e.st)
	if _, err := e.st.AddJob(ctx, "rec-1", 0, 16000, 16000); err != nil {
		t.Fatal(err)
	}

	if err := e.st.DeleteRecording(ctx, "rec-1", "withdrawn"); err != nil {
		t.Fatal(err)
	}
	p.SegmentAll(ctx)
	n := p.Work(ctx)

	if n != 0 {
		t.Errorf("Work() after the deletion = %d, want 0", n)
	}
	if got := len(srv.Requests()); got != 0 {
		t.Errorf("engine received %d requests for a deleted recording, want 0", got)
	}
}
