package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ordagrann/ordagrann/central/store"
)

// liveProgress is what the recording page's live updates carry: counts
// and labels, never content.
type liveProgress struct {
	Progress string `json:"progress"` // the "Utskrift" line, e.g. "3 av 9 delar klara"
	Chunks   string `json:"chunks"`   // the "Ljuddelar" line
	Segments int    `json:"segments"` // transcript segments so far
	Done     bool   `json:"done"`     // nothing more will change: the stream ends
	// Thread changes when the chat engine starts or finishes writing a
	// summary or an answer, so the page fetches the thread again.
	Thread string `json:"thread"`
	// Speakers changes when a diarization is stored, so the page fetches
	// the transcript again.
	Speakers string `json:"speakers"`
}

// defaultLivePoll is how often the live stream looks for changes.
const defaultLivePoll = 2 * time.Second

// liveMaxDuration ends a stream after a while; the browser's EventSource
// then reconnects by itself (after liveRetry). Bounded streams let the
// server shut down and re-check access on every reconnect.
const (
	liveMaxDuration = 5 * time.Minute
	liveRetry       = 3 * time.Second
)

// serveLive streams a recording's progress as server-sent events: one
// "progress" event at once and one on every change, until the recording is
// complete and every transcription job is done. The page uses it to update
// the progress line and to fetch new transcript rows without a reload.
func (h *handler) serveLive(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.lookup(w, r)
	if !ok {
		return
	}
	h.streamEvents(w, r, func(ctx context.Context) (liveEvent, bool) {
		p, err := h.progress(r, rec.ID)
		if err != nil {
			h.log.Warn("live progress ended", "recording_id", rec.ID, "error", err)
			return liveEvent{}, false
		}
		return liveEvent{Name: "progress", Data: p, Last: p.Done}, true
	})
}

// liveEvent is one server-sent event: its name, its data as JSON, and
// whether the stream ends after it.
type liveEvent struct {
	Name string
	Data any
	Last bool
}

// streamEvents writes the events that poll returns as server-sent events,
// each only when it differs from the one before. It polls at once and then
// every livePoll, until poll returns false, an event is the last, the
// client leaves or liveMaxDuration passes.
func (h *handler) streamEvents(w http.ResponseWriter, r *http.Request, poll func(ctx context.Context) (liveEvent, bool)) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")

	ctx, cancel := context.WithTimeout(r.Context(), liveMaxDuration)
	defer cancel()
	if _, err := fmt.Fprintf(w, "retry: %d\n\n", liveRetry.Milliseconds()); err != nil {
		return
	}
	flusher.Flush()

	var last string
	tick := time.NewTicker(h.livePoll)
	defer tick.Stop()
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	for {
		e, ok := poll(ctx)
		if !ok {
			return
		}
		b, _ := json.Marshal(e.Data)
		if msg := fmt.Sprintf("event: %s\ndata: %s\n\n", e.Name, b); msg != last {
			last = msg
			if _, err := fmt.Fprint(w, msg); err != nil {
				return
			}
			flusher.Flush()
		}
		if e.Last {
			return
		}

		select {
		case <-ctx.Done():
			return
		case <-heartbeat.C:
			// A comment keeps proxies from closing an idle stream.
			if _, err := fmt.Fprint(w, ": \n\n"); err != nil {
				return
			}
			flusher.Flush()
		case <-tick.C:
		}
	}
}

// progress reads a recording's counts for the live stream.
func (h *handler) progress(r *http.Request, id string) (liveProgress, error) {
	ctx := r.Context()
	rec, err := h.src.Recording(ctx, id)
	if err != nil {
		return liveProgress{}, err
	}
	jobs, err := h.src.Jobs(ctx, id)
	if err != nil {
		return liveProgress{}, err
	}
	speakers, rediarizing, err := h.liveSpeakers(ctx, id)
	if err != nil {
		return liveProgress{}, err
	}
	row := h.recordingRow(rec, jobs)
	pending, finished := h.assist.state(id)
	p := liveProgress{Progress: row.Progress, Chunks: row.Chunks, Done: rec.Complete && allDone(jobs) && pending == 0 && !rediarizing,
		Thread: liveThreadToken(pending, finished), Speakers: speakers}

	// Counting spares opening every sealed segment on each poll.
	if counter, ok := h.src.(interface {
		SegmentCount(ctx context.Context, rec string) (int, error)
	}); ok {
		p.Segments, err = counter.SegmentCount(ctx, id)
		return p, err
	}
	segs, err := h.src.Segments(ctx, id)
	p.Segments = len(segs)
	return p, err
}

func allDone(jobs []store.Job) bool {
	for _, j := range jobs {
		if !j.Done {
			return false
		}
	}
	return true
}
