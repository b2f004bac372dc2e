package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// TestLiveStreamReportsNewSegments reads the live stream of a recording in
// progress, adds a transcript segment, and expects an event with the new
// count; the stream carries counts and labels only.
func TestLiveStreamReportsNewSegments(t *testing.T) {
	ts := openTestStore(t)
	ts.record(t, meeting{box: "rum-1", rec: "rec-live", consentAt: testNow.Add(-time.Hour), format: monoFLAC,
		samples: readSwedishSpeech(t)})
	hd, _ := newTestHandler(t, ts, &Options{EngineConfigured: true})
	hd.(*handler).livePoll = 10 * time.Millisecond
	srv := httptest.NewServer(hd)
	defer closeServer(srv)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/recordings/rec-live/handelser", nil)
	req.Host = "127.0.0.1"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q, want text/event-stream", ct)
	}
	events := readEvents(resp)

	first := <-events
	if first.Segments != 0 || first.Done || first.Progress == "" {
		t.Errorf("first event = %+v, want no segments, not done, a progress label", first)
	}

	ts.transcribe(t, "rec-live", 0, 16000, []store.Segment{{Start: 0, End: time.Second, Text: " Hemlig mening."}})
	second := <-events
	if second.Segments != 1 {
		t.Errorf("event after a new segment = %+v, want 1 segment", second)
	}
}

func readEvents(resp *http.Response) <-chan liveProgress {
	out := make(chan liveProgress, 8)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			if strings.Contains(data, "Hemlig") {
				panic("live stream carries transcript text")
			}
			var p liveProgress
			if json.Unmarshal([]byte(data), &p) == nil {
				out <- p
			}
		}
	}()
	return out
}

// TestLiveStreamEndsWhenDone: a complete recording with every job done gets
// one event marked done, and the stream closes.
func TestLiveStreamEndsWhenDone(t *testing.T) {
	ts := openTestStore(t)
	ts.record(t, meeting{box: "rum-1", rec: "rec-done", consentAt: testNow.Add(-time.Hour), format: monoFLAC,
		samples: readSwedishSpeech(t), events: []protocol.EventType{protocol.EventEnd}})
	hd, _ := newTestHandler(t, ts, &Options{EngineConfigured: true})
	srv := httptest.NewServer(hd)
	defer closeServer(srv)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/recordings/rec-done/handelser", nil)
	req.Host = "127.0.0.1"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []liveProgress
	for p := range readEvents(resp) {
		got = append(got, p)
	}
	if len(got) != 1 || !got[0].Done {
		t.Errorf("events of a finished recording = %+v, want one marked done and then the end of the stream", got)
	}
}
