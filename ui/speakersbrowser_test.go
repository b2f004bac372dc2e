package ui

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ordagrann/ordagrann/board"
	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/diarize/der"
	"github.com/ordagrann/ordagrann/central/speakers"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

var speakersScreenshotDir = filepath.Join("..", "test-output", "speakers")

// twoSpeakerFixture is a generated two-person meeting captured by a
// respeaker-2mic box, with its reference speaker turns.
const twoSpeakerFixture = "../testdata/diarization/two-2mic-rt025-snr25"

// storeTwoSpeakerMeeting stores the two-speaker fixture as rec, started
// with badge and complete, with one transcript segment per reference turn.
// It returns the audio.
func storeTwoSpeakerMeeting(t *testing.T, ts *testStore, rec, badge string) []int16 {
	t.Helper()
	ctx := context.Background()
	b, err := os.ReadFile(twoSpeakerFixture + ".flac")
	if err != nil {
		t.Fatal(err)
	}
	samples, rate, channels, err := audio.DecodeFLAC(b)
	if err != nil {
		t.Fatal(err)
	}
	format := protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: rate, Channels: channels, Bits: 16}
	at := testNow.Add(-time.Hour)
	consent := protocol.Event{Seq: 0, Type: protocol.EventConsent, At: at, Start: &protocol.StartInfo{
		Format: format, BadgeID: badge, Board: "respeaker-2mic", ConsentAsk: at.Add(-5 * time.Second),
	}}
	if _, err := ts.PutEvent(ctx, "box-1", rec, consent); err != nil {
		t.Fatal(err)
	}
	frames := len(samples) / channels
	var seq uint64
	for first := 0; first < frames; first += 5 * rate {
		n := min(5*rate, frames-first)
		h := protocol.ChunkHeader{Format: format, FirstFrame: uint64(first), Frames: n, CapturedAt: at}
		if _, err := ts.PutChunk(ctx, "box-1", rec, seq, h, audio.EncodePCM(samples[first*channels:(first+n)*channels])); err != nil {
			t.Fatal(err)
		}
		seq++
	}
	end := protocol.Event{Seq: 1, Type: protocol.EventEnd, At: at.Add(time.Minute), End: &protocol.EndInfo{Chunks: seq, Frames: uint64(frames)}}
	if _, err := ts.PutEvent(ctx, "box-1", rec, end); err != nil {
		t.Fatal(err)
	}

	f, err := os.Open(twoSpeakerFixture + ".rttm")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	turns, err := der.ReadRTTM(f)
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{"Välkommen hit, vi ska prata om ansökan.", "Tack.", "Jag har tagit med pappren.", "Bra, då går vi igenom dem.",
		"Först hyran och sedan lönen.", "Hyran är sju tusen.", "Och lönen kommer den tjugofemte.", "Då har jag det jag behöver."}
	var segs []store.Segment
	for i, turn := range turns {
		segs = append(segs, store.Segment{Start: time.Duration(turn.Start * float64(time.Second)), End: time.Duration(turn.End * float64(time.Second)), Text: " " + lines[i%len(lines)]})
	}
	ts.transcribe(t, rec, 0, uint64(frames), segs)
	return samples
}

// heldRediarizer passes requests on to the runner only when the test
// releases them, so the page can be seen while the re-run waits.
type heldRediarizer struct {
	runner   *speakers.Runner
	requests chan string
}

func (h *heldRediarizer) Rediarize(rec string) { h.requests <- rec }

// TestBrowserSpeakerCountRerun: the automatic diarization merged the two
// voices of a meeting into one speaker. The caseworker chooses two
// speakers, the page shows that the re-run is under way, and the live
// updates show the new division with the changed rows marked.
func TestBrowserSpeakerCountRerun(t *testing.T) {
	ctx := newBrowser(t)
	e := newAccessEnv(t)
	samples := storeTwoSpeakerMeeting(t, e.ts, "rec-anna-2", "anna-1")
	bg := context.Background()

	// The diarization as if the estimate had found one speaker.
	profile, err := board.Lookup("respeaker-2mic")
	if err != nil {
		t.Fatal(err)
	}
	d, err := diarize.New(&diarize.Options{Mics: profile.Mics, Speakers: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	one, err := d.Diarize(samples, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := speakers.Encode(one)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ts.PutDiarization(bg, "rec-anna-2", true, b); err != nil {
		t.Fatal(err)
	}

	runner, err := speakers.New(e.ts.Store, &speakers.Options{PollInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- runner.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		<-done
	})
	held := &heldRediarizer{runner: runner, requests: make(chan string, 1)}
	h, err := New(e.ts, &Options{Logger: slog.New(slog.DiscardHandler), Now: e.clock.Now, Auth: e.store, Access: e.access.record, Rediarizer: held})
	if err != nil {
		t.Fatal(err)
	}
	h.(*handler).livePoll = 20 * time.Millisecond
	srv := httptest.NewServer(h)
	defer closeServer(srv)

	browserSignIn(t, ctx, srv.URL, e.clock, e.people["anna"])
	navigate(t, ctx, srv.URL+"/recordings/rec-anna-2")
	before, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(new Set(Array.from(document.querySelectorAll(".transcript .who .speaker")).map(s => s.textContent)))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 1 {
		t.Fatalf("speakers on the page before the re-run = %q, want one", before)
	}

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#antal-talare summary")),
		chromedp.SetValue(chromedp.ID("antal"), "2"),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("antal-talare").scrollIntoView(); true`)); err != nil {
		t.Fatal(err)
	}
	screenshotTo(t, ctx, speakersScreenshotDir, "count-chosen")
	submit(t, ctx, "form.speaker-count")

	var rec string
	select {
	case rec = <-held.requests:
	case <-ctx.Done():
		t.Fatal("the page did not ask for a re-run")
	}
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("talare-pa-nytt")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice, "Talarna delas upp på nytt …") {
		t.Errorf("notice while the re-run waits = %q", notice)
	}
	screenshotTo(t, ctx, speakersScreenshotDir, "rerun-pending")

	held.runner.Rediarize(rec)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".transcript li.changed"))); err != nil {
		t.Fatalf("the re-run's changed rows did not appear through the live updates: %v", err)
	}
	after, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(new Set(Array.from(document.querySelectorAll(".transcript .who .speaker")).map(s => s.textContent))).sort()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 2 {
		t.Errorf("speakers on the page after the re-run = %q, want two", after)
	}
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("utskrift-del")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "Utskriften har delats upp på nytt i 2 talare.") || strings.Contains(body, "Talarna delas upp på nytt …") {
		t.Errorf("transcript part after the re-run lacks the result notice or still says it waits:\n%s", body)
	}
	selected, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("antal")))
	if err != nil {
		t.Fatal(err)
	}
	if selected != "2" {
		t.Errorf("speaker count shown after the re-run = %q, want 2", selected)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("utskrift-del").scrollIntoView(); true`)); err != nil {
		t.Fatal(err)
	}
	screenshotTo(t, ctx, speakersScreenshotDir, "rerun-done")
}
