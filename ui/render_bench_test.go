package ui

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// twoHourSource returns a fake source with one recording of two hours:
// 1,440 segments of five seconds, each with twelve words, as a talkative
// meeting gives.
func twoHourSource() *fakeSource {
	rec := store.Recording{ID: "rec-long", BoxID: "rum-1", State: store.StateEnded, Complete: true,
		Format:         protocol.AudioFormat{Codec: protocol.CodecFLAC, SampleRate: 16000, Channels: 1, Bits: 16},
		ConsentAt:      testNow.Add(-3 * time.Hour),
		ChunksExpected: 1440, ChunksReceived: 1440, FramesReceived: 2 * 3600 * 16000, ContiguousFrames: 2 * 3600 * 16000}
	var segs []store.Segment
	for i := range 1440 {
		start := time.Duration(i) * 5 * time.Second
		seg := store.Segment{ID: int64(i + 1), RecordingID: rec.ID, JobID: int64(i/10 + 1), Start: start, End: start + 5*time.Second}
		for w := range 12 {
			word := fmt.Sprintf(" ord%d", w)
			seg.Text += word
			seg.Words = append(seg.Words, store.Word{Text: word, Start: start + time.Duration(w)*400*time.Millisecond, Probability: 0.3 + float64(w%7)/10})
		}
		segs = append(segs, seg)
	}
	return &fakeSource{
		recs:     []store.Recording{rec},
		segments: map[string][]store.Segment{rec.ID: segs},
		jobs:     map[string][]store.Job{rec.ID: {{ID: 1, RecordingID: rec.ID, Done: true}}},
	}
}

// BenchmarkRenderTwoHourTranscript measures the server time to render the
// recording page of a two-hour meeting, and reports the page's weight in
// bytes (HTML only: the CSS and scripts are small static files).
func BenchmarkRenderTwoHourTranscript(b *testing.B) {
	h, _ := newTestHandler(b, twoHourSource(), &Options{EngineConfigured: true})
	var size int
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/recordings/rec-long", nil)
		req.RemoteAddr = "127.0.0.1:5000"
		req.Host = "127.0.0.1"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size), "page_bytes")
}

// BenchmarkRenderTwoHourTranscriptSignedIn renders the same page as a
// signed-in caseworker sees it, with the edit controls of every row, and
// reports its weight.
func BenchmarkRenderTwoHourTranscriptSignedIn(b *testing.B) {
	served, _ := newTestHandler(b, twoHourSource(), &Options{EngineConfigured: true})
	h := served.(*handler)
	sess := auth.Session{Account: auth.Account{ID: "acc-1", Role: auth.RoleCaseworker}, CSRFToken: "csrf-token-of-the-session"}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/recordings/rec-long", nil)
		req.SetPathValue("id", "rec-long")
		req = req.WithContext(withSession(req.Context(), h, sess))
		w := httptest.NewRecorder()
		h.serveRecording(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size), "page_bytes")
}
