package ui

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testNow is the fixed clock of the handler tests: Friday 4 December 2026, 16:00 in Stockholm.
var testNow = time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)

var monoFLAC = protocol.AudioFormat{Codec: protocol.CodecFLAC, SampleRate: 16000, Channels: 1, Bits: 16}

// newTestHandler returns the handler over src, with a fixed clock unless
// opts has one, and the buffer its logger writes to.
func newTestHandler(t testing.TB, src Source, opts *Options) (http.Handler, *bytes.Buffer) {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	var logs bytes.Buffer
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}

	h, err := New(src, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h, &logs
}

// get sends a GET from a loopback client to a loopback host.
func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	return do(t, h, httptest.NewRequest(http.MethodGet, path, nil))
}

// do sends r from 127.0.0.1 to 127.0.0.1:8080, unless the test set
// another RemoteAddr or Host on r.
func do(t *testing.T, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	if r.RemoteAddr == "192.0.2.1:1234" { // httptest's default
		r.RemoteAddr = "127.0.0.1:53000"
	}
	if r.Host == "example.com" { // httptest's default
		r.Host = "127.0.0.1:8080"
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// listSource returns a fake with one recording in every state and the jobs
// and statuses the list page shows.
func listSource() *fakeSource {
	at := func(hour, minute int) time.Time { return time.Date(2026, 12, 4, hour, minute, 0, 0, time.UTC) }
	return &fakeSource{
		recs: []store.Recording{
			{ID: "rec-recording", BoxID: "rum-12", State: store.StateRecording, Format: monoFLAC, FirstSeen: at(14, 50), ConsentAt: at(14, 49),
				ChunksExpected: -1, ChunksReceived: 150, FramesReceived: 750 * 16000, ContiguousFrames: 750 * 16000},
			{ID: "rec-paused", BoxID: "rum-3", State: store.StatePaused, Format: monoFLAC, FirstSeen: at(13, 5), ConsentAt: at(13, 5),
				ChunksExpected: -1, ChunksReceived: 9, FramesReceived: 45 * 16000, ContiguousFrames: 45 * 16000},
			{ID: "rec-waiting", BoxID: "rum-3", State: store.StateEnded, Format: monoFLAC, FirstSeen: at(10, 0), ConsentAt: at(10, 0), EndedAt: at(10, 30),
				ChunksExpected: 360, ChunksReceived: 200, FramesReceived: 1000 * 16000, ContiguousFrames: 990 * 16000},
			{ID: "rec-ended", BoxID: "rum-12", State: store.StateEnded, Format: monoFLAC, FirstSeen: at(8, 0), ConsentAt: at(8, 0), EndedAt: at(9, 5),
				ChunksExpected: 780, ChunksReceived: 780, FramesReceived: 3900 * 16000, ContiguousFrames: 3900 * 16000, Complete: true},
			{ID: "rec-interrupted", BoxID: "rum-12", State: store.StateInterrupted, Format: monoFLAC,
				FirstSeen: time.Date(2025, 11, 28, 12, 0, 0, 0, time.UTC), ConsentAt: time.Date(2025, 11, 28, 12, 0, 0, 0, time.UTC),
				ChunksExpected: 3, ChunksReceived: 3, FramesReceived: 12 * 16000, ContiguousFrames: 12 * 16000, Complete: true},
			{ID: "rec-no-consent-yet", BoxID: "rum-7", State: store.StateRecording, FirstSeen: at(14, 59), ChunksExpected: -1, ChunksReceived: 1},
		},
		jobs: map[string][]store.Job{
			"rec-recording": {{Done: true}, {Done: true}, {Done: false}},
			"rec-ended":     {{Done: true}, {Done: true}},
			"rec-waiting":   {{Done: true}, {Attempts: 3, LastError: "dial tcp 127.0.0.1:9000: connection refused"}},
		},
	}
}

func listStatuses() fakeStatuses {
	return fakeStatuses{
		"rum-3":  {State: protocol.StateIdle, At: time.Date(2026, 12, 4, 13, 40, 0, 0, time.UTC)},
		"rum-12": {State: protocol.StateRecording, At: time.Date(2026, 12, 4, 14, 49, 0, 0, time.UTC), Spooled: 2},
		"rum-7":  {State: protocol.StateOffline, At: time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC), Spooled: 14},
	}
}

// checkGolden compares got with testdata/name, or rewrites the file with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("write golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./ui -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); run go test ./ui -update if the change is intended:\n%s", path, diff)
	}
}

func TestListPageShowsSwedishFacts(t *testing.T) {
	h, _ := newTestHandler(t, listSource(), &Options{Statuses: listStatuses(), EngineConfigured: true})

	body := get(t, h, "/").Body.String()

	for _, want := range []string{
		`<html lang="sv">`,
		"pågår", "pausad", "väntar på ljud", "avslutad", "avbruten",
		"fre 4 dec 15:49",       // 14:49 UTC is 15:49 in Stockholm in winter
		"fre 28 nov 2025 13:00", // another year shows the year
		"12 min 30 s",
		"1 tim 5 min",
		"150 hittills",
		"200 av 360",
		"2 av 3 delar klara",
		"1 av 2 delar klara",
		"väntar på motorn",
		"spelar in", "ledig", "inte ansluten",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("list page lacks %q", want)
		}
	}
	if strings.Contains(body, "connection refused") {
		t.Error("list page shows a job's technical error text")
	}
}

func TestListPageEmpty(t *testing.T) {
	h, _ := newTestHandler(t, &fakeSource{}, &Options{Statuses: fakeStatuses{}, EngineConfigured: true})

	body := get(t, h, "/").Body.String()

	for _, want := range []string{"Inga inspelningar ännu", "Ingen rumsenhet har hört av sig ännu"} {
		if !strings.Contains(body, want) {
			t.Errorf("empty list page lacks %q", want)
		}
	}
}

func TestListPageSkipsRecordingDeletedMeanwhile(t *testing.T) {
	src := listSource()
	src.deleted = map[string]bool{"rec-paused": true} // still in recs, as if deleted after Recordings returned
	h, _ := newTestHandler(t, src, &Options{EngineConfigured: true})

	w := get(t, h, "/")

	if w.Code != http.StatusOK {
		t.Fatalf("GET / status = %d, want 200", w.Code)
	}
	if strings.Contains(w.Body.String(), "rec-paused") {
		t.Error("list page shows a recording deleted while the page was built")
	}
	if !strings.Contains(w.Body.String(), "rec-ended") {
		t.Error("list page lacks the other recordings")
	}
}

func TestListPageWithoutStatusSourceHidesBoxes(t *testing.T) {
	h, _ := newTestHandler(t, listSource(), &Options{EngineConfigured: true})

	body := get(t, h, "/").Body.String()

	if strings.Contains(body, "Rumsenheter") {
		t.Error("list page without a status source shows the box list")
	}
}

func TestEngineHint(t *testing.T) {
	const hint = "--asr-url http://värd:port --asr-api whisper-server"
	tests := []struct {
		name       string
		opts       Options
		path       string
		wantNotice bool
		wantHint   string
	}{
		{"list_no_engine", Options{EngineHint: hint}, "/", true, hint},
		{"recording_no_engine", Options{EngineHint: hint}, "/recordings/rec-ended", true, hint},
		{"default_hint", Options{}, "/recordings/rec-ended", true, DefaultEngineHint},
		{"configured", Options{EngineConfigured: true, EngineHint: hint}, "/recordings/rec-ended", false, ""},
		{"error_page_has_no_hint", Options{EngineHint: hint}, "/recordings/rec-unknown", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newTestHandler(t, listSource(), &tt.opts)

			body := get(t, h, tt.path).Body.String()

			gotNotice := strings.Contains(body, "Ingen transkriberingsmotor är konfigurerad")
			if gotNotice != tt.wantNotice {
				t.Errorf("GET %s shows engine notice = %v, want %v", tt.path, gotNotice, tt.wantNotice)
			}
			if tt.wantHint != "" && !strings.Contains(body, "<code>"+tt.wantHint+"</code>") {
				t.Errorf("GET %s lacks the hint <code>%s</code>", tt.path, tt.wantHint)
			}
		})
	}
}

func TestRecordingPageSegments(t *testing.T) {
	src := listSource()
	src.segments = map[string][]store.Segment{"rec-ended": {
		// Out of order on purpose: the page sorts by start.
		{Start: 62 * time.Second, End: 65 * time.Second, Text: " Vi ses på fredag.", Words: []store.Word{
			{Text: " Vi", Probability: 0.97}, {Text: " ses", Probability: 0.91}, {Text: " på", Probability: 0.95}, {Text: " fredag", Start: 63500 * time.Millisecond, Probability: 0.31},
		}},
		{Start: 2 * time.Second, End: 5 * time.Second, Text: " Hej och välkommen.", Words: []store.Word{
			{Text: " Hej", Probability: 0.99}, {Text: " och", Probability: 0.49}, {Text: " välkommen", Probability: 0.88},
		}},
	}}
	h, _ := newTestHandler(t, src, &Options{EngineConfigured: true})

	body := get(t, h, "/recordings/rec-ended").Body.String()

	first, second := strings.Index(body, "Hej"), strings.Index(body, "Vi ses")
	if first < 0 || second < 0 || first > second {
		t.Errorf("segments out of time order: Hej at %d, Vi ses at %d", first, second)
	}
	for _, want := range []string{
		`data-start="2.00" aria-label="Spela upp från 00:02">00:02</button>`,
		`>01:02</button>`,
		`<button type="button" class="uncertain" data-start="0.00" aria-describedby="osakert">och</button>`,
		`<button type="button" class="uncertain" data-start="63.50" aria-describedby="osakert">fredag</button>.`,
		` Vi ses på `,
		`<audio id="spelare" controls preload="metadata" src="/recordings/rec-ended/audio.wav">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("recording page lacks %q", want)
		}
	}
	if got := strings.Count(body, `class="uncertain"`); got != 2 {
		t.Errorf("uncertain words marked = %d, want 2", got)
	}
}

func TestTextParts(t *testing.T) {
	tests := []struct {
		name string
		seg  store.Segment
		want []textPart
	}{
		{
			name: "whisper_tokens_with_spaces",
			seg: store.Segment{Text: " Hej, du.", Words: []store.Word{
				{Text: " Hej", Probability: 0.9}, {Text: ",", Probability: 0.2}, {Text: " du", Start: time.Second, Probability: 0.4},
			}},
			want: []textPart{
				{Text: " "}, {Text: "Hej", Word: true, Seconds: "0.00"}, {Text: ",", Word: true, Uncertain: true, Seconds: "0.00"},
				{Text: " "}, {Text: "du", Word: true, Uncertain: true, Seconds: "1.00"}, {Text: "."},
			},
		},
		{
			name: "openai_words_without_probability",
			seg: store.Segment{Text: "Hej du", Words: []store.Word{
				{Text: "Hej"}, {Text: "du"},
			}},
			want: []textPart{{Text: "Hej", Word: true, Seconds: "0.00"}, {Text: " "}, {Text: "du", Word: true, Seconds: "0.00"}},
		},
		{
			name: "word_missing_from_text_is_skipped",
			seg: store.Segment{Text: "Hej du", Words: []store.Word{
				{Text: "Hallå", Probability: 0.1}, {Text: "du", Probability: 0.1},
			}},
			want: []textPart{{Text: "Hej "}, {Text: "du", Word: true, Uncertain: true, Seconds: "0.00"}},
		},
		{
			name: "no_words",
			seg:  store.Segment{Text: "Hej du"},
			want: []textPart{{Text: "Hej du"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, textParts(tt.seg)); diff != "" {
				t.Errorf("textParts(%q) differs (-want +got):\n%s", tt.seg.Text, diff)
			}
		})
	}
}

func FuzzTextParts(f *testing.F) {
	f.Add(" Hej, du.", " Hej", ",", " du", 0.3)
	f.Add("Hej du", "Hej", "du", "", 0.0)
	f.Add("på åkern", "\xc3", "åkern", "x", 0.2)
	f.Fuzz(func(t *testing.T, text, w1, w2, w3 string, p float64) {
		seg := store.Segment{Text: text, Words: []store.Word{{Text: w1, Probability: p}, {Text: w2, Probability: 1 - p}, {Text: w3}}}

		parts := textParts(seg)

		var joined strings.Builder
		for _, part := range parts {
			joined.WriteString(part.Text)
			if part.Word && utf8.ValidString(text) && !utf8.ValidString(part.Text) {
				t.Errorf("word part %q of valid text %q is not valid UTF-8", part.Text, text)
			}
		}
		if joined.String() != text {
			t.Errorf("textParts(%q) joined = %q, want the text unchanged", text, joined.String())
		}
	})
}

func TestRecordingPageEscapesText(t *testing.T) {
	src := listSource()
	src.segments = map[string][]store.Segment{"rec-ended": {
		{Start: time.Second, Text: `Hon skrev <script>alert("x")</script> & gick.`, Words: []store.Word{
			{Text: `<script>alert("x")</script>`, Probability: 0.1},
		}},
	}}
	h, _ := newTestHandler(t, src, &Options{EngineConfigured: true})

	body := get(t, h, "/recordings/rec-ended").Body.String()

	if strings.Contains(body, "<script>alert") {
		t.Error("recording page contains an unescaped <script> from a segment")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Error("recording page lacks the escaped segment text")
	}
	if !strings.Contains(body, "&amp; gick.") {
		t.Error("recording page lacks the escaped ampersand")
	}
}

func TestRecordingPageTranscriptNotices(t *testing.T) {
	tests := []struct {
		name string
		id   string
		jobs []store.Job
		want string
	}{
		{"in_progress", "rec-ended", []store.Job{{Done: true}, {}}, "Utskriften tas fram"},
		{"nothing_said", "rec-ended", []store.Job{{Done: true}}, "Inget tal hittades"},
		{"no_jobs_yet", "rec-recording", nil, "Ingen utskrift ännu"},
		{"engine_retrying", "rec-ended", []store.Job{{Attempts: 2}}, "Transkriberingsmotorn svarar inte just nu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := listSource()
			src.jobs = map[string][]store.Job{tt.id: tt.jobs}
			h, _ := newTestHandler(t, src, &Options{EngineConfigured: true})

			body := get(t, h, "/recordings/"+tt.id).Body.String()

			if !strings.Contains(body, tt.want) {
				t.Errorf("GET /recordings/%s lacks %q", tt.id, tt.want)
			}
		})
	}
}

func TestRecordingPageWithoutAudio(t *testing.T) {
	h, _ := newTestHandler(t, listSource(), &Options{EngineConfigured: true})

	body := get(t, h, "/recordings/rec-no-consent-yet").Body.String()

	if !strings.Contains(body, "Inget ljud har kommit fram ännu.") {
		t.Error("recording page without audio lacks the notice")
	}
	if strings.Contains(body, "<audio") {
		t.Error("recording page without audio has a player")
	}
	if w := get(t, h, "/recordings/rec-no-consent-yet/audio.wav"); w.Code != http.StatusNotFound {
		t.Errorf("GET audio.wav without audio status = %d, want 404", w.Code)
	}
}

func TestErrorPages(t *testing.T) {
	src := listSource()
	src.deleted = map[string]bool{"rec-withdrawn": true}
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantText   string
	}{
		{"unknown_recording", "/recordings/rec-unknown", http.StatusNotFound, "Sidan finns inte"},
		{"unknown_recording_audio", "/recordings/rec-unknown/audio.wav", http.StatusNotFound, "Sidan finns inte"},
		{"invalid_id", "/recordings/REC..%2F", http.StatusNotFound, "Sidan finns inte"},
		{"unknown_path", "/admin", http.StatusNotFound, "Sidan finns inte"},
		{"unknown_static", "/static/missing.css", http.StatusNotFound, "Sidan finns inte"},
		{"static_directory", "/static/", http.StatusNotFound, "Sidan finns inte"},
		{"withdrawn_recording", "/recordings/rec-withdrawn", http.StatusGone, "Inspelningen är raderad"},
		{"withdrawn_audio", "/recordings/rec-withdrawn/audio.wav", http.StatusGone, "Inspelningen är raderad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newTestHandler(t, src, &Options{EngineConfigured: true})

			w := get(t, h, tt.path)

			if w.Code != tt.wantStatus {
				t.Errorf("GET %s status = %d, want %d", tt.path, w.Code, tt.wantStatus)
			}
			body := w.Body.String()
			if !strings.Contains(body, tt.wantText) || !strings.Contains(body, `lang="sv"`) {
				t.Errorf("GET %s body lacks %q in a Swedish page:\n%s", tt.path, tt.wantText, body)
			}
			if got := w.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("GET %s Content-Type = %q, want text/html; charset=utf-8", tt.path, got)
			}
		})
	}
}

func TestStoreFailureShowsSwedishErrorAndLogsDetail(t *testing.T) {
	src := listSource()
	src.err = errors.New("database is locked")
	h, logs := newTestHandler(t, src, &Options{EngineConfigured: true})

	for _, path := range []string{"/", "/recordings/rec-ended", "/recordings/rec-ended/audio.wav"} {
		w := get(t, h, path)

		if w.Code != http.StatusInternalServerError {
			t.Errorf("GET %s status = %d, want 500", path, w.Code)
		}
		body := w.Body.String()
		if !strings.Contains(body, "Något gick fel") {
			t.Errorf("GET %s lacks the Swedish error", path)
		}
		if strings.Contains(body, "database is locked") {
			t.Errorf("GET %s shows the technical error to the user", path)
		}
	}
	if !strings.Contains(logs.String(), "database is locked") {
		t.Errorf("log lacks the technical error:\n%s", logs)
	}
}

func TestAudioFailureBeforeHeaders(t *testing.T) {
	src := audioSource(randomSamples(16000, 1, 1), 16000, 1)
	src.audioErr = errors.New("open chunk 0: message authentication failed")
	h, logs := newTestHandler(t, src, &Options{EngineConfigured: true})

	w := get(t, h, "/recordings/rec-1/audio.wav")

	if w.Code != http.StatusInternalServerError {
		t.Errorf("GET audio.wav with a failing store status = %d, want 500", w.Code)
	}
	if !strings.Contains(logs.String(), "recording_id=rec-1") || !strings.Contains(logs.String(), "authentication failed") {
		t.Errorf("log lacks the recording id and cause:\n%s", logs)
	}
}

func TestAudioEndpoint(t *testing.T) {
	samples := randomSamples(16000*12+9, 2, 11)
	src := audioSource(samples, 16000, 2)
	h, _ := newTestHandler(t, src, &Options{EngineConfigured: true})

	w := get(t, h, "/recordings/rec-1/audio.wav")

	if w.Code != http.StatusOK {
		t.Fatalf("GET audio.wav status = %d, want 200", w.Code)
	}
	for header, want := range map[string]string{
		"Content-Type":   "audio/wav",
		"Content-Length": "768080", // 44 + (16000*12+9) frames * 2 channels * 2 bytes
		"Accept-Ranges":  "bytes",
		"Cache-Control":  "no-store",
	} {
		if got := w.Header().Get(header); got != want {
			t.Errorf("GET audio.wav %s = %q, want %q", header, got, want)
		}
	}
	got, rate, channels, err := audio.ReadWAV(w.Body)
	if err != nil {
		t.Fatalf("ReadWAV(response): %v", err)
	}
	if rate != 16000 || channels != 2 {
		t.Errorf("response format = %d Hz %d channels, want 16000 Hz 2 channels", rate, channels)
	}
	if i := firstDifference(samples, got); i >= 0 {
		t.Errorf("response samples differ from the stored ones at index %d", i)
	}
}

func TestAudioRangeRequest(t *testing.T) {
	samples := randomSamples(16000*12, 1, 5)
	src := audioSource(samples, 16000, 1)
	h, _ := newTestHandler(t, src, &Options{EngineConfigured: true})
	var whole bytes.Buffer
	if err := audio.WriteWAV(&whole, samples, 16000, 1); err != nil {
		t.Fatalf("WriteWAV: %v", err)
	}

	r := httptest.NewRequest(http.MethodGet, "/recordings/rec-1/audio.wav", nil)
	r.Header.Set("Range", "bytes=320001-320100")
	w := do(t, h, r)

	if w.Code != http.StatusPartialContent {
		t.Fatalf("range request status = %d, want 206", w.Code)
	}
	if got, want := w.Header().Get("Content-Range"), "bytes 320001-320100/384044"; got != want {
		t.Errorf("Content-Range = %q, want %q", got, want)
	}
	if got, want := w.Body.Bytes(), whole.Bytes()[320001:320101]; !bytes.Equal(got, want) {
		t.Errorf("range body = %x, want %x", got, want)
	}
}

func TestAudioHead(t *testing.T) {
	src := audioSource(randomSamples(16000, 1, 5), 16000, 1)
	h, logs := newTestHandler(t, src, &Options{EngineConfigured: true})

	w := do(t, h, httptest.NewRequest(http.MethodHead, "/recordings/rec-1/audio.wav", nil))

	if w.Code != http.StatusOK || w.Header().Get("Content-Length") != "32044" || w.Body.Len() != 0 {
		t.Errorf("HEAD audio.wav = %d, Content-Length %q, %d body bytes; want 200, 32044, 0",
			w.Code, w.Header().Get("Content-Length"), w.Body.Len())
	}
	if strings.Contains(logs.String(), "cut short") {
		t.Errorf("HEAD logged a cut-short response:\n%s", logs)
	}
}

func TestSecurityHeaders(t *testing.T) {
	h, _ := newTestHandler(t, listSource(), &Options{EngineConfigured: true})

	for _, path := range []string{"/", "/recordings/rec-ended", "/recordings/rec-ended/audio.wav", "/recordings/rec-unknown", "/static/style.css"} {
		w := get(t, h, path)
		for header, want := range map[string]string{
			"Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
			"Cache-Control":           "no-store",
			"X-Frame-Options":         "DENY",
		} {
			if got := w.Header().Get(header); got != want {
				t.Errorf("GET %s %s = %q, want %q", path, header, got, want)
			}
		}
	}
}

func TestRejectsNonLoopbackRequests(t *testing.T) {
	tests := []struct {
		name   string
		remote string
		host   string
	}{
		{"remote_client", "192.168.1.20:40000", "127.0.0.1:8080"},
		{"dns_rebinding_host", "127.0.0.1:40000", "evil.example:8080"},
		{"lan_host", "127.0.0.1:40000", "192.168.1.10:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, logs := newTestHandler(t, listSource(), &Options{EngineConfigured: true})
			r := httptest.NewRequest(http.MethodGet, "/recordings/rec-ended", nil)
			r.RemoteAddr, r.Host = tt.remote, tt.host

			w := do(t, h, r)

			if w.Code != http.StatusForbidden {
				t.Errorf("request from %s to %s status = %d, want 403", tt.remote, tt.host, w.Code)
			}
			if strings.Contains(w.Body.String(), "rum-12") {
				t.Error("rejected request got recording data")
			}
			if !strings.Contains(w.Body.String(), "Åtkomst nekad") {
				t.Error("rejected request lacks the Swedish explanation")
			}
			if !strings.Contains(logs.String(), "rejected non-loopback request") {
				t.Errorf("log lacks the rejection:\n%s", logs)
			}
		})
	}
}

func TestRejectedRequestLogIsRateLimited(t *testing.T) {
	now := testNow
	h, logs := newTestHandler(t, listSource(), &Options{EngineConfigured: true, Now: func() time.Time { return now }})
	reject := func() {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "192.168.1.20:40000"
		if w := do(t, h, r); w.Code != http.StatusForbidden {
			t.Fatalf("remote request status = %d, want 403", w.Code)
		}
	}

	for range 5 {
		reject()
	}
	if got := strings.Count(logs.String(), "rejected non-loopback request"); got != 1 {
		t.Errorf("log lines after 5 rejections in a minute = %d, want 1", got)
	}

	now = now.Add(time.Minute)
	reject()
	if got := strings.Count(logs.String(), "rejected non-loopback request"); got != 2 {
		t.Errorf("log lines after a minute = %d, want 2", got)
	}
	if !strings.Contains(logs.String(), "suppressed=4") {
		t.Errorf("second log line lacks suppressed=4:\n%s", logs)
	}
}

func TestAudioIfRangeWithOldVersion(t *testing.T) {
	samples := randomSamples(16000*3, 1, 5)
	h, _ := newTestHandler(t, audioSource(samples, 16000, 1), &Options{EngineConfigured: true})

	if got, want := get(t, h, "/recordings/rec-1/audio.wav").Header().Get("ETag"), `"48000"`; got != want {
		t.Errorf("audio.wav ETag = %q, want %q", got, want)
	}

	tests := []struct {
		name       string
		ifRange    string
		wantStatus int
	}{
		{"current_version", `"48000"`, http.StatusPartialContent},
		{"shorter_version", `"32000"`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/recordings/rec-1/audio.wav", nil)
			r.Header.Set("Range", "bytes=100-199")
			r.Header.Set("If-Range", tt.ifRange)

			w := do(t, h, r)

			if w.Code != tt.wantStatus {
				t.Errorf("range with If-Range %s status = %d, want %d", tt.ifRange, w.Code, tt.wantStatus)
			}
		})
	}
}

func TestRejectsOtherMethods(t *testing.T) {
	h, _ := newTestHandler(t, listSource(), &Options{EngineConfigured: true})

	w := do(t, h, httptest.NewRequest(http.MethodPost, "/recordings/rec-ended", strings.NewReader("x")))

	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST status = %d, want 405", w.Code)
	}
	if got := w.Header().Get("Allow"); got != "GET, HEAD" {
		t.Errorf("POST Allow = %q, want %q", got, "GET, HEAD")
	}
}

func TestStaticAssets(t *testing.T) {
	h, _ := newTestHandler(t, listSource(), &Options{EngineConfigured: true})

	for path, wantType := range map[string]string{
		"/static/style.css": "text/css; charset=utf-8",
		"/static/player.js": "text/javascript; charset=utf-8",
	} {
		w := get(t, h, path)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s status = %d, want 200", path, w.Code)
		}
		if got := w.Header().Get("Content-Type"); got != wantType {
			t.Errorf("GET %s Content-Type = %q, want %q", path, got, wantType)
		}
	}
}

func TestNewRejectsNilSource(t *testing.T) {
	if _, err := New(nil, nil); err == nil {
		t.Error("New(nil, nil) = nil error, want error")
	}
}

func TestPagesLogNoContent(t *testing.T) {
	src := listSource()
	src.segments = map[string][]store.Segment{"rec-ended": {{Start: time.Second, Text: "Mitt personnummer är 19121212-1212"}}}
	src.audioErr = errors.New("chunk 3 missing")
	h, logs := newTestHandler(t, src, &Options{EngineConfigured: true})

	get(t, h, "/recordings/rec-ended")
	get(t, h, "/recordings/rec-ended/audio.wav")

	if strings.Contains(logs.String(), "19121212") {
		t.Errorf("log contains transcript text:\n%s", logs)
	}
}

func TestAccessLoggedOncePerRead(t *testing.T) {
	src := listSource()
	recs, _ := src.Recordings(context.Background())
	var rec store.Recording
	for _, r := range recs {
		if hasAudio(r) {
			rec = r
			break
		}
	}
	if rec.ID == "" {
		t.Fatal("list source has no recording with audio")
	}
	var mu sync.Mutex
	var entries []string
	fail := false
	h, _ := newTestHandler(t, src, &Options{EngineConfigured: true, Access: func(r *http.Request, action, id string) error {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return errors.New("audit log unavailable")
		}
		entries = append(entries, action+" "+id)
		return nil
	}})

	get := func(path, rangeHeader string) int {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.RemoteAddr = "127.0.0.1:5000"
		req.Host = "127.0.0.1"
		if rangeHeader != "" {
			req.Header.Set("Range", rangeHeader)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	get("/recordings/"+rec.ID, "")
	get("/recordings/"+rec.ID+"/audio.wav", "bytes=0-")
	get("/recordings/"+rec.ID+"/audio.wav", "bytes=4000-")
	get("/", "")

	want := []string{"read " + rec.ID, "read " + rec.ID}
	if diff := cmp.Diff(want, entries); diff != "" {
		t.Errorf("access entries (-want +got):\n%s", diff)
	}

	fail = true
	if code := get("/recordings/"+rec.ID, ""); code != http.StatusServiceUnavailable {
		t.Errorf("recording page with a failing access log = %d, want 503", code)
	}
	// The audio read above is covered for audioReadWindow, so the test
	// clears that record to make the next read need a new entry.
	h.(*handler).audioReads = audioReads{}
	if code := get("/recordings/"+rec.ID+"/audio.wav", ""); code != http.StatusServiceUnavailable {
		t.Errorf("audio with a failing access log = %d, want 503", code)
	}
}

func TestRecordingRowEngineRejecting(t *testing.T) {
	h := &handler{now: time.Now, loc: time.UTC}
	rec := store.Recording{ID: "rec-1", State: store.StateEnded}
	tests := []struct {
		name                string
		lastError           string
		retrying, rejecting bool
	}{
		{"unavailable", "engine unavailable: connection refused", true, false},
		{"rejected", "engine rejected the piece: 404 Not Found", true, true},
	}
	for _, tt := range tests {
		row := h.recordingRow(rec, []store.Job{{ID: 1, Attempts: 2, LastError: tt.lastError}})
		if row.Retrying != tt.retrying || row.Rejecting != tt.rejecting {
			t.Errorf("%s: Retrying, Rejecting = %v, %v, want %v, %v", tt.name, row.Retrying, row.Rejecting, tt.retrying, tt.rejecting)
		}
	}
}

// TestEveryContentRouteLogsOnce walks every route the view registers: each
// one that reads content writes exactly one access-log entry per request,
// and the others write none. Admin routes are covered by the admin tests.
func TestEveryContentRouteLogsOnce(t *testing.T) {
	src := openTestStore(t)
	recID := "rec-speech"
	src.record(t, meeting{box: "rum-1", rec: recID, consentAt: testNow.Add(-time.Hour), format: monoFLAC,
		samples: readSwedishSpeech(t), events: []protocol.EventType{protocol.EventEnd}})
	var entries []string
	hd, _ := newTestHandler(t, src, &Options{EngineConfigured: true, Access: func(r *http.Request, action, id string) error {
		entries = append(entries, action+" "+id)
		return nil
	}})
	h := hd.(*handler)

	walked := 0
	for _, rt := range h.routes {
		method, path, found := strings.Cut(rt.pattern, " ")
		if !found {
			method, path = http.MethodGet, rt.pattern
		}
		if method != http.MethodGet || rt.kind == routeAdmin {
			continue
		}
		path = strings.NewReplacer("{id}", recID, "{name}", "style.css", "{$}", "").Replace(path)

		entries = nil
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.RemoteAddr = "127.0.0.1:5000"
		req.Host = "127.0.0.1"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)

		want := 0
		if rt.kind == routeContent {
			want = 1
			walked++
			if w.Code != http.StatusOK {
				t.Errorf("GET %s (route %s) = %d, want 200", path, rt.pattern, w.Code)
			}
		}
		if len(entries) != want {
			t.Errorf("GET %s (route %s) wrote %d access entries %v, want %d", path, rt.pattern, len(entries), entries, want)
		}
	}
	if walked < 2 {
		t.Errorf("walked %d content routes, want the recording page and its audio at least", walked)
	}
}

func TestDoubtfulSegmentsMarked(t *testing.T) {
	tests := []struct {
		name string
		seg  store.Segment
		want bool
	}{
		{"confident", store.Segment{AvgLogprob: -0.3, NoSpeechProb: 0.01}, false},
		{"low_logprob", store.Segment{AvgLogprob: -1.4}, true},
		{"likely_no_speech", store.Segment{AvgLogprob: -0.2, NoSpeechProb: 0.8}, true},
		{"no_figures", store.Segment{}, false}, // engines that report none are not marked
	}
	for _, tt := range tests {
		if got := doubtful(tt.seg); got != tt.want {
			t.Errorf("%s: doubtful = %v, want %v", tt.name, got, tt.want)
		}
	}
	rows := segmentRows([]store.Segment{{ID: 1, Text: " Hm.", AvgLogprob: -2}})
	if !rows[0].Doubtful {
		t.Error("segmentRows did not mark a doubtful segment")
	}
}
