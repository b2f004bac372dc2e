package ui

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// swedishSpeech is a Common Voice clip of Swedish speech (48 kHz mono, CC0).
const swedishSpeech = "/work/shared/audio/common_voice_sv-SE_18717015.wav"

// testStore is a real store in a temporary directory, with real Tink keys
// and a clock the test moves.
type testStore struct {
	*store.Store
	now time.Time
}

func openTestStore(t testing.TB) *testStore {
	t.Helper()
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	k, err := keys.Open(filepath.Join(dir, "keys"), &keys.Options{Logger: quiet})
	if err != nil {
		t.Fatalf("keys.Open: %v", err)
	}
	ts := &testStore{now: testNow}
	s, err := store.Open(filepath.Join(dir, "central.db"), k, &store.Options{Logger: quiet, Now: func() time.Time { return ts.now }})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	ts.Store = s
	return ts
}

// meeting describes a recording to put into the store the way ingest does.
type meeting struct {
	box, rec  string
	consentAt time.Time
	format    protocol.AudioFormat
	samples   []int16
	skipSeqs  map[uint64]bool // chunks that have not arrived
	events    []protocol.EventType
}

// record stores a meeting's consent event, its chunks of at most five
// seconds, and then its further events (end, interrupted, pause, withdraw).
// It returns the number of chunks the box wrote.
func (ts *testStore) record(t testing.TB, m meeting) uint64 {
	t.Helper()
	ctx := context.Background()
	ts.now = m.consentAt.Add(time.Second)

	consent := protocol.Event{Seq: 0, Type: protocol.EventConsent, At: m.consentAt, Start: &protocol.StartInfo{
		Format: m.format, BadgeID: "badge-1", Board: "sim", ConsentAsk: m.consentAt.Add(-5 * time.Second),
	}}
	if _, err := ts.PutEvent(ctx, m.box, m.rec, consent); err != nil {
		t.Fatalf("PutEvent(consent %s): %v", m.rec, err)
	}

	ch := m.format.Channels
	chunkFrames := int(protocol.MaxChunkDuration/time.Second) * m.format.SampleRate
	frames := len(m.samples) / ch
	var seq uint64
	for first := 0; first < frames; first += chunkFrames {
		n := min(chunkFrames, frames-first)
		if !m.skipSeqs[seq] {
			piece := m.samples[first*ch : (first+n)*ch]
			payload := audio.EncodePCM(piece)
			if m.format.Codec == protocol.CodecFLAC {
				var err error
				if payload, err = audio.EncodeFLAC(piece, m.format.SampleRate, ch); err != nil {
					t.Fatalf("EncodeFLAC: %v", err)
				}
			}
			h := protocol.ChunkHeader{Format: m.format, FirstFrame: uint64(first), Frames: n,
				CapturedAt: m.consentAt.Add(framesDuration(uint64(first), m.format.SampleRate))}
			if _, err := ts.PutChunk(ctx, m.box, m.rec, seq, h, payload); err != nil {
				t.Fatalf("PutChunk(%s, %d): %v", m.rec, seq, err)
			}
		}
		seq++
	}

	for i, typ := range m.events {
		e := protocol.Event{Seq: uint64(i + 1), Type: typ, At: m.consentAt.Add(framesDuration(uint64(frames), m.format.SampleRate)), Frame: uint64(frames)}
		if typ == protocol.EventEnd || typ == protocol.EventInterrupted {
			e.End = &protocol.EndInfo{Chunks: seq, Frames: uint64(frames)}
		}
		if _, err := ts.PutEvent(ctx, m.box, m.rec, e); err != nil {
			t.Fatalf("PutEvent(%s %s): %v", typ, m.rec, err)
		}
	}
	return seq
}

// transcribe adds one job over [start, end) frames and finishes it with
// segs, unless segs is nil.
func (ts *testStore) transcribe(t *testing.T, rec string, start, end uint64, segs []store.Segment) store.Job {
	t.Helper()
	ctx := context.Background()
	job, err := ts.AddJob(ctx, rec, start, end, end)
	if err != nil {
		t.Fatalf("AddJob(%s): %v", rec, err)
	}
	if segs == nil {
		return job
	}
	if err := ts.FinishJob(ctx, job.ID, segs); err != nil {
		t.Fatalf("FinishJob(%s): %v", rec, err)
	}
	return job
}

// readSwedishSpeech returns the bundled Swedish clip resampled to 16 kHz mono.
func readSwedishSpeech(t testing.TB) []int16 {
	t.Helper()
	f, err := os.Open(swedishSpeech)
	if err != nil {
		t.Fatalf("open Swedish speech: %v", err)
	}
	defer f.Close()
	samples, rate, channels, err := audio.ReadWAV(f)
	if err != nil {
		t.Fatalf("ReadWAV(%s): %v", swedishSpeech, err)
	}
	if channels != 1 {
		t.Fatalf("%s has %d channels, want 1", swedishSpeech, channels)
	}
	return audio.Resample(samples, 1, rate, 16000)
}

// startServer serves h on a loopback port, as cmd/central does.
func startServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestRealStoreAudioEqualsStoredSamples(t *testing.T) {
	ts := openTestStore(t)
	speech := readSwedishSpeech(t)
	ts.record(t, meeting{box: "rum-1", rec: "rec-speech", consentAt: testNow.Add(-time.Hour), format: monoFLAC,
		samples: speech, events: []protocol.EventType{protocol.EventEnd}})
	h, logs := newTestHandler(t, ts, &Options{EngineConfigured: true})
	srv := startServer(t, h)

	resp, err := http.Get(srv.URL + "/recordings/rec-speech/audio.wav")
	if err != nil {
		t.Fatalf("GET audio.wav: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read audio.wav: %v", err)
	}

	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET audio.wav status = %d, want 200", resp.StatusCode)
	}
	if got, want := resp.ContentLength, int64(wavHeaderSize+2*len(speech)); got != want {
		t.Errorf("Content-Length = %d, want %d", got, want)
	}
	got, rate, channels, err := audio.ReadWAV(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("ReadWAV(response): %v", err)
	}
	if rate != 16000 || channels != 1 {
		t.Errorf("response format = %d Hz %d channels, want 16000 Hz 1 channel", rate, channels)
	}
	if i := firstDifference(speech, got); i >= 0 {
		t.Errorf("served samples differ from the stored ones at index %d of %d", i, len(speech))
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("serving audio logged an error:\n%s", logs)
	}
}

func TestRealStoreAudioRangeAcrossChunks(t *testing.T) {
	ts := openTestStore(t)
	samples := randomSamples(16000*17+3, 2, 9)
	stereo := protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: 2, Bits: 16}
	ts.record(t, meeting{box: "rum-1", rec: "rec-stereo", consentAt: testNow.Add(-time.Hour), format: stereo,
		samples: samples, events: []protocol.EventType{protocol.EventEnd}})
	h, _ := newTestHandler(t, ts, &Options{EngineConfigured: true})
	srv := startServer(t, h)
	var whole bytes.Buffer
	if err := audio.WriteWAV(&whole, samples, 16000, 2); err != nil {
		t.Fatalf("WriteWAV: %v", err)
	}

	// Bytes 639990 to 640100 straddle the end of the 10 s window and of chunk 1.
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/recordings/rec-stereo/audio.wav", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Range", "bytes=639990-640100")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET range: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read range: %v", err)
	}

	if resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("range status = %d, want 206", resp.StatusCode)
	}
	if want := whole.Bytes()[639990:640101]; !bytes.Equal(body, want) {
		t.Errorf("range body differs from the WAV of the stored samples:\n got %x\nwant %x", body, want)
	}
}

func TestRealStoreAudioStopsAtGap(t *testing.T) {
	ts := openTestStore(t)
	samples := randomSamples(16000*12, 1, 4)
	ts.record(t, meeting{box: "rum-1", rec: "rec-gap", consentAt: testNow.Add(-time.Hour), format: monoFLAC,
		samples: samples, skipSeqs: map[uint64]bool{1: true}, events: []protocol.EventType{protocol.EventEnd}})
	h, _ := newTestHandler(t, ts, &Options{EngineConfigured: true})

	w := get(t, h, "/recordings/rec-gap/audio.wav")

	if w.Code != http.StatusOK {
		t.Fatalf("GET audio.wav status = %d, want 200", w.Code)
	}
	got, _, _, err := audio.ReadWAV(w.Body)
	if err != nil {
		t.Fatalf("ReadWAV(response): %v", err)
	}
	// Only chunk 0 (5 s) is contiguous: the player gets it, not chunk 2 (2 s) after the gap.
	if i := firstDifference(samples[:16000*5], got); i >= 0 {
		t.Errorf("served samples differ from chunk 0 at index %d (got %d samples, want %d)", i, len(got), 16000*5)
	}
	page := get(t, h, "/recordings/rec-gap").Body.String()
	for _, want := range []string{"väntar på ljud", "2 av 3", "5 s av 7 s kan spelas upp"} {
		if !strings.Contains(page, want) {
			t.Errorf("recording page with a missing chunk lacks %q", want)
		}
	}
}

// recordListMeetings stores one recording in every state the list shows.
func recordListMeetings(t *testing.T, ts *testStore) {
	t.Helper()
	day := func(hour, minute int) time.Time { return time.Date(2026, 12, 4, hour, minute, 0, 0, time.UTC) }
	second := 16000
	ts.record(t, meeting{box: "rum-12", rec: "rec-ended", consentAt: day(8, 0), format: monoFLAC,
		samples: randomSamples(second*12+second/2, 1, 1), events: []protocol.EventType{protocol.EventEnd}})
	ts.transcribe(t, "rec-ended", 0, uint64(second*6), []store.Segment{{Start: time.Second, End: 3 * time.Second, Text: "Hej och välkommen."}})
	ts.transcribe(t, "rec-ended", uint64(second*6), uint64(second*12), []store.Segment{})

	ts.record(t, meeting{box: "rum-3", rec: "rec-interrupted", consentAt: day(9, 30), format: monoFLAC,
		samples: randomSamples(second*7, 1, 2), events: []protocol.EventType{protocol.EventInterrupted}})

	ts.record(t, meeting{box: "rum-3", rec: "rec-waiting", consentAt: day(10, 0), format: monoFLAC,
		samples: randomSamples(second*15, 1, 3), skipSeqs: map[uint64]bool{2: true}, events: []protocol.EventType{protocol.EventEnd}})
	job := ts.transcribe(t, "rec-waiting", 0, uint64(second*10), nil)
	if err := ts.RetryJob(context.Background(), job.ID, testNow.Add(time.Minute), "dial tcp 127.0.0.1:9000: connection refused"); err != nil {
		t.Fatalf("RetryJob: %v", err)
	}

	ts.record(t, meeting{box: "rum-7", rec: "rec-paused", consentAt: day(13, 5), format: monoFLAC,
		samples: randomSamples(second*45, 1, 4), events: []protocol.EventType{protocol.EventPause}})

	ts.record(t, meeting{box: "rum-12", rec: "rec-recording", consentAt: day(14, 49), format: monoFLAC,
		samples: randomSamples(second*20, 1, 5)})

	ts.record(t, meeting{box: "rum-7", rec: "rec-withdrawn", consentAt: day(14, 55), format: monoFLAC,
		samples: randomSamples(second*5, 1, 6), events: []protocol.EventType{protocol.EventWithdraw}})
}

func TestListPageGolden(t *testing.T) {
	ts := openTestStore(t)
	recordListMeetings(t, ts)
	h, _ := newTestHandler(t, ts, &Options{Statuses: listStatuses(), EngineConfigured: true,
		WipeTime: func(rec store.Recording) time.Time {
			if rec.State == store.StateRecording {
				return time.Time{} // a row without a known wipe time shows a dash
			}
			return time.Date(2026, 12, 11, 17, 0, 0, 0, time.UTC)
		}})

	w := get(t, h, "/")

	if w.Code != http.StatusOK {
		t.Fatalf("GET / status = %d, want 200", w.Code)
	}
	checkGolden(t, "list.html", w.Body.Bytes())
}

func TestRealStoreListPage(t *testing.T) {
	ts := openTestStore(t)
	recordListMeetings(t, ts)
	h, _ := newTestHandler(t, ts, &Options{Statuses: listStatuses(), EngineConfigured: true,
		WipeTime: func(rec store.Recording) time.Time {
			if rec.State == store.StateRecording {
				return time.Time{} // a row without a known wipe time shows a dash
			}
			return time.Date(2026, 12, 11, 17, 0, 0, 0, time.UTC)
		}})

	body := get(t, h, "/").Body.String()

	for _, want := range []string{
		"pågår", "pausad", "avslutad", "avbruten", "väntar på ljud",
		"fre 4 dec 09:00", // consent at 08:00 UTC
		"fre 4 dec 15:49", // consent at 14:49 UTC
		"12 s",            // 12.5 s truncated
		"45 s",
		"3 av 3",     // rec-ended: 12.5 s in chunks of 5 s
		"2 av 3",     // rec-waiting: chunk 2 missing
		"4 hittills", // rec-recording: 20 s, not ended
		"2 av 2 delar klara",
		"0 av 1 delar klara",
		"väntar på motorn",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("list page lacks %q", want)
		}
	}
	if strings.Contains(body, "rec-withdrawn") {
		t.Error("list page shows a withdrawn recording")
	}
	if strings.Contains(body, "Hej och välkommen") {
		t.Error("list page shows transcript text")
	}
}

func TestRealStoreRecordingPage(t *testing.T) {
	ts := openTestStore(t)
	second := uint64(16000)
	ts.record(t, meeting{box: "rum-1", rec: "rec-talk", consentAt: testNow.Add(-time.Hour), format: monoFLAC,
		samples: randomSamples(int(second)*70, 1, 8), events: []protocol.EventType{protocol.EventEnd}})
	// Two jobs finished out of time order, with segment times relative to the recording.
	ts.transcribe(t, "rec-talk", 60*second, 70*second, []store.Segment{{Start: 62 * time.Second, End: 65 * time.Second,
		Text: " Vi ses <b>på</b> fredag.", Words: []store.Word{
			{Text: " Vi", Start: 62 * time.Second, Probability: 0.95},
			{Text: " ses", Start: 62500 * time.Millisecond, Probability: 0.9},
			{Text: " fredag", Start: 63500 * time.Millisecond, Probability: 0.3},
		}}})
	ts.transcribe(t, "rec-talk", 0, 60*second, []store.Segment{{Start: 2 * time.Second, End: 5 * time.Second,
		Text: " Hej och välkommen.", Words: []store.Word{
			{Text: " Hej", Start: 2 * time.Second, Probability: 0.99},
			{Text: " och", Start: 2400 * time.Millisecond, Probability: 0.45},
			{Text: " välkommen", Start: 2700 * time.Millisecond, Probability: 0.8},
		}}})
	h, _ := newTestHandler(t, ts, &Options{EngineConfigured: true})

	w := get(t, h, "/recordings/rec-talk")

	if w.Code != http.StatusOK {
		t.Fatalf("GET /recordings/rec-talk status = %d, want 200", w.Code)
	}
	body := w.Body.String()
	first, second2 := strings.Index(body, ">00:02<"), strings.Index(body, ">01:02<")
	if first < 0 || second2 < 0 || first > second2 {
		t.Errorf("segment times out of order or missing: 00:02 at %d, 01:02 at %d", first, second2)
	}
	for _, want := range []string{
		`<button type="button" class="uncertain" data-start="2.40" aria-describedby="osakert">och`,
		`<button type="button" class="uncertain" data-start="63.50" aria-describedby="osakert">fredag`,
		`&lt;b&gt;på&lt;/b&gt;`,
		`src="/recordings/rec-talk/audio.wav"`,
		"1 min 10 s",
		"2 av 2 delar klara",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("recording page lacks %q", want)
		}
	}
	if got := strings.Count(body, `class="uncertain"`); got != 2 {
		t.Errorf("uncertain words marked = %d, want 2", got)
	}
}

func TestRealStoreMissingAndWithdrawn(t *testing.T) {
	ts := openTestStore(t)
	ts.record(t, meeting{box: "rum-1", rec: "rec-withdrawn", consentAt: testNow.Add(-time.Hour), format: monoFLAC,
		samples: randomSamples(16000*3, 1, 1), events: []protocol.EventType{protocol.EventWithdraw}})
	h, _ := newTestHandler(t, ts, &Options{EngineConfigured: true})

	tests := []struct {
		path       string
		wantStatus int
		wantText   string
	}{
		{"/recordings/rec-never-existed", http.StatusNotFound, "Sidan finns inte"},
		{"/recordings/rec-never-existed/audio.wav", http.StatusNotFound, "Sidan finns inte"},
		{"/recordings/rec-withdrawn", http.StatusGone, "Inspelningen är raderad"},
		{"/recordings/rec-withdrawn/audio.wav", http.StatusGone, "Inspelningen är raderad"},
	}
	for _, tt := range tests {
		w := get(t, h, tt.path)
		if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantText) {
			t.Errorf("GET %s = %d with %q in body: %v, want %d with it", tt.path, w.Code, tt.wantText,
				strings.Contains(w.Body.String(), tt.wantText), tt.wantStatus)
		}
	}
}

// BenchmarkServeAudio serves one minute of FLAC-coded Swedish speech from a
// real store as WAV and reports the speed as a multiple of real time.
func BenchmarkServeAudio(b *testing.B) {
	ts := openTestStore(b)
	clip := readSwedishSpeech(b)
	var minute []int16
	for len(minute) < 16000*60 {
		minute = append(minute, clip...)
	}
	minute = minute[:16000*60]
	ts.record(b, meeting{box: "rum-1", rec: "rec-bench", consentAt: testNow.Add(-time.Hour), format: monoFLAC,
		samples: minute, events: []protocol.EventType{protocol.EventEnd}})
	h, err := New(ts, &Options{EngineConfigured: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, "/recordings/rec-bench/audio.wav", nil)
		r.RemoteAddr, r.Host = "127.0.0.1:5000", "127.0.0.1:8080"
		w := &discardResponse{header: http.Header{}}
		h.ServeHTTP(w, r)
		if w.status != http.StatusOK || w.written != int64(wavHeaderSize+2*len(minute)) {
			b.Fatalf("GET audio.wav = %d with %d bytes", w.status, w.written)
		}
	}
	b.ReportMetric(float64(b.N)*60/b.Elapsed().Seconds(), "x_realtime")
}

// discardResponse is a ResponseWriter that counts and drops the body, so
// the benchmark measures the handler and not a growing buffer.
type discardResponse struct {
	header  http.Header
	status  int
	written int64
}

func (d *discardResponse) Header() http.Header { return d.header }

func (d *discardResponse) WriteHeader(status int) { d.status = status }

func (d *discardResponse) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.written += int64(len(p))
	return len(p), nil
}
