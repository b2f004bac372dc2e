package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// openLiveStream opens the live stream at path on srv, with the session
// cookie when it is not empty, and fails the test unless the response has
// status want.
func openLiveStream(t *testing.T, ctx context.Context, srv *httptest.Server, cookie, path string, want int) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	req.Host = "127.0.0.1"
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Sec-Fetch-Dest", "empty")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: SessionCookie, Value: cookie})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != want {
		resp.Body.Close()
		t.Fatalf("GET %s status = %d, want %d", path, resp.StatusCode, want)
	}
	return resp
}

// nextEvent returns the next live event that match accepts, or fails the
// test after a deadline.
func nextEvent(t *testing.T, events <-chan liveProgress, what string, match func(liveProgress) bool) liveProgress {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case p, ok := <-events:
			if !ok {
				t.Fatalf("stream ended before an event with %s", what)
			}
			if match(p) {
				return p
			}
		case <-deadline:
			t.Fatalf("no event with %s within 15 s", what)
		}
	}
}

var threadKeyAttr = regexp.MustCompile(`data-thread-key="([^"]*)"`)

// pageThreadKey returns the thread key that the recording page carries.
func pageThreadKey(t *testing.T, h http.Handler, rec string) string {
	t.Helper()
	w := get(t, h, "/recordings/"+rec)
	m := threadKeyAttr.FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || m == nil {
		t.Fatalf("GET /recordings/%s = %d without a thread key", rec, w.Code)
	}
	return m[1]
}

// TestLiveStreamShowsEndOfMeeting reads the live stream of a meeting in
// progress, ends the meeting, and expects the state label "avslutad" and a
// changed thread key, so the open page shows the end and fetches the
// summary that is now due.
func TestLiveStreamShowsEndOfMeeting(t *testing.T) {
	ts := openTestStore(t)
	samples := readSwedishSpeech(t)
	chunks := ts.record(t, meeting{box: "rum-1", rec: "rec-live", consentAt: testNow.Add(-time.Hour), format: monoFLAC, samples: samples})
	ts.transcribe(t, "rec-live", 0, uint64(len(samples)), []store.Segment{{Start: 0, End: time.Second, Text: " Hemlig mening om hyran."}})
	hd, _ := newTestHandler(t, ts, &Options{EngineConfigured: true})
	hd.(*handler).livePoll = 10 * time.Millisecond
	srv := httptest.NewServer(hd)
	defer closeServer(srv)

	rendered := pageThreadKey(t, hd, "rec-live")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp := openLiveStream(t, ctx, srv, "", "/recordings/rec-live/handelser", http.StatusOK)
	defer resp.Body.Close()
	events := readEvents(resp)

	first := nextEvent(t, events, "a state", func(p liveProgress) bool { return p.State != "" })
	if first.State != "pågår" || first.StateClass != "state-recording" {
		t.Errorf("state of a meeting in progress = %q, %q, want pågår, state-recording", first.State, first.StateClass)
	}
	if first.ThreadKey != rendered {
		t.Errorf("thread key of the first event = %q, want the page's %q", first.ThreadKey, rendered)
	}

	end := protocol.Event{Seq: chunks, Type: protocol.EventEnd, At: testNow.Add(-time.Hour + time.Minute),
		End: &protocol.EndInfo{Chunks: chunks, Frames: uint64(len(samples))}}
	if _, err := ts.PutEvent(context.Background(), "rum-1", "rec-live", end); err != nil {
		t.Fatalf("PutEvent(end): %v", err)
	}
	ended := nextEvent(t, events, "state avslutad", func(p liveProgress) bool { return p.State == "avslutad" })
	if ended.StateClass != "state-ended" {
		t.Errorf("state class after the end = %q, want state-ended", ended.StateClass)
	}
	if ended.ThreadKey == first.ThreadKey {
		t.Errorf("thread key after the end = %q, unchanged: the page would not fetch the summary", ended.ThreadKey)
	}

	// The page's fetch writes the summary, which changes the key again.
	// The page takes that key from the fetched page, because the stream of
	// a finished recording ends here.
	summarized := pageThreadKey(t, hd, "rec-live")
	if summarized == ended.ThreadKey {
		t.Errorf("thread key after the summary = %q, want it changed by the stored summary", summarized)
	}
	if !ended.Done {
		t.Errorf("event after the end of a transcribed meeting = %+v, want done", ended)
	}
}

// TestLiveStreamsLimitedPerSession opens the per-session limit of streams
// in one signed-in session and one more, which gets 429 with a Retry-After.
// Another session still gets its stream, and closing one of the first
// session's streams lets its next one in.
func TestLiveStreamsLimitedPerSession(t *testing.T) {
	e := newActionsEnv(t)
	anna, bo := e.signIn(t, e.people["anna"]), e.signIn(t, e.people["bo"])
	h := e.h.(*handler)
	srv := httptest.NewServer(e.h)
	defer closeServer(srv)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var open []*http.Response
	for range maxStreamsPerSession {
		resp := openLiveStream(t, ctx, srv, anna.cookie, "/recordings/rec-anna/handelser", http.StatusOK)
		defer resp.Body.Close()
		open = append(open, resp)
	}
	if got := h.streams.open(); got != maxStreamsPerSession {
		t.Fatalf("open streams = %d, want %d", got, maxStreamsPerSession)
	}

	over := openLiveStream(t, ctx, srv, anna.cookie, "/recordings/rec-anna/handelser", http.StatusTooManyRequests)
	over.Body.Close()
	if got := over.Header.Get("Retry-After"); got != strconv.Itoa(streamRetryAfter) {
		t.Errorf("Retry-After = %q, want %d", got, streamRetryAfter)
	}
	other := openLiveStream(t, ctx, srv, bo.cookie, "/recordings/rec-bo/handelser", http.StatusOK)
	other.Body.Close()

	open[0].Body.Close()
	waitFor(t, "the closed streams to be released", func() bool { return h.streams.open() < maxStreamsPerSession })
	again := openLiveStream(t, ctx, srv, anna.cookie, "/recordings/rec-anna/handelser", http.StatusOK)
	again.Body.Close()
}

// TestStreamLimiterTotal rejects a stream over the total limit even for a
// session that has none open, and drops a session whose streams all closed.
func TestStreamLimiterTotal(t *testing.T) {
	var l streamLimiter
	for i := range maxStreams {
		if reason := l.acquire("session " + strconv.Itoa(i%100)); reason != "" {
			t.Fatalf("acquire %d = %q, want accepted", i, reason)
		}
	}
	if reason := l.acquire("session new"); reason != "too_many_streams" {
		t.Errorf("acquire over the total = %q, want too_many_streams", reason)
	}
	for i := range maxStreams {
		l.release("session " + strconv.Itoa(i%100))
	}
	if l.open() != 0 || len(l.byKey) != 0 {
		t.Errorf("after releasing all: open %d, sessions %d, want 0 and 0", l.open(), len(l.byKey))
	}
}

// waitFor polls cond until it holds, or fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
