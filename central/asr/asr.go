// Package asr sends audio to a speech recognition engine over HTTP and
// returns its transcript with segment and word times.
//
// Two engine APIs are supported behind one interface: "whisper-server", the
// /inference endpoint of whisper.cpp's example server, and "openai", the
// OpenAI-compatible /v1/audio/transcriptions endpoint that vLLM, speaches and
// hosted services expose. A Pool tries several endpoints in order. The
// central pipeline imports this package; the asrtest sub-package has fake
// servers for tests.
package asr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/ordagrann/ordagrann/central/enginehttp"
)

// Request is one piece of audio to transcribe.
type Request struct {
	WAV      []byte // a RIFF WAVE file, 16 kHz mono 16-bit PCM
	Language string // ISO 639-1 code, "sv" for Swedish
	Prompt   string // optional text that conditions the model (names, terms)
}

// Word is one word of a segment. Times are relative to the start of the
// request's audio.
type Word struct {
	Text       string
	Start, End time.Duration
	// Probability is the engine's confidence in [0, 1], or -1 when the
	// engine does not report one (the OpenAI API and vLLM do not).
	Probability float64
}

// Segment is a stretch of transcribed speech. Times are relative to the
// start of the request's audio.
type Segment struct {
	Start, End   time.Duration
	Text         string
	Words        []Word
	AvgLogprob   float64
	NoSpeechProb float64
}

// Result is an engine's transcript of one request.
type Result struct {
	Segments []Segment
	Language string        // as the engine names it, e.g. "swedish"
	Duration time.Duration // of the audio, as the engine measured it
	Engine   string        // Name of the engine that produced the result
}

// Engine transcribes audio. Implementations are safe for concurrent use.
type Engine interface {
	// Name identifies the engine in logs and on stored segments.
	Name() string

	// Transcribe sends r to the engine. An error wrapping ErrUnavailable
	// means the engine could not be reached or was overloaded, and the same
	// request may succeed later. Any other error means the engine rejected
	// this request; retrying it unchanged is not expected to help.
	Transcribe(ctx context.Context, r Request) (Result, error)
}

// ErrUnavailable is wrapped by Transcribe errors when the engine is
// unreachable, timed out, or responded with HTTP 429 or 5xx: retry later.
var ErrUnavailable = errors.New("transcription engine unavailable")

// Kinds of engine that New accepts.
const (
	KindWhisperServer = "whisper-server"
	KindOpenAI        = "openai"
)

// Options configures an engine. Zero fields mean the documented defaults.
type Options struct {
	// Model is the model name sent to an "openai" engine. Default
	// "KBLab/kb-whisper-large". A whisper-server engine serves the model it
	// was started with and ignores this field.
	Model string

	// APIKey is sent as "Authorization: Bearer" when set. Options' String
	// and LogValue methods leave it out.
	APIKey string

	// Timeout bounds one request. Default 5 minutes, enough for a 30 s piece
	// on a CPU-only server with a large model.
	Timeout time.Duration

	// HTTPClient sends the requests. Default: a client with no overall
	// timeout of its own, because Timeout applies per request.
	HTTPClient *http.Client

	// AllowPlainHTTP permits an http:// URL whose host is not a loopback
	// address. Audio then crosses the network unencrypted; New logs a warning.
	AllowPlainHTTP bool

	// Logger receives warnings about the configuration. Default
	// slog.Default().
	Logger *slog.Logger
}

// String describes the options without the API key.
func (o Options) String() string {
	return fmt.Sprintf("{Model:%s APIKey:%s Timeout:%s AllowPlainHTTP:%t}", o.Model, redact(o.APIKey), o.Timeout, o.AllowPlainHTTP)
}

// GoString is String, so that %#v does not print the API key either.
func (o Options) GoString() string { return o.String() }

// LogValue describes the options for slog without the API key.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("model", o.Model),
		slog.String("api_key", redact(o.APIKey)),
		slog.Duration("timeout", o.Timeout),
		slog.Bool("allow_plain_http", o.AllowPlainHTTP),
	)
}

func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return "[redacted]"
}

// DefaultModel is the model an "openai" engine requests when Options.Model
// is empty: KBLab's Whisper large fine-tuned on Swedish.
const DefaultModel = "KBLab/kb-whisper-large"

// maxResponseBytes bounds the JSON an engine may return for one piece. A
// 30 s piece yields a few kilobytes; a response larger than this is broken.
const maxResponseBytes = 16 << 20

// New returns the engine of the given kind ("whisper-server" or "openai") at
// baseURL, the server's address without the endpoint path, for example
// "http://127.0.0.1:8080". opts may be nil.
func New(kind, baseURL string, opts *Options) (Engine, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.Timeout < 0 {
		return nil, fmt.Errorf("invalid engine timeout %s: use a positive duration", o.Timeout)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Model == "" {
		o.Model = DefaultModel
	}

	base, remote, err := enginehttp.ParseBaseURL(baseURL, "transcription engine", "audio", o.AllowPlainHTTP)
	if err != nil {
		return nil, err
	}
	if remote {
		o.Logger.Warn("transcription engine uses plain http to a non-loopback host; audio crosses the network unencrypted", "engine_url", base.Redacted())
	}

	c := client{base: base, opts: o}
	switch kind {
	case KindWhisperServer:
		return &whisperServer{client: c}, nil
	case KindOpenAI:
		return &openAI{client: c}, nil
	default:
		return nil, fmt.Errorf("unknown transcription engine kind %q: use %q or %q", kind, KindWhisperServer, KindOpenAI)
	}
}

// seconds converts an engine's time in seconds to a Duration rounded to the
// millisecond, so that 1.0 s plus an offset gives an exact result. Negative
// and non-finite values become 0.
func seconds(s float64) time.Duration {
	if !(s > 0) || s > 1e6 {
		return 0
	}
	return time.Duration(s*1000+0.5) * time.Millisecond
}
