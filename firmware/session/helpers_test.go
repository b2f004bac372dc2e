package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/hal/sim"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

var (
	t0         = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	badgeAnna  = []byte{0x04, 0xa1, 0xb2, 0xc3}
	badgeBo    = []byte{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}
	badgeOther = []byte{0xde, 0xad, 0xbe, 0xef}
	testBadges = map[string]string{"04a1b2c3": "badge-anna", "04112233445566": "badge-bo"}
)

// chunkFrames is the test recorder's chunk length: 5 s at 16 kHz.
const chunkFrames = 80000

// writeTone writes a WAV file of a 440 Hz tone and returns its path.
func writeTone(t *testing.T, seconds float64, rate, channels int) string {
	t.Helper()
	frames := int(seconds * float64(rate))
	samples := make([]int16, frames*channels)
	for i := range frames {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)))
		for c := range channels {
			samples[i*channels+c] = v
		}
	}
	path := filepath.Join(t.TempDir(), "tone.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := audio.WriteWAV(f, samples, rate, channels); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// testJournal stores events decoded, so every message is also checked to
// be a valid protocol event.
type testJournal struct {
	mu      sync.Mutex
	events  map[string][]protocol.Event
	closed  map[string]bool
	dropped map[string]int
	failAdd error    // returned by AddEvent while set
	recs    []string // recordings in creation order
	ops     []string // "event:<type>", "close" and "drop" in call order
}

func newTestJournal() *testJournal {
	return &testJournal{
		events:  make(map[string][]protocol.Event),
		closed:  make(map[string]bool),
		dropped: make(map[string]int),
	}
}

func (j *testJournal) AddEvent(rec string, seq uint64, msg []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.failAdd != nil {
		return j.failAdd
	}
	if j.closed[rec] {
		return fmt.Errorf("recording %s is closed", rec)
	}
	e, err := protocol.DecodeEvent(msg)
	if err != nil {
		return err
	}
	if e.Seq != seq {
		return fmt.Errorf("event seq %d stored as %d", e.Seq, seq)
	}
	if _, ok := j.events[rec]; !ok {
		j.recs = append(j.recs, rec)
	}
	j.events[rec] = append(j.events[rec], e)
	j.ops = append(j.ops, "event:"+string(e.Type))
	return nil
}

func (j *testJournal) CloseRecording(rec string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed[rec] = true
	j.ops = append(j.ops, "close")
	return nil
}

func (j *testJournal) DropChunks(rec string) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.dropped[rec]++
	j.ops = append(j.ops, "drop")
	return 2, nil
}

func (j *testJournal) recordings() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.recs)
}

func (j *testJournal) operations() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.ops)
}

func (j *testJournal) isClosed(rec string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.closed[rec]
}

func (j *testJournal) setFailAdd(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.failAdd = err
}

func (j *testJournal) eventsOf(rec string) []protocol.Event {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.events[rec])
}

// sendingJournal is a journal that reports acknowledgements through WaitSent.
type sendingJournal struct {
	*testJournal
	sent chan string
}

func (j *sendingJournal) WaitSent(ctx context.Context, rec string) error {
	for {
		select {
		case id := <-j.sent:
			if id == rec {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// testRecorder records the LED state at every Write.
type testRecorder struct {
	led      func() hal.LEDState
	channels int

	mu        sync.Mutex
	ledSeen   []hal.LEDState
	frames    uint64
	buffered  uint64
	chunks    uint64
	flushes   int
	failAfter int // Write fails from this write on (1-based) when > 0
	changed   chan struct{}
}

func (r *testRecorder) Write(samples []int16) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failAfter > 0 && len(r.ledSeen)+1 >= r.failAfter {
		return errors.New("disk full")
	}
	r.ledSeen = append(r.ledSeen, r.led())
	n := uint64(len(samples) / r.channels)
	r.frames += n
	r.buffered += n
	for r.buffered >= chunkFrames {
		r.buffered -= chunkFrames
		r.chunks++
	}
	close(r.changed)
	r.changed = make(chan struct{})
	return nil
}

func (r *testRecorder) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushes++
	if r.buffered > 0 {
		r.buffered = 0
		r.chunks++
	}
	return nil
}

func (r *testRecorder) Frames() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.frames
}

func (r *testRecorder) Chunks() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.chunks
}

func (r *testRecorder) writes() []hal.LEDState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ledSeen)
}

// waitFrames waits until the recorder holds n frames.
func (r *testRecorder) waitFrames(ctx context.Context, n uint64) error {
	for {
		r.mu.Lock()
		frames, changed := r.frames, r.changed
		r.mu.Unlock()
		if frames >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d frames, have %d: %w", n, frames, ctx.Err())
		}
	}
}

// rig is a session on a simulated board with a manual clock.
type rig struct {
	t       *testing.T
	ctx     context.Context
	board   *sim.Board
	clock   *sim.ManualClock
	mic     *sim.WAVMicrophone
	journal *testJournal
	session *Session

	mu        sync.Mutex
	recorders []*testRecorder
	failAfter int
	states    []protocol.BoxState
	stateSeen chan struct{} // closed and replaced on every state change

	logs     *logRecorder
	stop     context.CancelFunc
	stopOnce sync.Once
	runErr   error
	done     chan error
}

type rigOptions struct {
	wav        string       // default: a 30 s tone played in real time by the manual clock
	fast       bool         // play the WAV as fast as possible
	failAfter  int          // recorders fail from this write on
	journal    Journal      // default: a testJournal
	ledFailsOn hal.LEDState // the LED fails to show this state; LEDOff never fails
	noMic      bool
	mic        hal.Microphone    // replaces the WAV microphone when set
	badges     map[string]string // default testBadges
	channels   int               // microphone channels; default the file\'s
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)

	clock := sim.NewManualClock(t0)
	logs := &logRecorder{changed: make(chan struct{}), verbose: testing.Verbose()}
	logger := slog.New(&logHandler{rec: logs})
	board := sim.NewBoard(&sim.Options{Logger: logger, Clock: clock})

	path := o.wav
	if path == "" {
		path = writeTone(t, 30, 16000, 1)
	}
	mic, err := sim.NewWAVMicrophone(path, &sim.WAVOptions{Realtime: !o.fast, Clock: clock, Channels: o.channels})
	if err != nil {
		t.Fatal(err)
	}

	r := &rig{
		t: t, ctx: ctx, board: board, clock: clock, mic: mic,
		failAfter: o.failAfter,
		logs:      logs,
		stateSeen: make(chan struct{}),
		done:      make(chan error, 1),
	}
	var journal Journal = newTestJournal()
	if o.journal != nil {
		journal = o.journal
	}
	switch j := journal.(type) {
	case *testJournal:
		r.journal = j
	case *sendingJournal:
		r.journal = j.testJournal
	}

	var micDev hal.Microphone = mic
	if o.mic != nil {
		micDev = o.mic
	}
	if o.noMic {
		micDev = nil
	}
	var led hal.LED = board.StatusLED()
	if o.ledFailsOn != hal.LEDOff {
		led = failingLED{LED: led, failOn: o.ledFailsOn}
	}

	badges := testBadges
	if o.badges != nil {
		badges = o.badges
	}
	ids := 0
	s, err := New(board.Green(), board.Red(), led, board.Reader(), micDev, journal, &Options{
		BoxID:  "box-7",
		Board:  "sim",
		Badges: badges,
		Clock:  clock,
		NewRecordingID: func() string {
			ids++
			return fmt.Sprintf("rec-%d", ids)
		},
		NewRecorder: r.newRecorder,
		OnState: func(st protocol.BoxState) {
			r.mu.Lock()
			r.states = append(r.states, st)
			close(r.stateSeen)
			r.stateSeen = make(chan struct{})
			r.mu.Unlock()
		},
		Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.session = s

	runCtx, stop := context.WithCancel(ctx)
	r.stop = stop
	go func() { r.done <- s.Run(runCtx) }()
	t.Cleanup(func() { r.stopRun() })
	return r
}

// stopRun cancels Run's context and returns what Run returned.
func (r *rig) stopRun() error {
	r.stopOnce.Do(func() {
		r.stop()
		r.runErr = <-r.done
	})
	return r.runErr
}

func (r *rig) newRecorder(rec string, format hal.AudioFormat) (Recorder, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tr := &testRecorder{led: r.board.LED, channels: format.Channels, failAfter: r.failAfter, changed: make(chan struct{})}
	r.recorders = append(r.recorders, tr)
	return tr, nil
}

func (r *rig) recorder(i int) *testRecorder {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if i >= len(r.recorders) {
		r.t.Fatalf("recorder %d was never created, have %d", i, len(r.recorders))
	}
	return r.recorders[i]
}

func (r *rig) recorderCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.recorders)
}

func (r *rig) stateHistory() []protocol.BoxState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.states)
}

func (r *rig) waitLED(state hal.LEDState) {
	r.t.Helper()
	if err := r.board.WaitLED(r.ctx, state); err != nil {
		r.t.Fatal(err)
	}
}

// waitState waits until the session reports st.
func (r *rig) waitState(st protocol.BoxState) {
	r.t.Helper()
	for {
		r.mu.Lock()
		seen := r.stateSeen
		r.mu.Unlock()
		if r.session.State() == st {
			return
		}
		select {
		case <-seen:
		case <-r.ctx.Done():
			r.t.Fatalf("State() = %s, want %s", r.session.State(), st)
		}
	}
}

// advance moves the clock once n timers are pending, so the code that
// armed them cannot miss the move.
func (r *rig) advance(n int, d time.Duration) {
	r.t.Helper()
	if err := r.clock.BlockUntil(r.ctx, n); err != nil {
		r.t.Fatal(err)
	}
	r.clock.Advance(d)
}

// record plays d of audio to recorder i, in 100 ms steps, and waits until it arrived.
func (r *rig) record(i int, d time.Duration) {
	r.t.Helper()
	rec := r.recorder(i)
	for step := time.Duration(0); step < d; step += 100 * time.Millisecond {
		want := rec.Frames() + 1600
		r.advance(1, 100*time.Millisecond)
		if err := rec.waitFrames(r.ctx, want); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *rig) do(err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatal(err)
	}
}

// ledStates returns the LED history as states only.
func (r *rig) ledStates() []hal.LEDState {
	var out []hal.LEDState
	for _, c := range r.board.LEDHistory() {
		out = append(out, c.State)
	}
	return out
}

// failingLED fails only when asked to show one state.
type failingLED struct {
	hal.LED
	failOn hal.LEDState
}

func (l failingLED) Set(st hal.LEDState) error {
	if st == l.failOn {
		return errors.New("led driver gone")
	}
	return l.LED.Set(st)
}

// logRecorder keeps every log line so tests can wait for a message and
// check what was logged.
type logRecorder struct {
	verbose bool

	mu      sync.Mutex
	lines   []logLine
	changed chan struct{}
}

type logLine struct {
	msg  string
	text string // message and attributes as key=value pairs
}

type logHandler struct {
	rec   *logRecorder
	attrs []slog.Attr
}

func (h *logHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	text := r.Message
	for _, a := range h.attrs {
		text += " " + a.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		text += " " + a.String()
		return true
	})
	if h.rec.verbose {
		fmt.Fprintln(os.Stderr, r.Level, text)
	}

	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	h.rec.lines = append(h.rec.lines, logLine{msg: r.Message, text: text})
	close(h.rec.changed)
	h.rec.changed = make(chan struct{})
	return nil
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logHandler{rec: h.rec, attrs: append(slices.Clone(h.attrs), attrs...)}
}

func (h *logHandler) WithGroup(string) slog.Handler { return h }

// count returns how many lines have the message msg.
func (l *logRecorder) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if line.msg == msg {
			n++
		}
	}
	return n
}

func (l *logRecorder) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		out = append(out, line.text)
	}
	return out
}

// waitLog waits until n lines with the message msg were logged.
func (r *rig) waitLog(msg string, n int) {
	r.t.Helper()
	for {
		r.logs.mu.Lock()
		changed := r.logs.changed
		r.logs.mu.Unlock()
		if r.logs.count(msg) >= n {
			return
		}
		select {
		case <-changed:
		case <-r.ctx.Done():
			r.t.Fatalf("log message %q seen %d times, want %d", msg, r.logs.count(msg), n)
		}
	}
}

// handMic is a microphone whose Read returns only what the test feeds it.
// Like a device that returns what it has after Stop, its Read is not
// interrupted by Stop.
type handMic struct {
	feed chan []int16
}

func (m *handMic) Format() hal.AudioFormat { return hal.AudioFormat{SampleRate: 16000, Channels: 1} }
func (m *handMic) Start() error            { return nil }
func (m *handMic) Stop() error             { return nil }
func (m *handMic) Close() error            { return nil }

func (m *handMic) Read(buf []int16) (int, error) {
	samples, ok := <-m.feed
	if !ok {
		return 0, io.EOF
	}
	return copy(buf, samples), nil
}
