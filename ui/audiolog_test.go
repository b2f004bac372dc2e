package ui

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAudioReadsLoggedFromAnyOffset checks that a request for the end of
// the file is logged like one from its start, and that one entry covers a
// player's further range requests for audioReadWindow.
func TestAudioReadsLoggedFromAnyOffset(t *testing.T) {
	e := newAccessEnv(t)
	anna := e.signIn(t, e.people["anna"])
	e.access.take()

	get := func(rangeHeader string) int {
		t.Helper()
		w := anna.send(http.MethodGet, "/recordings/rec-anna/audio.wav", nil, http.Header{"Range": {rangeHeader}})
		if w.Code != http.StatusPartialContent {
			t.Fatalf("GET audio with Range %q = %d, want 206", rangeHeader, w.Code)
		}
		return len(e.access.take())
	}

	if n := get("bytes=-1000"); n != 1 {
		t.Errorf("access entries for a suffix range = %d, want 1", n)
	}
	if n := get("bytes=0-99"); n != 0 {
		t.Errorf("access entries for a range within the window = %d, want 0", n)
	}
	e.clock.Advance(audioReadWindow)
	if n := get("bytes=100-199"); n != 1 {
		t.Errorf("access entries for a range after the window = %d, want 1", n)
	}
}

func TestAudioRangeErrorsInSwedish(t *testing.T) {
	e := newAccessEnv(t)
	anna := e.signIn(t, e.people["anna"])

	for _, rangeHeader := range []string{"bytes=-0", "bytes=999999999-"} {
		w := anna.send(http.MethodGet, "/recordings/rec-anna/audio.wav", nil, http.Header{"Range": {rangeHeader}})
		if w.Code != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("Range %q = %d, want 416", rangeHeader, w.Code)
		}
		if body := w.Body.String(); body != rangeRefusedText {
			t.Errorf("Range %q body = %q, want the Swedish text", rangeHeader, body)
		}
		if cr := w.Header().Get("Content-Range"); !strings.HasPrefix(cr, "bytes */") {
			t.Errorf("Range %q Content-Range = %q, want bytes */size", rangeHeader, cr)
		}
	}
}

func TestAudioReadsForgetOldEntries(t *testing.T) {
	var a audioReads
	start := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	for i := range 300 {
		a.logged(audioReadKey{account: "acc", rec: "rec-" + string(rune('a'+i%26)) + string(rune('a'+i/26))}, start)
	}
	a.logged(audioReadKey{account: "acc", rec: "late"}, start.Add(audioReadWindow))
	for range 255 {
		a.logged(audioReadKey{account: "acc", rec: "late"}, start.Add(audioReadWindow))
	}
	if n := len(a.last); n != 1 {
		t.Errorf("entries after the window = %d, want only the recent one", n)
	}
}
