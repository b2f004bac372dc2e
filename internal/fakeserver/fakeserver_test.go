package fakeserver

import (
	"io"
	"net/http"
	"testing"
	"time"
)

func TestDownAndUpKeepAddress(t *testing.T) {
	s, err := Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	client := &http.Client{Timeout: 10 * time.Second}

	get := func() error {
		resp, err := client.Get(s.URL)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	if err := get(); err != nil {
		t.Fatalf("GET while up: %v", err)
	}
	if err := s.SetDown(true); err != nil {
		t.Fatal(err)
	}
	client.CloseIdleConnections()
	if err := get(); err == nil {
		t.Errorf("GET while down succeeded, want connection refused")
	}
	if err := s.SetDown(false); err != nil {
		t.Fatal(err)
	}
	if err := get(); err != nil {
		t.Errorf("GET after coming back up on %s: %v", s.URL, err)
	}
}

func TestReleaseEndsHeldRequest(t *testing.T) {
	var s *Server
	done := make(chan struct{})
	s, err := Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release := s.Held()
		close(done)
		<-release
		io.WriteString(w, "released")
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	body := make(chan string, 1)
	go func() {
		resp, err := http.Get(s.URL)
		if err != nil {
			body <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body <- string(b)
	}()
	<-done
	s.Release()
	if got := <-body; got != "released" {
		t.Errorf("held request returned %q, want %q", got, "released")
	}
}
