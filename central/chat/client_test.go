package chat_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/chat"
	"github.com/ordagrann/ordagrann/central/chat/chattest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func fixed(reply string) chattest.Responder {
	return func(chattest.Request) string { return reply }
}

func TestCompleteSendsOpenAIRequest(t *testing.T) {
	srv := chattest.New(t, "secret", fixed("Hej [S1]."))
	c, err := chat.New(srv.URL, &chat.Options{Model: "kb-llama", APIKey: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Complete(context.Background(), []chat.Message{{Role: "system", Content: "Regler"}, {Role: "user", Content: "Fråga"}})
	if err != nil {
		t.Fatal(err)
	}
	if got != "Hej [S1]." {
		t.Errorf("Complete() = %q, want the fake's reply", got)
	}

	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("fake received %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Model != "kb-llama" || r.Auth != "Bearer secret" || r.Stream {
		t.Errorf("request = %+v, want model kb-llama, the bearer key and no streaming", r)
	}
	if r.Temperature == nil || *r.Temperature != 0 {
		t.Errorf("request temperature = %v, want 0", r.Temperature)
	}
	if r.MaxTokens == nil || *r.MaxTokens != 2048 {
		t.Errorf("request max_tokens = %v, want the default 2048", r.MaxTokens)
	}
	if len(r.Messages) != 2 || r.Messages[0].Role != "system" || r.Messages[1].Content != "Fråga" {
		t.Errorf("request messages = %+v, want the system and user messages in order", r.Messages)
	}
}

func TestCompleteErrors(t *testing.T) {
	tests := []struct {
		name        string
		mode        chattest.Mode
		key         string
		unavailable bool
		truncated   bool
	}{
		{"unavailable", chattest.Unavailable, "k", true, false},
		{"rate_limited", chattest.RateLimited, "k", true, false},
		{"refused", chattest.Refused, "k", true, false},
		{"wrong_key", chattest.OK, "wrong", false, false},
		{"truncated", chattest.Truncated, "k", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := chattest.New(t, "k", fixed("Ett långt svar som skärs av [S1]."))
			if err := srv.SetMode(tt.mode); err != nil {
				t.Fatal(err)
			}
			c, err := chat.New(srv.URL, &chat.Options{Model: "m", APIKey: tt.key})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Complete(context.Background(), []chat.Message{{Role: "user", Content: "x"}})
			if err == nil {
				t.Fatal("Complete() = nil error, want an error")
			}
			if got := errors.Is(err, chat.ErrUnavailable); got != tt.unavailable {
				t.Errorf("errors.Is(%v, ErrUnavailable) = %t, want %t", err, got, tt.unavailable)
			}
			if got := errors.Is(err, chat.ErrTruncated); got != tt.truncated {
				t.Errorf("errors.Is(%v, ErrTruncated) = %t, want %t", err, got, tt.truncated)
			}
			if strings.Contains(err.Error(), "wrong") {
				t.Errorf("error %q contains the API key", err)
			}
		})
	}
}

func TestCompleteTimeout(t *testing.T) {
	srv := chattest.New(t, "", fixed("x"))
	if err := srv.SetMode(chattest.Slow); err != nil {
		t.Fatal(err)
	}
	c, err := chat.New(srv.URL, &chat.Options{Model: "m", Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Complete(context.Background(), []chat.Message{{Role: "user", Content: "x"}})
	if !errors.Is(err, chat.ErrUnavailable) {
		t.Errorf("Complete() against a slow engine = %v, want ErrUnavailable", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Complete(ctx, []chat.Message{{Role: "user", Content: "x"}})
	if !errors.Is(err, context.Canceled) || errors.Is(err, chat.ErrUnavailable) {
		t.Errorf("Complete(cancelled) = %v, want context.Canceled and not ErrUnavailable", err)
	}
}

// TestCompleteMalformedResponses runs the client against servers that
// break the chat.completion format.
func TestCompleteMalformedResponses(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"not_json", "<html>bad gateway</html>", "invalid chat.completion response"},
		{"no_choices", `{"id":"x","object":"chat.completion","choices":[]}`, "no choices"},
		{"null_content", `{"choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"tool_calls"}]}`, "no content"},
		{"refusal", `{"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"Jag kan inte hjälpa till."},"finish_reason":"stop"}]}`, "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, http.StatusOK, tt.body)
			c, err := chat.New(srv, &chat.Options{Model: "m"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Complete(context.Background(), []chat.Message{{Role: "user", Content: "x"}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Complete() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNewRejectsBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		url  string
		opts chat.Options
	}{
		{"no_model", "http://127.0.0.1:8000", chat.Options{}},
		{"plain_http_remote", "http://192.0.2.10:8000", chat.Options{Model: "m"}},
		{"bad_scheme", "ftp://127.0.0.1", chat.Options{Model: "m"}},
		{"query", "http://127.0.0.1:8000/?key=x", chat.Options{Model: "m"}},
		{"negative_timeout", "http://127.0.0.1:8000", chat.Options{Model: "m", Timeout: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := chat.New(tt.url, &tt.opts); err == nil {
				t.Errorf("New(%q, %v) = nil error, want an error", tt.url, tt.opts)
			}
		})
	}
	if _, err := chat.New("http://192.0.2.10:8000", &chat.Options{Model: "m", AllowPlainHTTP: true, Logger: quiet()}); err != nil {
		t.Errorf("New with AllowPlainHTTP = %v, want no error", err)
	}
}

func TestOptionsHideAPIKey(t *testing.T) {
	o := chat.Options{Model: "m", APIKey: "sk-very-secret"}
	for _, s := range []string{o.String(), o.GoString(), o.LogValue().String()} {
		if strings.Contains(s, "sk-very-secret") {
			t.Errorf("%q shows the API key", s)
		}
	}
}

// TestCompleteErrorsHideEngineMessage runs the client against engines that
// echo the request in an error or refusal, and checks that the error keeps
// the status and the error's type and code but none of the echoed text.
func TestCompleteErrorsHideEngineMessage(t *testing.T) {
	const echo = "Klienten [Person 1] bor på [Adress 1] och sa att"
	tests := []struct {
		name        string
		status      int
		body        string
		want        string
		unavailable bool
	}{
		{"bad_request", http.StatusBadRequest, `{"error":{"message":"This model's maximum context length is 8192 tokens: ` + echo + `","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`, "400 Bad Request (error invalid_request_error/context_length_exceeded)", false},
		{"server_error", http.StatusInternalServerError, `{"error":{"message":"` + echo + `","type":"server_error","code":null}}`, "500 Internal Server Error (error server_error)", true},
		{"plain_text", http.StatusBadRequest, echo, "400 Bad Request", false},
		{"refusal", http.StatusOK, `{"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"` + echo + `"},"finish_reason":"stop"}]}`, "refused", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, tt.status, tt.body)
			c, err := chat.New(srv, &chat.Options{Model: "m"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Complete(context.Background(), []chat.Message{{Role: "user", Content: echo}})
			if err == nil {
				t.Fatal("Complete() = nil error, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Complete() error = %q, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "Person") || strings.Contains(err.Error(), "maximum context") {
				t.Errorf("Complete() error = %q, want none of the engine's message", err)
			}
			if got := errors.Is(err, chat.ErrUnavailable); got != tt.unavailable {
				t.Errorf("errors.Is(%v, ErrUnavailable) = %t, want %t", err, got, tt.unavailable)
			}
		})
	}
}
