// Package fakeserver runs the HTTP servers of the fake speech and chat
// engines of the tests. A server keeps one loopback address for its whole
// life and refuses connections while it is down. Its release signal ends
// the requests that a fake holds to play a slow engine.
package fakeserver

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server serves a handler on loopback. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's base address, "http://127.0.0.1:port".
	URL string

	addr    string
	handler http.Handler

	mu      sync.Mutex
	srv     *http.Server
	down    bool
	release chan struct{}
}

// Start serves handler on a free loopback port.
func Start(handler http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake engine: listening on loopback: %w", err)
	}
	s := &Server{
		URL:     "http://" + ln.Addr().String(),
		addr:    ln.Addr().String(),
		handler: handler,
		release: make(chan struct{}),
	}
	s.serve(ln)
	return s, nil
}

func (s *Server) serve(ln net.Listener) {
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	srv := s.srv
	go func() { _ = srv.Serve(ln) }()
}

// SetDown closes the listener and open connections, so that clients get
// "connection refused", or listens again on the same address.
func (s *Server) SetDown(down bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if down == s.down {
		return nil
	}
	if down {
		_ = s.srv.Close()
		s.down = true
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("fake engine: listening again on %s: %w", s.addr, err)
	}
	s.serve(ln)
	s.down = false
	return nil
}

// Held returns the channel that the next Release or Close closes. A
// handler that plays a slow engine waits on it.
func (s *Server) Held() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.release
}

// Release ends the requests that wait on Held.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.release)
	s.release = make(chan struct{})
}

// Close stops the server and ends held requests.
func (s *Server) Close() {
	s.Release()
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.srv.Close()
}
