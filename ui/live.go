package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
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
	// State is the "Läge" line, e.g. "pågår" or "avslutad", and StateClass
	// its style class.
	State      string `json:"state"`
	StateClass string `json:"state_class"`
	// ThreadKey changes whenever the thread part of the page would look
	// different: a job starts or ends, a message is stored, or the
	// recording becomes ready for its automatic summary.
	ThreadKey string `json:"thread_key"`
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
	key := streamKey(r)
	if reason := h.streams.acquire(key); reason != "" {
		h.rejectStream(w, r, reason)
		return
	}
	defer h.streams.release(key)
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
	h.markRejected(ctx, &row)
	pending, finished := h.assist.state(id)
	p := liveProgress{Progress: row.Progress, Chunks: row.Chunks, Done: rec.Complete && allDone(jobs) && pending == 0 && !rediarizing,
		Thread: liveThreadToken(pending, finished), Speakers: speakers, State: row.State, StateClass: row.StateClass}

	if p.Segments, err = h.segmentCount(ctx, id); err != nil {
		return liveProgress{}, err
	}
	if p.ThreadKey, err = h.threadKey(ctx, rec, jobs, p.Segments); err != nil {
		return liveProgress{}, err
	}
	return p, nil
}

// segmentCount returns the number of rec's transcript segments. Counting
// spares opening every sealed segment on each poll when the source can.
func (h *handler) segmentCount(ctx context.Context, rec string) (int, error) {
	if counter, ok := h.src.(interface {
		SegmentCount(ctx context.Context, rec string) (int, error)
	}); ok {
		return counter.SegmentCount(ctx, rec)
	}
	segs, err := h.src.Segments(ctx, rec)
	return len(segs), err
}

// threadKey returns the thread's state for the live updates: the chat
// engine's jobs, the number of stored messages, and whether the recording
// is ready for the summary that the next page load writes. The recording
// page carries the key it was rendered with, so it fetches the thread part
// again when the key changes. It carries no content.
func (h *handler) threadKey(ctx context.Context, rec store.Recording, jobs []store.Job, segments int) (string, error) {
	src, ok := h.src.(threadSource)
	if !ok {
		return "", nil
	}
	messages, err := threadLen(ctx, src, rec.ID)
	if err != nil {
		return "", fmt.Errorf("read thread: %w", err)
	}
	pending, finished := h.assist.state(rec.ID)
	summaryDue := segments > 0 && rec.Complete && len(jobs) > 0 && allDone(jobs)
	return liveThreadToken(pending, finished) + "-" + strconv.Itoa(messages) + "-" + strconv.FormatBool(summaryDue), nil
}

// threadLen counts rec's thread messages, without opening them when src
// can count.
func threadLen(ctx context.Context, src threadSource, rec string) (int, error) {
	if counter, ok := src.(interface {
		ThreadLen(ctx context.Context, rec string) (int, error)
	}); ok {
		return counter.ThreadLen(ctx, rec)
	}
	msgs, err := src.Thread(ctx, rec)
	return len(msgs), err
}

func allDone(jobs []store.Job) bool {
	for _, j := range jobs {
		if !j.Done {
			return false
		}
	}
	return true
}

// Limits on open event streams. A recording page holds one stream, so a
// person with a few tabs open stays under the per-session limit, while a
// script that opens streams in a loop cannot exhaust memory and file
// descriptors.
const (
	maxStreamsPerSession = 6
	maxStreams           = 500
	// streamRetryAfter is the Retry-After of a rejected stream, in seconds.
	streamRetryAfter = 30
)

// streamLimiter counts the open event streams in total and per session.
// Its zero value is ready to use.
type streamLimiter struct {
	mu    sync.Mutex
	total int
	byKey map[string]int

	rejectLog logLimiter // rejected streams, which a client in a reconnect loop opens by the thousand
}

// acquire counts a new stream of key, or returns why it is rejected.
func (l *streamLimiter) acquire(key string) (reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()

	switch {
	case l.total >= maxStreams:
		return "too_many_streams"
	case l.byKey[key] >= maxStreamsPerSession:
		return "too_many_session_streams"
	}
	if l.byKey == nil {
		l.byKey = map[string]int{}
	}
	l.total++
	l.byKey[key]++
	return ""
}

// release counts a stream of key as closed.
func (l *streamLimiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()

	l.total--
	if l.byKey[key]--; l.byKey[key] <= 0 {
		delete(l.byKey, key)
	}
}

// open returns the number of open streams in total.
func (l *streamLimiter) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// streamKey identifies whose stream a request opens: the signed-in
// session, else the paired room tablet, else the client's address (on
// loopback without sign-in). The session's CSRF token is its key because
// it is derived from the session token, so it differs between sessions. The tablet's device cookie was checked by the room
// stream before it streams.
func streamKey(r *http.Request) string {
	if token := CSRFTokenFromContext(r.Context()); token != "" {
		return "session " + token
	}
	if c, err := r.Cookie(DeviceCookie); err == nil && c.Value != "" {
		return "device " + c.Value
	}
	return "address " + clientIP(r)
}

// rejectStream responds to a stream over the limits with 429 and a Retry-After.
// EventSource stops at a status other than 200, so live.js opens the
// stream again after a while by itself.
func (h *handler) rejectStream(w http.ResponseWriter, r *http.Request, reason string) {
	if suppressed, ok := h.streams.rejectLog.allow(h.now()); ok {
		h.log.Warn("event stream rejected", "reason", reason, "path", r.URL.Path, "open_streams", h.streams.open(), "suppressed", suppressed)
	}
	w.Header().Set("Retry-After", strconv.Itoa(streamRetryAfter))
	http.Error(w, "För många öppna flikar med direktuppdateringar. Stäng flikar du inte använder. Sidan försöker igen om en stund.", http.StatusTooManyRequests)
}
