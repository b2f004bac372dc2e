package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/asr/asrtest"
	"github.com/ordagrann/ordagrann/central/speakers"
	"github.com/ordagrann/ordagrann/hal/sim"
)

// TestMeetingTranscribed runs a meeting through the fake whisper.cpp
// server. Its fixture has segments at 1.0-2.0 s and 2.5-4.0 s of every
// piece, so each transcript row must sit at its job's start plus those offsets.
func TestMeetingTranscribed(t *testing.T) {
	engine := asrtest.NewWhisper(t)
	f := newFleet(t)

	// The engine is down while the meeting arrives; jobs wait and retry.
	if err := engine.SetMode(asrtest.Unavailable); err != nil {
		t.Fatal(err)
	}
	c := f.startCentral(t, engine.URL)
	bx := f.startBox(t, wavMic(t, meeting1ch, sim.EndEOF))
	startMeeting(t, bx)
	rec := waitComplete(t, c)

	ctx := context.Background()
	eventually(t, "transcription jobs to be cut", func() (bool, error) {
		jobs, err := c.svc.Store().Jobs(ctx, rec.ID)
		return err == nil && len(jobs) > 0, err
	})
	if err := engine.SetMode(asrtest.OK); err != nil {
		t.Fatal(err)
	}
	eventuallyLong(t, "every transcription job to finish", func() (bool, error) {
		jobs, err := c.svc.Store().Jobs(ctx, rec.ID)
		if err != nil {
			return false, err
		}
		for _, j := range jobs {
			if !j.Done {
				return false, nil
			}
		}
		return true, nil
	})

	jobs, err := c.svc.Store().Jobs(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	segs, err := c.svc.Store().Segments(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 2*len(jobs) {
		t.Fatalf("%d segments for %d jobs, want two per job", len(segs), len(jobs))
	}
	jobStart := map[int64]time.Duration{}
	for _, j := range jobs {
		jobStart[j.ID] = time.Duration(j.StartFrame) * time.Second / 16000
	}
	for _, s := range segs {
		offset := s.Start - jobStart[s.JobID]
		if offset != time.Second && offset != 2500*time.Millisecond {
			t.Errorf("segment %q starts %s after its piece, want 1s or 2.5s", s.Text, offset)
		}
		if s.End <= s.Start {
			t.Errorf("segment %q ends at %s, before its start %s", s.Text, s.End, s.Start)
		}
		for _, w := range s.Words {
			if w.Start < s.Start || w.End > s.End {
				t.Errorf("word %q at %s-%s lies outside its segment %s-%s", w.Text, w.Start, w.End, s.Start, s.End)
			}
		}
	}
	eventually(t, "the final speaker diarization", func() (bool, error) {
		d, err := c.svc.Store().Diarization(ctx, rec.ID)
		return err == nil && d.Final, nil
	})
	d, _ := c.svc.Store().Diarization(ctx, rec.ID)
	res, err := speakers.Decode(d.Result)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Speakers) == 0 || len(res.Turns) == 0 {
		t.Errorf("final diarization has %d speakers and %d turns, want speech found", len(res.Speakers), len(res.Turns))
	}
	for _, r := range engine.Requests() {
		if got := r.Fields["language"]; len(got) != 1 || got[0] != "sv" {
			t.Errorf("engine asked for language %q, want [sv]", got)
		}
		if r.Rate != 16000 || r.Channels != 1 {
			t.Errorf("engine got %d Hz with %d channels, want 16000 Hz mono", r.Rate, r.Channels)
		}
	}
}

// eventuallyLong is eventually with room for the pipeline's first retry backoff.
func eventuallyLong(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		ok, err := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (last error: %v)", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
