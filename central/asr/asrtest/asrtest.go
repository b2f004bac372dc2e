// Package asrtest runs fake transcription engines for tests: HTTP servers on
// loopback that follow the request and response formats of whisper.cpp's
// example server and of the OpenAI transcription API. They parse each
// request as the real server does, reject what it rejects, check the WAV
// file, and reply with the fixtures in testdata. A test switches a server
// between working, down, failing and slow with SetMode.
package asrtest

import (
	"bytes"
	_ "embed"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/internal/fakeserver"
)

// WhisperFixture is a verbose_json response of whisper.cpp's server: "Hej och
// välkommen." from 1.0 to 2.0 s and "Vi börjar nu." from 2.5 to 4.0 s.
//
//go:embed testdata/whisper_verbose.json
var WhisperFixture []byte

// OpenAIFixture is the same transcript in the OpenAI verbose_json format.
//
//go:embed testdata/openai_verbose.json
var OpenAIFixture []byte

// Mode selects how a fake server responds.
type Mode int

// Modes.
const (
	// OK responds to every valid request with the fixture.
	OK Mode = iota
	// Refused closes the listening socket, so connections are refused.
	Refused
	// Unavailable responds 503, as a server that is loading its model.
	Unavailable
	// Error200 makes the whisper.cpp fake respond with status 200 and
	// {"error":"failed to process audio"}, as older versions of that server
	// do when inference fails. The OpenAI fake responds 500 instead.
	Error200
	// Slow holds each request until the client gives up or the mode changes.
	Slow
)

func (m Mode) String() string {
	switch m {
	case OK:
		return "ok"
	case Refused:
		return "refused"
	case Unavailable:
		return "unavailable"
	case Error200:
		return "error-200"
	case Slow:
		return "slow"
	default:
		return "unknown"
	}
}

// Received is one request that a fake server accepted.
type Received struct {
	Fields   map[string][]string // form fields other than the file
	Rate     int                 // of the WAV file, in Hz
	Channels int
	Duration time.Duration // of the WAV file
	Auth     string        // the Authorization header
}

// Server is a fake engine. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to pass to asr.New.
	URL string

	http *fakeserver.Server

	mu       sync.Mutex
	mode     Mode
	fixture  []byte
	received []Received
	rejected int
}

func newServer(t testing.TB, fixture []byte, handler func(s *Server) http.Handler) *Server {
	t.Helper()

	s := &Server{fixture: fixture}
	srv, err := fakeserver.Start(handler(s))
	if err != nil {
		t.Fatal(err)
	}
	s.http, s.URL = srv, srv.URL

	t.Cleanup(s.Close)
	return s
}

// SetMode switches how the server responds from the next request on. Leaving
// Refused listens again on the same address.
func (s *Server) SetMode(m Mode) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if m == s.mode {
		return nil
	}
	s.http.Release()
	if err := s.http.SetDown(m == Refused); err != nil {
		return err
	}
	s.mode = m
	return nil
}

// SetFixture replaces the body of successful responses.
func (s *Server) SetFixture(body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fixture = bytes.Clone(body)
}

// Requests returns the requests that got the fixture so far.
func (s *Server) Requests() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Rejected returns how many requests the server rejected as invalid.
func (s *Server) Rejected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected
}

// Close stops the server and ends held requests.
func (s *Server) Close() { s.http.Close() }

// state returns the mode, fixture and release channel for one request.
func (s *Server) state() (Mode, []byte, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mode, s.fixture, s.http.Held()
}

func (s *Server) record(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, r)
}

func (s *Server) reject() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected++
}

// hold blocks a Slow request until the client goes away or the mode changes.
func hold(r *http.Request, release <-chan struct{}) {
	select {
	case <-r.Context().Done():
	case <-release:
	}
}

// errNotWAV is returned by readWAV for a file the real servers cannot read.
var errNotWAV = errors.New("not a 16 kHz 16-bit WAV file")

// readWAV checks the uploaded file the way whisper.cpp's server does: a
// RIFF WAVE file of 16-bit PCM at 16 kHz, with one or two channels.
func readWAV(data []byte) (Received, error) {
	samples, rate, channels, err := audio.ReadWAV(bytes.NewReader(data))
	if err != nil {
		return Received{}, err
	}
	if rate != 16000 || channels < 1 || channels > 2 {
		return Received{}, errNotWAV
	}
	frames := len(samples) / channels
	return Received{
		Rate:     rate,
		Channels: channels,
		Duration: time.Duration(frames) * time.Second / time.Duration(rate),
	}, nil
}
