package session

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// Journal stores a recording's events durably and drops its chunks. It is
// implemented by firmware/spool.
type Journal interface {
	// AddEvent stores an encoded protocol.Event as event seq of recording
	// rec. The consent event (seq 0) creates the recording.
	AddEvent(rec string, seq uint64, msg []byte) error
	// CloseRecording marks the recording as complete: no more chunks or events follow.
	CloseRecording(rec string) error
	// DropChunks deletes every chunk of rec that is still spooled and returns how many.
	DropChunks(rec string) (int, error)
}

// SendWaiter is implemented by a journal that can tell when the central
// service has acknowledged everything of a recording. With it the session
// shows "sending" until then; without it the session returns to idle as
// soon as the recording is closed.
type SendWaiter interface {
	// WaitSent blocks until every chunk and event of rec is acknowledged or ctx ends.
	WaitSent(ctx context.Context, rec string) error
}

// Recorder encodes, encrypts and spools one recording's audio. It is
// implemented by firmware/capture.Recorder. Only one goroutine at a time
// calls it.
type Recorder interface {
	// Write appends interleaved samples in the format the recorder was created for.
	Write(samples []int16) error
	// Flush writes buffered audio as a chunk, even if it is shorter than a full chunk.
	Flush() error
	// Frames returns the number of frames written so far.
	Frames() uint64
	// Chunks returns the number of chunks spooled so far.
	Chunks() uint64
}

// Options configure a Session. Nil and zero fields mean the documented defaults.
type Options struct {
	BoxID string // required, a protocol id
	Board string // required, the board profile name recorded in StartInfo
	// CaseworkerDirection is recorded in StartInfo for diarization; nil when unknown.
	CaseworkerDirection *float64
	// Badges maps a card UID, as lowercase hex, to the badge id of the
	// box's configuration. An empty map puts the session in the fault state.
	Badges map[string]string
	// ConsentTimeout is how long the box waits for yes or no; default 60 s.
	ConsentTimeout time.Duration
	Clock          Clock // default: the system clock
	// NewRecordingID returns a new recording id; default a lowercase UUIDv7.
	NewRecordingID func() string
	// NewRecorder creates the recorder of a new recording; required.
	NewRecorder func(rec string, format hal.AudioFormat) (Recorder, error)
	// OnState is called from Run's goroutine after every state change; optional.
	OnState func(protocol.BoxState)
	Logger  *slog.Logger // default slog.Default()
}

// Default option values and how long transient LED states are shown.
const (
	DefaultConsentTimeout = 60 * time.Second
	badgeUnknownTime      = time.Second
	declinedTime          = 2 * time.Second
	withdrawnTime         = 3 * time.Second
)

// Session is the box's state machine. Create it with New and drive it with Run.
type Session struct {
	green, red hal.Button
	led        hal.LED
	reader     hal.BadgeReader
	mic        hal.Microphone
	journal    Journal

	boxID, board        string
	caseworkerDirection *float64
	badges              map[string]string
	consentTimeout      time.Duration
	clock               Clock
	newID               func() string
	newRecorder         func(string, hal.AudioFormat) (Recorder, error)
	onState             func(protocol.BoxState)
	log                 *slog.Logger
	setupFault          string // reason the session cannot record at all, or empty

	running atomic.Bool
	timers  chan timerEvent
	sent    chan sentEvent
	quit    chan struct{} // closed when Run returns

	// The fields below belong to Run's goroutine.
	runCtx    context.Context
	consent   *consentRequest
	cur       *recording
	cap       *capture
	sendingID string
	gen       [timerKinds]uint64
	stopTimer [timerKinds]func() bool

	mu    sync.Mutex // guards state and fault
	state protocol.BoxState
	fault string
}

type consentRequest struct {
	badgeID string
	askedAt time.Time
}

type recording struct {
	id      string
	rec     Recorder
	nextSeq uint64
}

type timerKind int

const (
	timerConsent timerKind = iota
	timerLED
	timerKinds
)

type timerEvent struct {
	kind timerKind
	gen  uint64
}

type sentEvent struct {
	rec string
	err error
}

// New returns a session for the given hardware and journal. Missing
// hardware (a nil button, reader, LED or microphone), an empty badge list or
// an unusable microphone format does not fail New: Run then stays in the
// fault state and records nothing. Invalid options do fail New.
func New(green, red hal.Button, led hal.LED, reader hal.BadgeReader, mic hal.Microphone, journal Journal, opts *Options) (*Session, error) {
	if opts == nil {
		opts = &Options{}
	}
	if journal == nil {
		return nil, errors.New("new session: missing journal")
	}
	if err := protocol.CheckID("box id", opts.BoxID); err != nil {
		return nil, fmt.Errorf("new session: %w", err)
	}
	if opts.Board == "" {
		return nil, errors.New("new session: missing board name")
	}
	if opts.NewRecorder == nil {
		return nil, errors.New("new session: missing NewRecorder")
	}
	badges, err := normalizeBadges(opts.Badges)
	if err != nil {
		return nil, fmt.Errorf("new session: %w", err)
	}

	s := &Session{
		green: green, red: red, led: led, reader: reader, mic: mic, journal: journal,
		boxID:               opts.BoxID,
		board:               opts.Board,
		caseworkerDirection: opts.CaseworkerDirection,
		badges:              badges,
		consentTimeout:      opts.ConsentTimeout,
		clock:               opts.Clock,
		newID:               opts.NewRecordingID,
		newRecorder:         opts.NewRecorder,
		onState:             opts.OnState,
		log:                 opts.Logger,
		timers:              make(chan timerEvent),
		sent:                make(chan sentEvent),
		quit:                make(chan struct{}),
		state:               protocol.StateIdle,
	}
	if s.consentTimeout <= 0 {
		s.consentTimeout = DefaultConsentTimeout
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.newID == nil {
		s.newID = newUUIDv7
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("box_id", s.boxID)
	if s.led == nil {
		s.led = noLED{}
	}
	s.setupFault = s.checkSetup(led)
	return s, nil
}

func normalizeBadges(in map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(in))
	for uid, id := range in {
		key := strings.ToLower(uid)
		if _, err := hex.DecodeString(key); err != nil || key == "" {
			return nil, fmt.Errorf("invalid badge card uid %q: use the uid as hex digits", uid)
		}
		if id == "" {
			return nil, fmt.Errorf("badge card uid %q has an empty badge id", uid)
		}
		out[key] = id
	}
	return out, nil
}

func newUUIDv7() string {
	id, err := uuid.NewV7()
	if err != nil {
		// NewV7 of github.com/google/uuid v1.6.0 fails only when reading random bytes fails.
		panic(fmt.Sprintf("session: new recording id: %v", err))
	}
	return strings.ToLower(id.String())
}

// checkSetup returns why the session cannot record, or "" when it can.
func (s *Session) checkSetup(led hal.LED) string {
	switch {
	case s.mic == nil:
		return "no microphone"
	case led == nil:
		return "no LED"
	case s.green == nil || s.red == nil:
		return "no buttons"
	case s.reader == nil:
		return "no badge reader"
	case len(s.badges) == 0:
		return "no badges configured"
	}
	f := s.mic.Format()
	if f.SampleRate < 8000 || f.SampleRate > 48000 || f.Channels < 1 || f.Channels > protocol.MaxChannels {
		return fmt.Sprintf("unsupported microphone format %d Hz, %d channels", f.SampleRate, f.Channels)
	}
	return ""
}

// State returns the current state. It is safe for concurrent use.
func (s *Session) State() protocol.BoxState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// FaultReason returns why the session is in the fault state, in English for
// the log and the status message, or "" outside the fault state.
func (s *Session) FaultReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault
}

// Run handles taps and presses until ctx ends. A recording still open then
// is closed with an interrupted event and the LED is turned off. Run returns
// nil after a clean shutdown and the errors of closing the recording
// otherwise. It may be called only once.
func (s *Session) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("session: Run called twice")
	}
	defer close(s.quit)
	s.runCtx = ctx

	// Inputs that exist are read even in the fault state, so presses and
	// taps are logged as ignored instead of piling up.
	var greenEvents, redEvents <-chan hal.ButtonEvent
	var taps <-chan hal.BadgeTap
	if s.green != nil {
		greenEvents = s.green.Events()
	}
	if s.red != nil {
		redEvents = s.red.Events()
	}
	if s.reader != nil {
		taps = s.reader.Taps()
	}
	if s.setupFault != "" {
		s.enterFault(s.setupFault, nil)
	} else {
		s.enterIdle()
	}

	for {
		select {
		case <-ctx.Done():
			return s.shutdown()

		case ev, ok := <-greenEvents:
			if !ok {
				greenEvents = nil
				s.inputLost("green button closed")
				continue
			}
			s.onGreen(ev)

		case ev, ok := <-redEvents:
			if !ok {
				redEvents = nil
				s.inputLost("red button closed")
				continue
			}
			s.onRed(ev)

		case tap, ok := <-taps:
			if !ok {
				taps = nil
				s.inputLost("badge reader closed")
				continue
			}
			s.onBadge(tap)

		case t := <-s.timers:
			s.onTimer(t)

		case end := <-s.captureDone():
			s.cap = nil
			s.onCaptureEnd(end)

		case ev := <-s.sent:
			s.onSent(ev)
		}
	}
}

func (s *Session) captureDone() <-chan captureEnd {
	if s.cap == nil {
		return nil
	}
	return s.cap.done
}

func (s *Session) onGreen(ev hal.ButtonEvent) {
	switch s.State() {
	case protocol.StateConsent:
		s.startRecording()
	case protocol.StatePaused:
		s.resume()
	default:
		s.log.Debug("button ignored", "button", "green", "gesture", ev.String(), "state", string(s.State()))
	}
}

func (s *Session) onRed(ev hal.ButtonEvent) {
	switch st := s.State(); {
	case st == protocol.StateConsent:
		s.decline("no")
	case ev == hal.LongPress && (st == protocol.StateRecording || st == protocol.StatePaused):
		s.withdraw()
	case ev == hal.Press && st == protocol.StateRecording:
		s.pause()
	default:
		s.log.Debug("button ignored", "button", "red", "gesture", ev.String(), "state", string(st))
	}
}

func (s *Session) onBadge(tap hal.BadgeTap) {
	if s.State() == protocol.StateFault {
		s.log.Info("badge ignored", "state", string(protocol.StateFault), "fault", s.FaultReason())
		return
	}

	badgeID, known := s.badges[hex.EncodeToString(tap.UID)]
	if !known {
		// The card UID identifies a person's card, so only its length is logged.
		s.log.Info("unknown badge", "uid_bytes", len(tap.UID), "state", string(s.State()))
		if s.cap == nil {
			s.showTransient(hal.LEDBadgeUnknown, badgeUnknownTime)
		}
		return
	}

	switch s.State() {
	case protocol.StateIdle, protocol.StateSending:
		s.askConsent(badgeID)
	case protocol.StateConsent:
		// The caseworker cancels the question by tapping again.
		s.decline("badge")
	case protocol.StateRecording, protocol.StatePaused:
		s.stop()
	}
}

func (s *Session) onTimer(t timerEvent) {
	if t.gen != s.gen[t.kind] {
		return // cancelled or replaced after it fired
	}
	switch t.kind {
	case timerConsent:
		if s.State() == protocol.StateConsent {
			s.decline("timeout")
		}
	case timerLED:
		s.showSteadyLED()
	}
}

// onSent ends the sending state. When waiting failed the journal still
// holds what is unsent and sends it later, so the box goes idle all the same.
func (s *Session) onSent(ev sentEvent) {
	switch {
	case ev.err != nil && !errors.Is(ev.err, context.Canceled):
		s.log.Error("waiting for acknowledgement failed", "recording_id", ev.rec, "error", ev.err)
	case ev.err == nil:
		s.log.Info("recording sent", "recording_id", ev.rec)
	}
	if s.State() == protocol.StateSending && ev.rec == s.sendingID {
		s.enterIdle()
	}
}

func (s *Session) askConsent(badgeID string) {
	s.consent = &consentRequest{badgeID: badgeID, askedAt: s.clock.Now()}
	s.arm(timerConsent, s.consentTimeout)
	s.setState(protocol.StateConsent)

	if err := s.showLED(hal.LEDConsentWaiting); err != nil {
		// Without a visible question the client cannot consent.
		s.cancel(timerConsent)
		s.consent = nil
		s.enterFault("LED failed", err)
		return
	}
	s.log.Info("consent requested", "badge_id", badgeID, "timeout", s.consentTimeout)
}

func (s *Session) decline(reason string) {
	s.cancel(timerConsent)
	s.consent = nil
	s.setState(protocol.StateIdle)
	s.showTransient(hal.LEDDeclined, declinedTime)
	s.log.Info("consent declined", "reason", reason)
}

// startRecording creates the recording on the client's yes and starts capture.
func (s *Session) startRecording() {
	req := s.consent
	s.cancel(timerConsent)
	s.consent = nil

	id := s.newID()
	if !protocol.ValidID(id) {
		s.enterFault("invalid recording id", fmt.Errorf("recording id %q is not a protocol id", id))
		return
	}
	format := s.mic.Format()
	r := &recording{id: id}

	start := &protocol.StartInfo{
		Format: protocol.AudioFormat{
			Codec:      protocol.CodecFLAC,
			SampleRate: format.SampleRate,
			Channels:   format.Channels,
			Bits:       16,
		},
		BadgeID:    req.badgeID,
		Board:      s.board,
		ConsentAsk: req.askedAt,

		CaseworkerDirection: s.caseworkerDirection,
	}
	if err := s.addEvent(r, protocol.Event{Type: protocol.EventConsent, Start: start}); err != nil {
		s.enterFault("journal failed", err)
		return
	}
	s.cur = r

	rec, err := s.newRecorder(id, format)
	if err != nil {
		s.abandon("recorder failed", fmt.Errorf("new recorder: %w", err))
		return
	}
	r.rec = rec

	if err := s.showLED(hal.LEDConsentGiven); err != nil {
		s.abandon("LED failed", err)
		return
	}
	c, err := startCapture(s.mic, rec, s.led)
	if err != nil {
		s.abandon("microphone failed", err)
		return
	}
	s.cap = c
	s.setState(protocol.StateRecording)
	s.log.Info("recording started", "recording_id", id, "sample_rate", format.SampleRate, "channels", format.Channels)
}

func (s *Session) pause() {
	if end, sourceEnded := s.haltCapture(hal.LEDPaused); sourceEnded {
		s.onCaptureEnd(end)
		return
	}

	r := s.cur
	if err := r.rec.Flush(); err != nil {
		s.endWithFault("recorder failed", err)
		return
	}
	if err := s.addEvent(r, protocol.Event{Type: protocol.EventPause, Frame: r.rec.Frames()}); err != nil {
		s.endWithFault("journal failed", err)
		return
	}
	s.setState(protocol.StatePaused)
	s.log.Info("recording paused", "recording_id", r.id, "frames", r.rec.Frames())
}

func (s *Session) resume() {
	r := s.cur
	if err := s.addEvent(r, protocol.Event{Type: protocol.EventResume, Frame: r.rec.Frames()}); err != nil {
		s.endWithFault("journal failed", err)
		return
	}
	c, err := startCapture(s.mic, r.rec, s.led)
	if err != nil {
		s.endWithFault("microphone failed", err)
		return
	}
	s.cap = c
	s.setState(protocol.StateRecording)
	s.log.Info("recording resumed", "recording_id", r.id)
}

// stop ends the recording on a known badge tap.
func (s *Session) stop() {
	if s.cap == nil {
		_ = s.showLED(hal.LEDSending) // paused: the gate is already closed
	}
	if end, sourceEnded := s.haltCapture(hal.LEDSending); sourceEnded {
		s.onCaptureEnd(end)
		return
	}
	s.finish(protocol.EventEnd)
}

// finish ends the current recording with an end event and shows sending.
func (s *Session) finish(kind protocol.EventType) {
	id := s.cur.id
	if err := s.closeRecording(kind); err != nil {
		s.enterFault("journal failed", err)
		return
	}

	// The gate or stop has already shown LEDSending.
	s.sendingID = id
	s.setState(protocol.StateSending)
	s.log.Info("recording stopped", "recording_id", id)

	w, ok := s.journal.(SendWaiter)
	if !ok {
		s.enterIdle()
		return
	}
	ctx := s.runCtx
	go func() {
		err := w.WaitSent(ctx, id)
		select {
		case s.sent <- sentEvent{rec: id, err: err}:
		case <-s.quit:
		}
	}()
}

// withdraw deletes the recording on the client's long press on red.
func (s *Session) withdraw() {
	end, sourceEnded := s.haltCapture(hal.LEDWithdrawn)
	if sourceEnded {
		s.log.Info("capture had ended before the withdrawal", "recording_id", s.cur.id, "error", end.err)
	}

	r := s.cur
	s.cur = nil
	var errs []error
	n, err := s.journal.DropChunks(r.id)
	if err != nil {
		errs = append(errs, fmt.Errorf("drop chunks: %w", err))
	}
	if err := s.addEvent(r, protocol.Event{Type: protocol.EventWithdraw, Frame: r.rec.Frames()}); err != nil {
		errs = append(errs, err)
	}
	if err := s.journal.CloseRecording(r.id); err != nil {
		errs = append(errs, fmt.Errorf("close recording %s: %w", r.id, err))
	}
	s.log.Info("recording withdrawn", "recording_id", r.id, "chunks_dropped", n)

	if err := errors.Join(errs...); err != nil {
		s.enterFault("journal failed", err)
		return
	}
	if sourceEnded && !errors.Is(end.err, io.EOF) {
		s.enterFault(captureFaultReason(end.err), end.err)
		return
	}
	s.setState(protocol.StateIdle)
	s.showTransient(hal.LEDWithdrawn, withdrawnTime)
}

// onCaptureEnd handles a capture goroutine that stopped by itself: the
// source ended (io.EOF), or the microphone or recorder failed.
func (s *Session) onCaptureEnd(end captureEnd) {
	if s.cur == nil {
		return
	}
	if errors.Is(end.err, io.EOF) {
		s.log.Info("microphone source ended", "recording_id", s.cur.id)
		s.finish(protocol.EventEnd)
		return
	}
	s.endWithFault(captureFaultReason(end.err), end.err)
}

func captureFaultReason(err error) string {
	var ce *captureError
	if errors.As(err, &ce) {
		return ce.reason
	}
	return "capture failed"
}

// haltCapture closes the capture gate with next shown and waits for the
// capture goroutine. sourceEnded reports that the goroutine had stopped by
// itself first, with end saying why.
func (s *Session) haltCapture(next hal.LEDState) (end captureEnd, sourceEnded bool) {
	if s.cap == nil {
		return captureEnd{}, false
	}
	end, err := s.cap.stop(next)
	s.cap = nil
	if err != nil {
		s.log.Warn("stopping capture failed", "recording_id", s.cur.id, "error", err)
	}
	return end, end.source
}

// endWithFault stops capture, closes the recording with an interrupted event
// and enters the fault state. What was spooled is kept and sent.
func (s *Session) endWithFault(reason string, cause error) {
	s.haltCapture(hal.LEDFault)
	if err := s.closeRecording(protocol.EventInterrupted); err != nil {
		// The recording stays open in the journal; RecoverInterrupted closes it at the next start.
		s.log.Error("closing recording failed", "error", err)
	}
	s.enterFault(reason, cause)
}

// abandon closes a recording that was created but never captured audio.
func (s *Session) abandon(reason string, cause error) {
	r := s.cur
	s.cur = nil
	msg := protocol.Event{Type: protocol.EventInterrupted, End: &protocol.EndInfo{}}
	if err := s.addEvent(r, msg); err != nil {
		s.log.Error("closing recording failed", "recording_id", r.id, "error", err)
	} else if err := s.journal.CloseRecording(r.id); err != nil {
		s.log.Error("closing recording failed", "recording_id", r.id, "error", err)
	}
	s.enterFault(reason, cause)
}

// closeRecording flushes the recorder, adds the closing event and closes
// the recording in the journal. It clears s.cur even when a step fails.
func (s *Session) closeRecording(kind protocol.EventType) error {
	r := s.cur
	s.cur = nil

	var errs []error
	if err := r.rec.Flush(); err != nil {
		errs = append(errs, fmt.Errorf("flush recorder: %w", err))
	}
	end := &protocol.EndInfo{Chunks: r.rec.Chunks(), Frames: r.rec.Frames()}
	if err := s.addEvent(r, protocol.Event{Type: kind, Frame: end.Frames, End: end}); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if err := s.journal.CloseRecording(r.id); err != nil {
		errs = append(errs, fmt.Errorf("close recording %s: %w", r.id, err))
	}
	return errors.Join(errs...)
}

// addEvent stamps, numbers, encodes and journals an event of r.
func (s *Session) addEvent(r *recording, e protocol.Event) error {
	e.Seq = r.nextSeq
	e.At = s.clock.Now()
	msg, err := protocol.EncodeEvent(e)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", e.Type, err)
	}
	if err := s.journal.AddEvent(r.id, e.Seq, msg); err != nil {
		return fmt.Errorf("add %s event %d of recording %s: %w", e.Type, e.Seq, r.id, err)
	}
	r.nextSeq++
	return nil
}

// inputLost handles a button or reader whose channel closed. Without it the
// client could not pause or withdraw, so a recording in progress ends.
func (s *Session) inputLost(reason string) {
	if s.State() == protocol.StateFault {
		s.log.Error("input lost", "reason", reason)
		return
	}
	if s.cur != nil {
		s.endWithFault(reason, nil)
		return
	}
	s.cancel(timerConsent)
	s.consent = nil
	s.enterFault(reason, nil)
}

// shutdown closes what is open when Run's context ends.
func (s *Session) shutdown() error {
	var err error
	if s.cur != nil {
		s.haltCapture(hal.LEDOff)
		err = s.closeRecording(protocol.EventInterrupted)
	}
	s.cancel(timerConsent)
	s.cancel(timerLED)
	if ledErr := s.led.Set(hal.LEDOff); ledErr != nil {
		s.log.Warn("led failed", "error", ledErr)
	}
	if err != nil {
		return fmt.Errorf("session shutdown: %w", err)
	}
	return nil
}

// enterIdle shows the idle LED before reporting the state, so an observer
// of OnState finds the LED already matching.
func (s *Session) enterIdle() {
	s.sendingID = ""
	_ = s.showLED(hal.LEDIdle)
	s.setState(protocol.StateIdle)
}

func (s *Session) enterFault(reason string, cause error) {
	s.mu.Lock()
	s.fault = reason
	s.mu.Unlock()

	if cause != nil {
		s.log.Error("session fault", "reason", reason, "error", cause)
	} else {
		s.log.Error("session fault", "reason", reason)
	}
	_ = s.showLED(hal.LEDFault)
	s.setState(protocol.StateFault)
}

func (s *Session) setState(st protocol.BoxState) {
	s.mu.Lock()
	changed := s.state != st
	s.state = st
	s.mu.Unlock()

	if changed && s.onState != nil {
		s.onState(st)
	}
}

// showLED sets a state other than LEDRecording, which only the capture gate
// may set. While a capture is running the LED belongs to the gate and
// showLED leaves it alone. It cancels a pending transient state.
func (s *Session) showLED(st hal.LEDState) error {
	if st == hal.LEDRecording {
		panic("session: only the capture gate may show LEDRecording")
	}
	if s.cap != nil {
		return nil
	}
	s.cancel(timerLED)
	if err := s.led.Set(st); err != nil {
		s.log.Error("led failed", "led_state", st.String(), "error", err)
		return fmt.Errorf("set LED to %s: %w", st, err)
	}
	return nil
}

// showTransient shows st for d, then the current state's steady LED.
func (s *Session) showTransient(st hal.LEDState, d time.Duration) {
	if err := s.showLED(st); err != nil {
		return
	}
	s.arm(timerLED, d)
}

// showSteadyLED shows the LED of the current state, unless capture owns it.
func (s *Session) showSteadyLED() {
	var st hal.LEDState
	switch s.State() {
	case protocol.StateIdle:
		st = hal.LEDIdle
	case protocol.StateConsent:
		st = hal.LEDConsentWaiting
	case protocol.StatePaused:
		st = hal.LEDPaused
	case protocol.StateSending:
		st = hal.LEDSending
	case protocol.StateFault:
		st = hal.LEDFault
	default:
		return
	}
	_ = s.showLED(st)
}

// arm starts the timer of kind k, replacing one already running.
func (s *Session) arm(k timerKind, d time.Duration) {
	s.cancel(k)
	gen := s.gen[k]
	quit := s.quit
	s.stopTimer[k] = s.clock.AfterFunc(d, func() {
		select {
		case s.timers <- timerEvent{kind: k, gen: gen}:
		case <-quit:
		}
	})
}

// cancel stops the timer of kind k; a callback already on its way is
// ignored because its generation no longer matches.
func (s *Session) cancel(k timerKind) {
	s.gen[k]++
	if s.stopTimer[k] != nil {
		s.stopTimer[k]()
		s.stopTimer[k] = nil
	}
}

// noLED replaces a missing LED so the session can run in the fault state.
type noLED struct{}

func (noLED) Set(hal.LEDState) error { return errors.New("no LED") }
func (noLED) Close() error           { return nil }
