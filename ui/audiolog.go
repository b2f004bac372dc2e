package ui

import (
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// audioReadWindow is how long one access-log entry covers a person's
// reading of a recording's audio. A player fetches the file in many range
// requests, from any offset, while it plays and seeks.
const audioReadWindow = 10 * time.Minute

// audioReads remembers when each person's reading of each recording's
// audio was last logged, so that a request for any part of the file is
// covered by an entry no older than audioReadWindow.
type audioReads struct {
	mu    sync.Mutex
	last  map[audioReadKey]time.Time
	calls int
}

type audioReadKey struct{ account, rec string }

// due reports whether a read of key at now needs a new access-log entry.
func (a *audioReads) due(key audioReadKey, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.last[key]
	return !ok || now.Sub(t) >= audioReadWindow || now.Before(t)
}

// logged notes that a read of key was logged at now, and now and then
// forgets entries older than the window so the map stays small.
func (a *audioReads) logged(key audioReadKey, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last == nil {
		a.last = map[audioReadKey]time.Time{}
	}
	a.last[key] = now

	a.calls++
	if a.calls%256 != 0 {
		return
	}
	for k, t := range a.last {
		if now.Sub(t) >= audioReadWindow {
			delete(a.last, k)
		}
	}
}

// emptySuffixRange matches a Range header whose only range is a suffix of
// zero bytes ("bytes=-0"), which asks for nothing. net/http answers it with
// 206 and an invalid Content-Range, so the view refuses it first.
var emptySuffixRange = regexp.MustCompile(`^bytes=\s*-0+\s*$`)

// refuseEmptyRange answers a request for an empty suffix range with 416
// and returns true.
func refuseEmptyRange(w http.ResponseWriter, r *http.Request, size int64) bool {
	if !emptySuffixRange.MatchString(r.Header.Get("Range")) {
		return false
	}
	w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
	_, _ = w.Write([]byte(rangeRefusedText))
	return true
}

// rangeRefusedText is the body of a 416 response, which a person sees only
// when they open such an address themselves.
const rangeRefusedText = "Den begärda delen av ljudfilen finns inte. Ladda om sidan och spela upp igen.\n"

// swedishRangeErrors replaces the English body that http.ServeContent
// writes with a 416 response by rangeRefusedText.
type swedishRangeErrors struct {
	http.ResponseWriter
	refused bool
}

func (s *swedishRangeErrors) WriteHeader(status int) {
	if status == http.StatusRequestedRangeNotSatisfiable {
		s.refused = true
		s.ResponseWriter.Header().Set("Content-Type", "text/plain; charset=utf-8")
		s.ResponseWriter.WriteHeader(status)
		_, _ = s.ResponseWriter.Write([]byte(rangeRefusedText))
		return
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *swedishRangeErrors) Write(b []byte) (int, error) {
	if s.refused {
		return len(b), nil // the English text of net/http
	}
	return s.ResponseWriter.Write(b)
}
