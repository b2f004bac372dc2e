package asr_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ordagrann/ordagrann/central/asr"
	"github.com/ordagrann/ordagrann/central/asr/asrtest"
	"github.com/ordagrann/ordagrann/internal/audio"
)

// testWAV returns a 16 kHz mono WAV file of a 220 Hz tone.
func testWAV(t testing.TB, d time.Duration, rate, channels int) []byte {
	t.Helper()
	frames := int(d * time.Duration(rate) / time.Second)
	samples := make([]int16, frames*channels)
	for i := range frames {
		v := int16(8000 * math.Sin(2*math.Pi*220*float64(i)/float64(rate)))
		for c := range channels {
			samples[i*channels+c] = v
		}
	}
	var buf bytes.Buffer
	if err := audio.WriteWAV(&buf, samples, rate, channels); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func newEngine(t *testing.T, kind, url string, opts *asr.Options) asr.Engine {
	t.Helper()
	e, err := asr.New(kind, url, opts)
	if err != nil {
		t.Fatalf("New(%q, %q) error = %v", kind, url, err)
	}
	return e
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestWhisperServerTranscribe(t *testing.T) {
	srv := asrtest.NewWhisper(t)
	e := newEngine(t, asr.KindWhisperServer, srv.URL, nil)

	got, err := e.Transcribe(context.Background(), asr.Request{WAV: testWAV(t, 4500*time.Millisecond, 16000, 1), Language: "sv"})
	if err != nil {
		t.Fatal(err)
	}

	want := asr.Result{
		Language: "swedish",
		Duration: 4500 * time.Millisecond,
		Engine:   "whisper-server",
		Segments: []asr.Segment{
			{
				Start: ms(1000), End: ms(2000), Text: "Hej och välkommen.", AvgLogprob: -0.25, NoSpeechProb: 0.01,
				Words: []asr.Word{
					{Text: "Hej", Start: ms(1000), End: ms(1200), Probability: 0.9},
					{Text: "och", Start: ms(1200), End: ms(1400), Probability: 0.8},
					{Text: "välkommen.", Start: ms(1400), End: ms(2000), Probability: (0.7 + 0.6 + 0.5 + 0.4) / 4},
				},
			},
			{
				Start: ms(2500), End: ms(4000), Text: "Vi börjar nu.", AvgLogprob: -0.31, NoSpeechProb: 0.02,
				Words: []asr.Word{
					{Text: "Vi", Start: ms(2500), End: ms(2800), Probability: 0.95},
					{Text: "börjar", Start: ms(2800), End: ms(3400), Probability: 0.6},
					{Text: "nu.", Start: ms(3500), End: ms(4000), Probability: 0.9},
				},
			},
		},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(approx)); diff != "" {
		t.Errorf("Transcribe() mismatch (-want +got):\n%s", diff)
	}

	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server received %d requests, want 1", len(reqs))
	}
	wantFields := map[string][]string{"response_format": {"verbose_json"}, "language": {"sv"}, "temperature": {"0.0"}}
	if diff := cmp.Diff(wantFields, reqs[0].Fields); diff != "" {
		t.Errorf("request fields mismatch (-want +got):\n%s", diff)
	}
	if reqs[0].Duration != 4500*time.Millisecond {
		t.Errorf("uploaded audio lasts %s, want 4.5s", reqs[0].Duration)
	}
}

func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestOpenAITranscribe(t *testing.T) {
	srv := asrtest.NewOpenAI(t, "sk-test-key")
	e := newEngine(t, asr.KindOpenAI, srv.URL, &asr.Options{APIKey: "sk-test-key", Model: "KBLab/kb-whisper-large"})

	got, err := e.Transcribe(context.Background(), asr.Request{WAV: testWAV(t, 4500*time.Millisecond, 16000, 1), Language: "sv", Prompt: "Socialtjänsten"})
	if err != nil {
		t.Fatal(err)
	}

	want := asr.Result{
		Language: "swedish",
		Duration: 4500 * time.Millisecond,
		Engine:   "openai:KBLab/kb-whisper-large",
		Segments: []asr.Segment{
			{
				Start: ms(1000), End: ms(2000), Text: "Hej och välkommen.", AvgLogprob: -0.25, NoSpeechProb: 0.01,
				Words: []asr.Word{
					{Text: "Hej", Start: ms(1000), End: ms(1200), Probability: -1},
					{Text: "och", Start: ms(1200), End: ms(1400), Probability: -1},
					{Text: "välkommen.", Start: ms(1400), End: ms(2000), Probability: -1},
				},
			},
			{
				Start: ms(2500), End: ms(4000), Text: "Vi börjar nu.", AvgLogprob: -0.31, NoSpeechProb: 0.02,
				Words: []asr.Word{
					{Text: "Vi", Start: ms(2500), End: ms(2800), Probability: -1},
					{Text: "börjar", Start: ms(2800), End: ms(3400), Probability: -1},
					{Text: "nu.", Start: ms(3500), End: ms(4000), Probability: -1},
				},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Transcribe() mismatch (-want +got):\n%s", diff)
	}

	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server received %d requests, want 1", len(reqs))
	}
	wantFields := map[string][]string{
		"model":                     {"KBLab/kb-whisper-large"},
		"response_format":           {"verbose_json"},
		"timestamp_granularities[]": {"segment", "word"},
		"temperature":               {"0"},
		"language":                  {"sv"},
		"prompt":                    {"Socialtjänsten"},
	}
	if diff := cmp.Diff(wantFields, reqs[0].Fields); diff != "" {
		t.Errorf("request fields mismatch (-want +got):\n%s", diff)
	}
}

func TestTranscribeErrors(t *testing.T) {
	wav := testWAV(t, time.Second, 16000, 1)
	tests := []struct {
		name        string
		kind        string
		mode        asrtest.Mode
		wav         []byte
		apiKey      string
		unavailable bool
	}{
		{"whisper_refused", asr.KindWhisperServer, asrtest.Refused, wav, "", true},
		{"whisper_503", asr.KindWhisperServer, asrtest.Unavailable, wav, "", true},
		{"whisper_error_200", asr.KindWhisperServer, asrtest.Error200, wav, "", true},
		{"whisper_slow", asr.KindWhisperServer, asrtest.Slow, wav, "", true},
		{"whisper_not_wav", asr.KindWhisperServer, asrtest.OK, []byte("not audio"), "", false},
		{"whisper_8khz", asr.KindWhisperServer, asrtest.OK, testWAV(t, time.Second, 8000, 1), "", false},
		{"openai_refused", asr.KindOpenAI, asrtest.Refused, wav, "key", true},
		{"openai_503", asr.KindOpenAI, asrtest.Unavailable, wav, "key", true},
		{"openai_500", asr.KindOpenAI, asrtest.Error200, wav, "key", true},
		{"openai_slow", asr.KindOpenAI, asrtest.Slow, wav, "key", true},
		{"openai_not_wav", asr.KindOpenAI, asrtest.OK, []byte("not audio"), "key", false},
		{"openai_wrong_key", asr.KindOpenAI, asrtest.OK, wav, "wrong", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *asrtest.Server
			if tt.kind == asr.KindWhisperServer {
				srv = asrtest.NewWhisper(t)
			} else {
				srv = asrtest.NewOpenAI(t, "key")
			}
			if err := srv.SetMode(tt.mode); err != nil {
				t.Fatal(err)
			}
			e := newEngine(t, tt.kind, srv.URL, &asr.Options{APIKey: tt.apiKey, Timeout: 200 * time.Millisecond})

			_, err := e.Transcribe(context.Background(), asr.Request{WAV: tt.wav, Language: "sv"})

			if err == nil {
				t.Fatalf("Transcribe() in mode %s succeeded, want an error", tt.mode)
			}
			if got := errors.Is(err, asr.ErrUnavailable); got != tt.unavailable {
				t.Errorf("errors.Is(%v, ErrUnavailable) = %v, want %v", err, got, tt.unavailable)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("server returned a transcript for %d requests, want 0", n)
			}
		})
	}
}

func TestTranscribeRecoversAfterRefused(t *testing.T) {
	srv := asrtest.NewWhisper(t)
	e := newEngine(t, asr.KindWhisperServer, srv.URL, nil)
	req := asr.Request{WAV: testWAV(t, time.Second, 16000, 1), Language: "sv"}

	if err := srv.SetMode(asrtest.Refused); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Transcribe(context.Background(), req); !errors.Is(err, asr.ErrUnavailable) {
		t.Fatalf("Transcribe() while refused error = %v, want ErrUnavailable", err)
	}
	if err := srv.SetMode(asrtest.OK); err != nil {
		t.Fatal(err)
	}

	res, err := e.Transcribe(context.Background(), req)
	if err != nil {
		t.Fatalf("Transcribe() after recovery error = %v", err)
	}
	if len(res.Segments) != 2 {
		t.Errorf("Transcribe() after recovery gave %d segments, want 2", len(res.Segments))
	}
}

func TestTranscribeCallerCancel(t *testing.T) {
	srv := asrtest.NewWhisper(t)
	if err := srv.SetMode(asrtest.Slow); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, asr.KindWhisperServer, srv.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)

	go func() {
		_, err := e.Transcribe(ctx, asr.Request{WAV: testWAV(t, time.Second, 16000, 1)})
		done <- err
	}()
	cancel()
	err := <-done

	if !errors.Is(err, context.Canceled) {
		t.Errorf("Transcribe(cancelled) error = %v, want context.Canceled", err)
	}
	if errors.Is(err, asr.ErrUnavailable) {
		t.Errorf("Transcribe(cancelled) error = %v, want no ErrUnavailable: the engine is not at fault", err)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name, kind, url string
		opts            *asr.Options
		wantInError     string
	}{
		{"unknown_kind", "vosk", "http://127.0.0.1:8080", nil, `use "whisper-server" or "openai"`},
		{"no_scheme", asr.KindOpenAI, "127.0.0.1:8080", nil, "use http://host:port"},
		{"ftp", asr.KindOpenAI, "ftp://127.0.0.1", nil, "use http://host:port"},
		{"query", asr.KindOpenAI, "http://127.0.0.1:8080/?x=1", nil, "remove the query"},
		{"plain_http_remote", asr.KindWhisperServer, "http://asr.example.org:8080", nil, "use https"},
		{"negative_timeout", asr.KindWhisperServer, "http://127.0.0.1:8080", &asr.Options{Timeout: -time.Second}, "positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := asr.New(tt.kind, tt.url, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantInError) {
				t.Errorf("New(%q, %q) error = %v, want one containing %q", tt.kind, tt.url, err, tt.wantInError)
			}
		})
	}
}

func TestNewAllowsPlainHTTPWhenAsked(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	_, err := asr.New(asr.KindWhisperServer, "http://asr.example.org:8080", &asr.Options{AllowPlainHTTP: true, Logger: log})

	if err != nil {
		t.Fatalf("New(AllowPlainHTTP) error = %v", err)
	}
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("New(AllowPlainHTTP) logged %q, want a warning", logs.String())
	}
}

func TestAPIKeyNeverPrinted(t *testing.T) {
	opts := asr.Options{APIKey: "sk-secret-123", Model: "m"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("engine", "options", opts)

	for _, out := range []string{fmt.Sprintf("%v %+v %#v %s", opts, opts, opts, opts), logs.String()} {
		if strings.Contains(out, "sk-secret") {
			t.Errorf("output %q contains the API key", out)
		}
	}
}

func TestPool(t *testing.T) {
	req := asr.Request{WAV: testWAV(t, time.Second, 16000, 1), Language: "sv"}
	down := asrtest.NewWhisper(t)
	if err := down.SetMode(asrtest.Refused); err != nil {
		t.Fatal(err)
	}
	up := asrtest.NewOpenAI(t, "")
	pool, err := asr.NewPool(newEngine(t, asr.KindWhisperServer, down.URL, nil), newEngine(t, asr.KindOpenAI, up.URL, nil))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("skips_unavailable", func(t *testing.T) {
		res, err := pool.Transcribe(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Engine != "openai:"+asr.DefaultModel {
			t.Errorf("result engine = %q, want the second engine", res.Engine)
		}
	})

	t.Run("all_unavailable", func(t *testing.T) {
		if err := up.SetMode(asrtest.Unavailable); err != nil {
			t.Fatal(err)
		}
		defer up.SetMode(asrtest.OK)

		_, err := pool.Transcribe(context.Background(), req)
		if !errors.Is(err, asr.ErrUnavailable) {
			t.Errorf("Transcribe() error = %v, want ErrUnavailable", err)
		}
	})

	t.Run("stops_on_rejection", func(t *testing.T) {
		bad := asrtest.NewWhisper(t)
		other := asrtest.NewOpenAI(t, "")
		pool, err := asr.NewPool(newEngine(t, asr.KindWhisperServer, bad.URL, nil), newEngine(t, asr.KindOpenAI, other.URL, nil))
		if err != nil {
			t.Fatal(err)
		}

		_, err = pool.Transcribe(context.Background(), asr.Request{WAV: []byte("not audio")})

		if err == nil || errors.Is(err, asr.ErrUnavailable) {
			t.Errorf("Transcribe(bad audio) error = %v, want a rejection", err)
		}
		if other.Rejected()+len(other.Requests()) != 0 {
			t.Errorf("second engine received the rejected request")
		}
	})
}
