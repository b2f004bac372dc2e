package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ordagrann/ordagrann/central/enginehttp"
)

// Message is one message of a chat.
type Message struct {
	Role    string `json:"role"` // "system", "user" or "assistant"
	Content string `json:"content"`
}

// Engine completes a chat. Implementations are safe for concurrent use.
type Engine interface {
	// Name identifies the engine in logs.
	Name() string

	// Complete returns the assistant's reply to messages. An error
	// wrapping ErrUnavailable means the engine could not be reached or was
	// overloaded, and the same request may succeed later.
	Complete(ctx context.Context, messages []Message) (string, error)
}

// Errors that Complete returns wrapped.
var (
	// ErrUnavailable: the engine is unreachable, timed out, or responded
	// with HTTP 429 or 5xx. Retry later.
	ErrUnavailable = errors.New("chat engine unavailable")

	// ErrTruncated: the engine stopped at its token limit, so the reply
	// is incomplete. Raise Options.MaxTokens or shorten the request.
	ErrTruncated = errors.New("chat engine reply cut off at the token limit")
)

// Options configures a Client. Zero fields mean the documented defaults.
type Options struct {
	// Model is the model name sent with each request. Required, because
	// each server names its models differently.
	Model string

	// APIKey is sent as "Authorization: Bearer" when set. String and
	// LogValue leave it out.
	APIKey string

	// Timeout bounds one request. Default 3 minutes.
	// NOTE: 3 minutes is an estimate for a summary of a 48000-character
	// part by a 7B to 8B model on one GPU; it was not measured here.
	Timeout time.Duration

	// MaxTokens bounds the length of a reply. Default 2048.
	MaxTokens int

	// HTTPClient sends the requests. Default: a client without an overall
	// timeout of its own, because Timeout applies per request.
	HTTPClient *http.Client

	// AllowPlainHTTP permits an http:// URL whose host is not a loopback
	// address. Pseudonymized text then crosses the network unencrypted;
	// New logs a warning.
	AllowPlainHTTP bool

	// Logger receives warnings about the configuration. Default
	// slog.Default().
	Logger *slog.Logger
}

// String describes the options without the API key.
func (o Options) String() string {
	return fmt.Sprintf("{Model:%s APIKey:%s Timeout:%s MaxTokens:%d AllowPlainHTTP:%t}", o.Model, redact(o.APIKey), o.Timeout, o.MaxTokens, o.AllowPlainHTTP)
}

// GoString is String, so that %#v does not print the API key either.
func (o Options) GoString() string { return o.String() }

// LogValue describes the options for slog without the API key.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("model", o.Model),
		slog.String("api_key", redact(o.APIKey)),
		slog.Duration("timeout", o.Timeout),
		slog.Int("max_tokens", o.MaxTokens),
		slog.Bool("allow_plain_http", o.AllowPlainHTTP),
	)
}

func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return "[redacted]"
}

// maxResponseBytes bounds the JSON an engine may return. A reply of
// MaxTokens tokens is a few tens of kilobytes.
const maxResponseBytes = 8 << 20

// Client talks to an OpenAI-compatible POST /v1/chat/completions endpoint.
type Client struct {
	base *url.URL
	opts Options
}

var _ Engine = (*Client)(nil)

// New returns a client for the server at baseURL, its address without the
// endpoint path, for example "http://127.0.0.1:8000" for vLLM or
// "http://127.0.0.1:11434" for Ollama.
func New(baseURL string, opts *Options) (*Client, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if strings.TrimSpace(o.Model) == "" {
		return nil, errors.New("missing chat engine model: set the model name the server serves, for example \"Qwen/Qwen2.5-7B-Instruct\"")
	}
	if o.Timeout == 0 {
		o.Timeout = 3 * time.Minute
	}
	if o.MaxTokens == 0 {
		o.MaxTokens = 2048
	}
	if o.Timeout < 0 || o.MaxTokens < 0 {
		return nil, fmt.Errorf("invalid chat engine timeout %s or max tokens %d: use positive values", o.Timeout, o.MaxTokens)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}

	base, remote, err := enginehttp.ParseBaseURL(baseURL, "chat engine", "text", o.AllowPlainHTTP)
	if err != nil {
		return nil, err
	}
	if remote {
		o.Logger.Warn("chat engine uses plain http to a non-loopback host; pseudonymized text crosses the network unencrypted", "engine_url", base.Redacted())
	}
	return &Client{base: base, opts: o}, nil
}

// Name returns "openai-chat:" and the model.
func (c *Client) Name() string { return "openai-chat:" + c.opts.Model }

// chatRequest is the body of POST /v1/chat/completions.
type chatRequest struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Temperature float64   `json:"temperature"`
	MaxTokens   int       `json:"max_tokens"`
	Stream      bool      `json:"stream"`
}

// chatResponse is the chat.completion object that the endpoint returns.
type chatResponse struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index   int `json:"index"`
		Message struct {
			Role    string  `json:"role"`
			Content *string `json:"content"`
			Refusal *string `json:"refusal"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
}

// Complete posts messages with temperature 0, so the same transcript gives
// the same reply where the server is deterministic.
func (c *Client) Complete(ctx context.Context, messages []Message) (string, error) {
	body, err := json.Marshal(chatRequest{Model: c.opts.Model, Messages: messages, MaxTokens: c.opts.MaxTokens})
	if err != nil {
		return "", fmt.Errorf("%s: encoding request: %w", c.Name(), err)
	}

	data, err := c.post(ctx, body)
	if err != nil {
		return "", err
	}

	var resp chatResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return "", fmt.Errorf("%s: invalid chat.completion response: %w", c.Name(), err)
	}
	if len(resp.Choices) == 0 {
		return "", fmt.Errorf("%s: response has no choices", c.Name())
	}
	choice := resp.Choices[0]
	if choice.Message.Refusal != nil && *choice.Message.Refusal != "" {
		// The refusal's text may quote the request, so only its size is kept.
		return "", fmt.Errorf("%s: the model refused the request (refusal of %d bytes)", c.Name(), len(*choice.Message.Refusal))
	}
	if choice.Message.Content == nil {
		return "", fmt.Errorf("%s: response message has no content (finish_reason %q)", c.Name(), choice.FinishReason)
	}
	if choice.FinishReason == "length" {
		return "", fmt.Errorf("%s: %w after %d tokens", c.Name(), ErrTruncated, resp.Usage.CompletionTokens)
	}
	return *choice.Message.Content, nil
}

// post sends body to {base}/v1/chat/completions and returns the body of a
// 2xx response.
func (c *Client) post(ctx context.Context, body []byte) ([]byte, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()

	u := c.base.JoinPath("v1/chat/completions")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s: building request: %w", c.Name(), err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.opts.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	}

	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		if parent.Err() != nil {
			return nil, fmt.Errorf("%s: posting to %s: %w", c.Name(), u.Redacted(), parent.Err())
		}
		return nil, fmt.Errorf("%s: posting to %s: %w: %w", c.Name(), u.Redacted(), ErrUnavailable, err)
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading response from %s: %w: %w", c.Name(), u.Redacted(), ErrUnavailable, err)
	}
	if len(data) > maxResponseBytes {
		return nil, fmt.Errorf("%s: response from %s exceeds %d bytes", c.Name(), u.Redacted(), maxResponseBytes)
	}

	// An error's message is left out of the error because some engines
	// echo the request, pseudonymized transcript text, in it.
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, fmt.Errorf("%s: %s responded %s%s: %w", c.Name(), u.Redacted(), resp.Status, errorKind(data), ErrUnavailable)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, fmt.Errorf("%s: %s rejected the request with %s%s", c.Name(), u.Redacted(), resp.Status, errorKind(data))
	}
	return data, nil
}

// errorKind formats the type and code of an error body for an error
// message, or returns "" when the body has none.
func errorKind(body []byte) string {
	kind := enginehttp.ErrorKind(body)
	if kind == "" {
		return ""
	}
	return " (error " + kind + ")"
}
