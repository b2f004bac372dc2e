// Package chattest runs a fake OpenAI-compatible chat completions engine
// for tests: an HTTP server on loopback that serves POST
// /v1/chat/completions, validates requests as the OpenAI API does, replies
// in the chat.completion format with the text that a test's Responder
// writes, and records every request so a test can check what left the
// service. A test switches the server between working, down, overloaded,
// slow and cut off with SetMode.
package chattest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/internal/fakeserver"
)

// Message is one message of a request, as the wire format has it.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is one chat completions request that the server accepted.
type Request struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Temperature *float64  `json:"temperature"`
	MaxTokens   *int      `json:"max_tokens"`
	Stream      bool      `json:"stream"`
	Auth        string    `json:"-"` // the Authorization header
}

// Text returns the contents of all messages joined by newlines, for
// checking what a request contained.
func (r Request) Text() string {
	var parts []string
	for _, m := range r.Messages {
		parts = append(parts, m.Content)
	}
	return strings.Join(parts, "\n")
}

// Responder writes the assistant's reply to a request.
type Responder func(Request) string

// Mode selects how the server responds.
type Mode int

// Modes.
const (
	OK          Mode = iota // reply with the Responder's text
	Refused                 // close the listening socket, so connections are refused
	Unavailable             // respond 503 with an OpenAI error body, as an overloaded server
	RateLimited             // respond 429 with an OpenAI rate limit error
	Slow                    // hold each request until the client gives up or the mode changes
	Truncated               // reply with finish_reason "length" and half of the text
)

// Server is a fake engine. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to pass to chat.New.
	URL string

	apiKey string
	http   *fakeserver.Server

	mu        sync.Mutex
	mode      Mode
	respond   Responder
	requests  []Request
	rejected  int
	completed int
}

// New starts a fake engine on loopback that replies with respond. When
// apiKey is not empty, requests must carry it as a bearer token. The server
// is closed when the test ends.
func New(t testing.TB, apiKey string, respond Responder) *Server {
	t.Helper()
	s, err := Start(apiKey, respond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start is New for programs other than tests, such as the evaluation
// script: the caller must Close the server.
func Start(apiKey string, respond Responder) (*Server, error) {
	s := &Server{apiKey: apiKey, respond: respond}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/chat/completions", s.completions)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "invalid_request_error", "", fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path))
	})
	srv, err := fakeserver.Start(mux)
	if err != nil {
		return nil, fmt.Errorf("fake chat engine: %w", err)
	}
	s.http, s.URL = srv, srv.URL
	return s, nil
}

// SetMode switches how the server responds from the next request on.
// Leaving Refused listens again on the same address.
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

// SetResponder replaces the function that writes replies.
func (s *Server) SetResponder(r Responder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = r
}

// Requests returns every valid request received so far, in order, in
// every mode.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Rejected returns how many requests the server rejected as invalid.
func (s *Server) Rejected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected
}

// Close stops the server and ends held requests.
func (s *Server) Close() { s.http.Close() }

func (s *Server) reject(w http.ResponseWriter, status int, typ, code, msg string) {
	s.mu.Lock()
	s.rejected++
	s.mu.Unlock()
	writeError(w, status, typ, code, msg)
}

// maxBodyBytes bounds a request body, as real servers bound the context.
const maxBodyBytes = 4 << 20

func (s *Server) completions(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.reject(w, http.StatusMethodNotAllowed, "invalid_request_error", "", fmt.Sprintf("Invalid method %s: use POST", r.Method))
		return
	}
	auth := r.Header.Get("Authorization")
	if s.apiKey != "" && auth != "Bearer "+s.apiKey {
		s.reject(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.reject(w, http.StatusBadRequest, "invalid_request_error", "", "Invalid Content-Type header ("+ct+"), expected application/json.")
		return
	}

	var req Request
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err := dec.Decode(&req); err != nil {
		s.reject(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request.")
		return
	}
	if msg := validate(req); msg != "" {
		s.reject(w, http.StatusBadRequest, "invalid_request_error", "", msg)
		return
	}
	req.Auth = auth

	s.mu.Lock()
	s.requests = append(s.requests, req)
	mode, respond, release := s.mode, s.respond, s.http.Held()
	s.mu.Unlock()

	switch mode {
	case Unavailable:
		writeError(w, http.StatusServiceUnavailable, "server_error", "", "The server is overloaded or not ready yet.")
		return
	case RateLimited:
		writeError(w, http.StatusTooManyRequests, "requests", "rate_limit_exceeded", "Rate limit reached for requests.")
		return
	case Slow:
		select {
		case <-r.Context().Done():
		case <-release:
		}
		writeError(w, http.StatusServiceUnavailable, "server_error", "", "The server had an error while processing your request.")
		return
	}

	content := respond(req)
	finish := "stop"
	if mode == Truncated {
		content, finish = strings.ToValidUTF8(content[:len(content)/2], ""), "length"
	}
	s.writeCompletion(w, req, content, finish)
}

// validate checks a request as the OpenAI API does and returns its error
// message, or "".
func validate(req Request) string {
	switch {
	case req.Model == "":
		return "you must provide a model parameter"
	case len(req.Messages) == 0:
		return "[] is too short - 'messages'"
	case req.Stream:
		// NOTE: the fake does not stream; the client never asks it to.
		return "stream is not supported by the fake engine"
	case req.MaxTokens != nil && *req.MaxTokens < 1:
		return fmt.Sprintf("Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got %d instead.", *req.MaxTokens)
	case req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 2):
		return fmt.Sprintf("Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got %g instead.", *req.Temperature)
	}
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "user", "assistant", "developer":
		default:
			return fmt.Sprintf("Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', 'tool', and 'developer'. (messages[%d].role)", m.Role, i)
		}
	}
	return ""
}

type completion struct {
	ID                string   `json:"id"`
	Object            string   `json:"object"`
	Created           int64    `json:"created"`
	Model             string   `json:"model"`
	Choices           []choice `json:"choices"`
	Usage             usage    `json:"usage"`
	SystemFingerprint string   `json:"system_fingerprint"`
}

type choice struct {
	Index        int             `json:"index"`
	Message      responseMessage `json:"message"`
	Logprobs     *struct{}       `json:"logprobs"`
	FinishReason string          `json:"finish_reason"`
}

type responseMessage struct {
	Role    string  `json:"role"`
	Content string  `json:"content"`
	Refusal *string `json:"refusal"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func (s *Server) writeCompletion(w http.ResponseWriter, req Request, content, finish string) {
	s.mu.Lock()
	s.completed++
	n := s.completed
	s.mu.Unlock()

	// Token counts are estimates: about one token per word.
	prompt := len(strings.Fields(req.Text()))
	out := len(strings.Fields(content))
	body := completion{
		ID:                fmt.Sprintf("chatcmpl-chattest%06d", n),
		Object:            "chat.completion",
		Created:           time.Now().Unix(),
		Model:             req.Model,
		Choices:           []choice{{Message: responseMessage{Role: "assistant", Content: content}, FinishReason: finish}},
		Usage:             usage{PromptTokens: prompt, CompletionTokens: out, TotalTokens: prompt + out},
		SystemFingerprint: "fp_chattest",
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// writeError writes an error in the OpenAI format:
// {"error":{"message":…,"type":…,"param":null,"code":…}}.
func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	var c *string
	if code != "" {
		c = &code
	}
	body := map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": c}}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
