package session

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

func startInfo(badge string, channels int) *protocol.StartInfo {
	return &protocol.StartInfo{
		Format:     protocol.AudioFormat{Codec: protocol.CodecFLAC, SampleRate: 16000, Channels: channels, Bits: 16},
		BadgeID:    badge,
		Board:      "sim",
		ConsentAsk: t0,
	}
}

func ev(seq uint64, typ protocol.EventType, at time.Duration, frame uint64) protocol.Event {
	return protocol.Event{V: protocol.Version, Seq: seq, Type: typ, At: t0.Add(at), Frame: frame}
}

func withStart(e protocol.Event, s *protocol.StartInfo) protocol.Event { e.Start = s; return e }

func withEnd(e protocol.Event, chunks, frames uint64) protocol.Event {
	e.End = &protocol.EndInfo{Chunks: chunks, Frames: frames}
	return e
}

// TestScenarios drives the session through the paths a meeting can take
// and checks the journal's events, the final state and the LED.
func TestScenarios(t *testing.T) {
	consent := withStart(ev(0, protocol.EventConsent, 0, 0), startInfo("badge-anna", 1))

	tests := []struct {
		name        string
		script      func(r *rig)
		want        []protocol.Event // events of rec-1; nil when nothing may be recorded
		wantOps     []string
		wantState   protocol.BoxState
		wantLED     hal.LEDState
		wantSamples bool // the recorder received audio
	}{
		{
			name: "yes_then_stop",
			script: func(r *rig) {
				r.do(r.board.TapBadge(badgeAnna))
				r.waitLED(hal.LEDConsentWaiting)
				r.do(r.board.PressGreen())
				r.waitState(protocol.StateRecording)
				r.record(0, 300*time.Millisecond)
				r.waitLED(hal.LEDRecording)
				r.do(r.board.TapBadge(badgeAnna))
				r.waitState(protocol.StateIdle)
			},
			want: []protocol.Event{
				consent,
				withEnd(ev(1, protocol.EventEnd, 300*time.Millisecond, 4800), 1, 4800),
			},
			wantOps:     []string{"event:consent", "event:end", "close"},
			wantState:   protocol.StateIdle,
			wantLED:     hal.LEDIdle,
			wantSamples: true,
		},
		{
			name: "no_on_red",
			script: func(r *rig) {
				r.do(r.board.TapBadge(badgeAnna))
				r.waitLED(hal.LEDConsentWaiting)
				r.do(r.board.PressRed())
				r.waitLED(hal.LEDDeclined)
				r.advance(1, declinedTime)
				r.waitLED(hal.LEDIdle)
			},
			wantState: protocol.StateIdle,
			wantLED:   hal.LEDIdle,
		},
		{
			name: "no_on_long_red",
			script: func(r *rig) {
				r.do(r.board.TapBadge(badgeAnna))
				r.waitLED(hal.LEDConsentWaiting)
				r.do(r.board.LongPressRed())
				r.waitLED(hal.LEDDeclined)
			},
			wantState: protocol.StateIdle,
			wantLED:   hal.LEDDeclined,
		},
		{
			name: "timeout_is_no",
			script: func(r *rig) {
				r.do(r.board.TapBadge(badgeAnna))
				r.waitLED(hal.LEDConsentWaiting)
				r.advance(1, DefaultConsentTimeout-time.Second)
				r.do(r.board.PressGreen()) // still in time: proves the timer had not fired early
				r.waitState(protocol.StateRecording)
				r.do(r.board.TapBadge(badgeAnna))
				r.waitState(protocol.StateIdle)

				r.do(r.board.TapBadge(badgeBo))
				r.waitLED(hal.LEDConsentWaiting)
				r.advance(1, DefaultConsentTimeout)
				r.waitLED(hal.LEDDeclined)
			},
			want: []protocol.Event{
				withStart(ev(0, protocol.EventConsent, 59*time.Second, 0), &protocol.StartInfo{
					Format:  protocol.AudioFormat{Codec: protocol.CodecFLAC, SampleRate: 16000, Channels: 1, Bits: 16},
					BadgeID: "badge-anna", Board: "sim", ConsentAsk: t0,
				}),
				withEnd(ev(1, protocol.EventEnd, 59*time.Second, 0), 0, 0),
			},
			wantOps:   []string{"event:consent", "event:end", "close"},
			wantState: protocol.StateIdle,
			wantLED:   hal.LEDDeclined,
		},
		{
			name: "badge_again_cancels_question",
			script: func(r *rig) {
				r.do(r.board.TapBadge(badgeAnna))
				r.waitLED(hal.LEDConsentWaiting)
				r.do(r.board.TapBadge(badgeAnna))
				r.waitLED(hal.LEDDeclined)
			},
			wantState: protocol.StateIdle,
			wantLED:   hal.LEDDeclined,
		},
		{
			name: "pause_resume_stop",
			script: func(r *rig) {
				r.do(r.board.TapBadge(badgeAnna))
				r.waitLED(hal.LEDConsentWaiting)
				r.do(r.board.PressGreen())
				r.waitState(protocol.StateRecording)
				r.record(0, 300*time.Millisecond)
				r.do(r.board.PressRed())
				r.waitState(protocol.StatePaused)
				r.clock.Advance(time.Second) // audio of the pause is skipped
				r.do(r.board.PressGreen())
				r.waitState(protocol.StateRecording)
				r.record(0, 200*time.Millisecond)
				r.do(r.board.TapBadge(badgeAnna))
				r.waitState(protocol.StateIdle)
			},
			want: []protocol.Event{
				consent,
				ev(1, protocol.EventPause, 300*time.Millisecond, 4800),
				ev(2, protocol.EventResume, 1300*time.Millisecond, 4800),
				withEnd(ev(3, protocol.EventEnd, 1500*time.Millisecond, 8000), 2, 8000),
			},
			wantOps:     []string{"event:consent", "event:pause", "event:resume", "event:end", "close"},
			wantState:   protocol.StateIdle,
			wantLED:     hal.LEDIdle,
			wantSamples: true,
		},
		{
			name: "stop_while_paused",
			script: func(r *rig) {
				r.do(r.board.TapBadge(badgeAnna))
				r.waitLED(hal.LEDConsentWaiting)
				r.do(r.board.PressGreen())
				r.waitState(protocol.StateRecording)
				r.record(0, 100*time.Millisecond)
				r.do(r.board.PressRed())
				r.waitState(protocol.StatePaused)
				r.do(r.board.TapBadge(badgeAnna))
				r.waitState(protocol.StateIdle)
			},
			want: []protocol.Event{
				consent,
				ev(1, protocol.EventPause, 100*time.Millisecond, 1600),
				withEnd(ev(2, protocol.EventEnd, 100*time.Millisecond, 1600), 1, 1600),
			},
			wantOps:     []string{"event:consent", "event:pause", "event:end", "close"},
			wantState:   protocol.StateIdle,
			wantLED:     hal.LEDIdle,
			wantSamples: true,
		},
		{
			name: "other_known_badge_stops",
			script: func(r *rig) {
				r.do(r.board.TapBadge(badgeAnna))
				r.waitLED(hal.LEDConsentWaiting)
				r.do(r.board.PressGreen())
				r.waitState(protocol.StateRecording)
				r.record(0, 100*time.Millisecond)
				r.do(r.board.TapBadge(badgeBo))
				r.waitState(protocol.StateIdle)
			},
			want: []protocol.Event{
				consent,
				withEnd(ev(1, protocol.EventEnd, 100*time.Millisecond, 1600), 1, 1600),
			},
			wantOps:     []string{"event:consent", "event:end", "close"},
			wantState:   protocol.StateIdle,
			wantLED:     hal.LEDIdle,
			wantSamples: true,
		},
		{
			name: "withdraw_while_recording",
			script: func(r *rig) {
				r.do(r.board.TapBadge(badgeAnna))
				r.waitLED(hal.LEDConsentWaiting)
				r.do(r.board.PressGreen())
				r.waitState(protocol.StateRecording)
				r.record(0, 200*time.Millisecond)
				r.do(r.board.LongPressRed())
				r.waitLED(hal.LEDWithdrawn)
				r.waitState(protocol.StateIdle) // capture has stopped, so the one timer is the LED's
				r.advance(1, withdrawnTime)
				r.waitLED(hal.LEDIdle)
			},
			want: []protocol.Event{
				consent,
				ev(1, protocol.EventWithdraw, 200*time.Millisecond, 3200),
			},
			wantOps:     []string{"event:consent", "drop", "event:withdraw", "close"},
			wantState:   protocol.StateIdle,
			wantLED:     hal.LEDIdle,
			wantSamples: true,
		},
		{
			name: "withdraw_while_paused",
			script: func(r *rig) {
				r.do(r.board.TapBadge(badgeAnna))
				r.waitLED(hal.LEDConsentWaiting)
				r.do(r.board.PressGreen())
				r.waitState(protocol.StateRecording)
				r.record(0, 100*time.Millisecond)
				r.do(r.board.PressRed())
				r.waitState(protocol.StatePaused)
				r.do(r.board.LongPressRed())
				r.waitLED(hal.LEDWithdrawn)
			},
			want: []protocol.Event{
				consent,
				ev(1, protocol.EventPause, 100*time.Millisecond, 1600),
				ev(2, protocol.EventWithdraw, 100*time.Millisecond, 1600),
			},
			wantOps:     []string{"event:consent", "event:pause", "drop", "event:withdraw", "close"},
			wantState:   protocol.StateIdle,
			wantLED:     hal.LEDWithdrawn,
			wantSamples: true,
		},
		{
			name: "unknown_badge_changes_nothing",
			script: func(r *rig) {
				r.do(r.board.TapBadge(badgeOther))
				r.waitLED(hal.LEDBadgeUnknown)
				r.advance(1, badgeUnknownTime)
				r.waitLED(hal.LEDIdle)
				r.do(r.board.PressGreen()) // no question was asked, so this is no yes
				r.do(r.board.TapBadge(badgeOther))
				r.waitLED(hal.LEDBadgeUnknown)
			},
			wantState: protocol.StateIdle,
			wantLED:   hal.LEDBadgeUnknown,
		},
		{
			name: "unknown_badge_while_recording",
			script: func(r *rig) {
				r.do(r.board.TapBadge(badgeAnna))
				r.waitLED(hal.LEDConsentWaiting)
				r.do(r.board.PressGreen())
				r.waitState(protocol.StateRecording)
				r.record(0, 100*time.Millisecond)
				r.do(r.board.TapBadge(badgeOther))
				r.record(0, 100*time.Millisecond)
				r.do(r.board.TapBadge(badgeAnna))
				r.waitState(protocol.StateIdle)
			},
			want: []protocol.Event{
				consent,
				withEnd(ev(1, protocol.EventEnd, 200*time.Millisecond, 3200), 1, 3200),
			},
			wantOps:     []string{"event:consent", "event:end", "close"},
			wantState:   protocol.StateIdle,
			wantLED:     hal.LEDIdle,
			wantSamples: true,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, rigOptions{})
			tt.script(r)

			if got := r.session.State(); got != tt.wantState {
				t.Errorf("State() = %s, want %s", got, tt.wantState)
			}
			if got := r.board.LED(); got != tt.wantLED {
				t.Errorf("LED() = %s, want %s", got, tt.wantLED)
			}

			recs := r.journal.recordings()
			if tt.want == nil {
				if len(recs) != 0 || r.recorderCount() != 0 {
					t.Errorf("recordings = %v with %d recorders, want none", recs, r.recorderCount())
				}
				if !noRecordingLED(r.ledStates()) {
					t.Errorf("LED history = %v, want no recording", r.ledStates())
				}
				return
			}

			if diff := cmp.Diff(tt.want, r.journal.eventsOf("rec-1")); diff != "" {
				t.Errorf("events of rec-1 (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOps, r.journal.operations()[:len(tt.wantOps)]); diff != "" {
				t.Errorf("journal operations (-want +got):\n%s", diff)
			}
			if !r.journal.isClosed("rec-1") {
				t.Errorf("rec-1 is open, want closed")
			}
			if got := len(r.recorder(0).writes()) > 0; got != tt.wantSamples {
				t.Errorf("recorder received audio = %v, want %v", got, tt.wantSamples)
			}
		})
	}
}

func noRecordingLED(history []hal.LEDState) bool {
	for _, s := range history {
		if s == hal.LEDRecording {
			return false
		}
	}
	return true
}

// TestLEDRecordingOnlyWhileAudioFlows checks the rule that the LED shows
// recording exactly while microphone audio reaches the recorder: the LED
// shows LEDRecording at every Write after the first of a stretch, and no
// Write happens while it shows anything else.
func TestLEDRecordingOnlyWhileAudioFlows(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.do(r.board.TapBadge(badgeAnna))
	r.waitLED(hal.LEDConsentWaiting)
	r.do(r.board.PressGreen())
	r.waitState(protocol.StateRecording)

	if got := r.board.LED(); got == hal.LEDRecording {
		t.Fatalf("LED() = %s before any audio was written, want anything else", got)
	}
	r.record(0, 500*time.Millisecond)
	r.do(r.board.PressRed())
	r.waitState(protocol.StatePaused)

	rec := r.recorder(0)
	before := len(rec.writes())
	r.clock.Advance(2 * time.Second)
	if got := r.board.LED(); got != hal.LEDPaused {
		t.Errorf("LED() while paused = %s, want %s", got, hal.LEDPaused)
	}
	if got := len(rec.writes()); got != before {
		t.Errorf("writes while paused = %d, want %d", got, before)
	}

	r.do(r.board.PressGreen())
	r.waitState(protocol.StateRecording)
	r.record(0, 300*time.Millisecond)
	r.do(r.board.TapBadge(badgeAnna))
	r.waitState(protocol.StateIdle)

	want := []hal.LEDState{
		hal.LEDConsentGiven, hal.LEDRecording, hal.LEDRecording, hal.LEDRecording, hal.LEDRecording,
		hal.LEDPaused, hal.LEDRecording, hal.LEDRecording,
	}
	if diff := cmp.Diff(want, rec.writes()); diff != "" {
		t.Errorf("LED seen by each Write (-want +got):\n%s", diff)
	}

	wantHistory := []hal.LEDState{
		hal.LEDIdle, hal.LEDConsentWaiting, hal.LEDConsentGiven, hal.LEDRecording,
		hal.LEDPaused, hal.LEDRecording, hal.LEDSending, hal.LEDIdle,
	}
	if diff := cmp.Diff(wantHistory, r.ledStates()); diff != "" {
		t.Errorf("LED history (-want +got):\n%s", diff)
	}
}

func TestMicrophoneDisconnectIsFault(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.do(r.board.TapBadge(badgeAnna))
	r.waitLED(hal.LEDConsentWaiting)
	r.do(r.board.PressGreen())
	r.waitState(protocol.StateRecording)
	r.record(0, 200*time.Millisecond)

	r.mic.Disconnect()
	r.waitState(protocol.StateFault)

	if got := r.board.LED(); got != hal.LEDFault {
		t.Errorf("LED() = %s, want %s", got, hal.LEDFault)
	}
	if got, want := r.session.FaultReason(), "microphone disconnected"; got != want {
		t.Errorf("FaultReason() = %q, want %q", got, want)
	}
	want := []protocol.Event{
		withStart(ev(0, protocol.EventConsent, 0, 0), startInfo("badge-anna", 1)),
		withEnd(ev(1, protocol.EventInterrupted, 200*time.Millisecond, 3200), 1, 3200),
	}
	if diff := cmp.Diff(want, r.journal.eventsOf("rec-1")); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// Nothing starts in the fault state.
	r.do(r.board.TapBadge(badgeAnna))
	r.waitLog("badge ignored", 1)
	r.do(r.board.PressGreen())
	r.waitLog("button ignored", 1)
	if got := r.board.LED(); got != hal.LEDFault {
		t.Errorf("LED() after a badge tap in fault = %s, want %s", got, hal.LEDFault)
	}
	if got := r.recorderCount(); got != 1 {
		t.Errorf("recorders after fault = %d, want 1", got)
	}
}

func TestRecorderWriteErrorIsFault(t *testing.T) {
	r := newRig(t, rigOptions{failAfter: 3})
	r.do(r.board.TapBadge(badgeAnna))
	r.waitLED(hal.LEDConsentWaiting)
	r.do(r.board.PressGreen())
	r.waitState(protocol.StateRecording)
	r.record(0, 200*time.Millisecond)

	r.advance(1, 100*time.Millisecond) // the third Write fails
	r.waitState(protocol.StateFault)

	if got := r.board.LED(); got != hal.LEDFault {
		t.Errorf("LED() = %s, want %s", got, hal.LEDFault)
	}
	if got, want := r.session.FaultReason(), "recorder failed"; got != want {
		t.Errorf("FaultReason() = %q, want %q", got, want)
	}
	events := r.journal.eventsOf("rec-1")
	if got := events[len(events)-1].Type; got != protocol.EventInterrupted {
		t.Errorf("last event = %s, want %s", got, protocol.EventInterrupted)
	}
	if got := r.ledStates()[len(r.ledStates())-1]; got != hal.LEDFault {
		t.Errorf("last LED state = %s, want %s", got, hal.LEDFault)
	}
}

func TestLEDFailureStopsRecording(t *testing.T) {
	r := newRig(t, rigOptions{ledFailsOn: hal.LEDRecording})
	r.do(r.board.TapBadge(badgeAnna))
	r.waitLED(hal.LEDConsentWaiting)
	r.do(r.board.PressGreen())
	r.waitState(protocol.StateRecording)
	r.advance(1, 100*time.Millisecond)
	r.waitState(protocol.StateFault)

	if got, want := r.session.FaultReason(), "LED failed"; got != want {
		t.Errorf("FaultReason() = %q, want %q", got, want)
	}
	if got := len(r.recorder(0).writes()); got != 1 {
		t.Errorf("writes = %d, want 1: capture must stop when recording cannot be shown", got)
	}
	if got := r.board.LED(); got != hal.LEDFault {
		t.Errorf("LED() = %s, want %s", got, hal.LEDFault)
	}
}

func TestSourceEndStopsRecording(t *testing.T) {
	path := writeTone(t, 0.5, 16000, 2)
	r := newRig(t, rigOptions{wav: path, fast: true})
	r.do(r.board.TapBadge(badgeAnna))
	r.waitLED(hal.LEDConsentWaiting)
	r.do(r.board.PressGreen())
	r.waitState(protocol.StateIdle)

	want := []protocol.Event{
		withStart(ev(0, protocol.EventConsent, 0, 0), startInfo("badge-anna", 2)),
		withEnd(ev(1, protocol.EventEnd, 0, 8000), 1, 8000),
	}
	if diff := cmp.Diff(want, r.journal.eventsOf("rec-1")); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	history := r.ledStates()
	if got := history[len(history)-1]; got != hal.LEDIdle {
		t.Errorf("last LED state = %s, want %s", got, hal.LEDIdle)
	}
}

func TestSendingUntilAcknowledged(t *testing.T) {
	j := &sendingJournal{testJournal: newTestJournal(), sent: make(chan string)}
	r := newRig(t, rigOptions{journal: j})
	r.do(r.board.TapBadge(badgeAnna))
	r.waitLED(hal.LEDConsentWaiting)
	r.do(r.board.PressGreen())
	r.waitState(protocol.StateRecording)
	r.record(0, 100*time.Millisecond)
	r.do(r.board.TapBadge(badgeAnna))
	r.waitState(protocol.StateSending)

	if got := r.board.LED(); got != hal.LEDSending {
		t.Errorf("LED() = %s, want %s", got, hal.LEDSending)
	}
	select {
	case j.sent <- "rec-1":
	case <-r.ctx.Done():
		t.Fatal("session never waited for the acknowledgement")
	}
	r.waitState(protocol.StateIdle)
	r.waitLED(hal.LEDIdle)
}

func TestBadgeWhileSendingStartsNextMeeting(t *testing.T) {
	j := &sendingJournal{testJournal: newTestJournal(), sent: make(chan string)}
	r := newRig(t, rigOptions{journal: j})
	r.do(r.board.TapBadge(badgeAnna))
	r.waitLED(hal.LEDConsentWaiting)
	r.do(r.board.PressGreen())
	r.waitState(protocol.StateRecording)
	r.do(r.board.TapBadge(badgeAnna))
	r.waitState(protocol.StateSending)

	r.do(r.board.TapBadge(badgeBo))
	r.waitState(protocol.StateConsent)
	r.waitLED(hal.LEDConsentWaiting)
}

func TestShutdownInterruptsRecording(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.do(r.board.TapBadge(badgeAnna))
	r.waitLED(hal.LEDConsentWaiting)
	r.do(r.board.PressGreen())
	r.waitState(protocol.StateRecording)
	r.record(0, 100*time.Millisecond)

	if err := r.stopRun(); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}

	events := r.journal.eventsOf("rec-1")
	want := withEnd(ev(1, protocol.EventInterrupted, 100*time.Millisecond, 1600), 1, 1600)
	if diff := cmp.Diff(want, events[len(events)-1]); diff != "" {
		t.Errorf("last event (-want +got):\n%s", diff)
	}
	if got := r.board.LED(); got != hal.LEDOff {
		t.Errorf("LED() after shutdown = %s, want %s", got, hal.LEDOff)
	}
}

func TestSetupFaults(t *testing.T) {
	tests := []struct {
		name   string
		opts   rigOptions
		reason string
	}{
		{name: "no_microphone", opts: rigOptions{noMic: true}, reason: "no microphone"},
		{name: "no_badges", opts: rigOptions{badges: map[string]string{}}, reason: "no badges configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.opts)
			r.waitState(protocol.StateFault)
			r.waitLED(hal.LEDFault)
			if got := r.session.FaultReason(); got != tt.reason {
				t.Errorf("FaultReason() = %q, want %q", got, tt.reason)
			}
			r.do(r.board.TapBadge(badgeAnna))
			r.waitLog("badge ignored", 1)
			r.do(r.board.PressGreen())
			r.waitLog("button ignored", 1)
			if got := r.recorderCount(); got != 0 {
				t.Errorf("recorders = %d, want 0", got)
			}
		})
	}
}

func TestJournalFailureOnConsent(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.journal.setFailAdd(errors.New("disk full"))
	r.do(r.board.TapBadge(badgeAnna))
	r.waitLED(hal.LEDConsentWaiting)
	r.do(r.board.PressGreen())
	r.waitState(protocol.StateFault)

	if got := r.recorderCount(); got != 0 {
		t.Errorf("recorders = %d, want 0: no audio without a stored consent", got)
	}
	if !noRecordingLED(r.ledStates()) {
		t.Errorf("LED history = %v, want no recording", r.ledStates())
	}
}

func TestButtonLostEndsRecording(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.do(r.board.TapBadge(badgeAnna))
	r.waitLED(hal.LEDConsentWaiting)
	r.do(r.board.PressGreen())
	r.waitState(protocol.StateRecording)
	r.record(0, 100*time.Millisecond)

	r.do(r.board.Red().Close())
	r.waitState(protocol.StateFault)

	if got, want := r.session.FaultReason(), "red button closed"; got != want {
		t.Errorf("FaultReason() = %q, want %q", got, want)
	}
	if !r.journal.isClosed("rec-1") {
		t.Error("rec-1 is open, want closed")
	}
	if got := r.board.LED(); got != hal.LEDFault {
		t.Errorf("LED() = %s, want %s", got, hal.LEDFault)
	}
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	rec := func(string, hal.AudioFormat) (Recorder, error) { return nil, nil }
	tests := []struct {
		name    string
		journal Journal
		opts    Options
	}{
		{"missing_journal", nil, Options{BoxID: "box-1", Board: "sim", NewRecorder: rec}},
		{"invalid_box_id", newTestJournal(), Options{BoxID: "Box 1", Board: "sim", NewRecorder: rec}},
		{"missing_board", newTestJournal(), Options{BoxID: "box-1", NewRecorder: rec}},
		{"missing_recorder", newTestJournal(), Options{BoxID: "box-1", Board: "sim"}},
		{"badge_not_hex", newTestJournal(), Options{BoxID: "box-1", Board: "sim", NewRecorder: rec, Badges: map[string]string{"xyz": "b"}}},
		{"badge_without_id", newTestJournal(), Options{BoxID: "box-1", Board: "sim", NewRecorder: rec, Badges: map[string]string{"04a1": ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(nil, nil, nil, nil, nil, tt.journal, &tt.opts); err == nil {
				t.Errorf("New(%+v) = nil error, want an error", tt.opts)
			}
		})
	}
}

func TestUnknownBadgeUIDNotLogged(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.do(r.board.TapBadge(badgeOther))
	r.waitLog("unknown badge", 1)
	r.do(r.board.TapBadge(badgeAnna))
	r.waitLog("consent requested", 1)

	for _, line := range r.logs.all() {
		if strings.Contains(line, "deadbeef") || strings.Contains(line, "04a1b2c3") {
			t.Errorf("log line %q contains a card uid", line)
		}
	}
}

// recoveryJournal is a testJournal that also lists open recordings.
type recoveryJournal struct {
	*testJournal
	open    []OpenRecording
	listErr error
}

func (j *recoveryJournal) OpenRecordings() ([]OpenRecording, error) {
	return j.open, j.listErr
}

func TestRecoverInterrupted(t *testing.T) {
	now := t0.Add(time.Hour)
	j := &recoveryJournal{
		testJournal: newTestJournal(),
		open: []OpenRecording{
			{ID: "rec-a", Chunks: 3, Frames: 200000, NextEventSeq: 1, LastWrite: t0.Add(12 * time.Second)},
			{ID: "rec-b", Chunks: 0, Frames: 0, NextEventSeq: 2},
		},
	}

	closed, err := RecoverInterrupted(j, now)
	if err != nil {
		t.Fatalf("RecoverInterrupted() = %v, want nil", err)
	}
	if diff := cmp.Diff([]string{"rec-a", "rec-b"}, closed); diff != "" {
		t.Errorf("closed recordings (-want +got):\n%s", diff)
	}

	wantA := []protocol.Event{{
		V: protocol.Version, Seq: 1, Type: protocol.EventInterrupted, At: t0.Add(12 * time.Second), Frame: 200000,
		End: &protocol.EndInfo{Chunks: 3, Frames: 200000},
	}}
	if diff := cmp.Diff(wantA, j.eventsOf("rec-a")); diff != "" {
		t.Errorf("events of rec-a (-want +got):\n%s", diff)
	}
	if got := j.eventsOf("rec-b"); len(got) != 1 || got[0].Seq != 2 || !got[0].At.Equal(now) {
		t.Errorf("events of rec-b = %+v, want one interrupted event with seq 2 at the recovery time, as its last write is unknown", got)
	}
	for _, id := range []string{"rec-a", "rec-b"} {
		if !j.isClosed(id) {
			t.Errorf("%s is open, want closed", id)
		}
	}
}

func TestRecoverInterruptedContinuesAfterError(t *testing.T) {
	j := &recoveryJournal{
		testJournal: newTestJournal(),
		open: []OpenRecording{
			{ID: "rec-a", NextEventSeq: 1},
			{ID: "rec-b", NextEventSeq: 1},
		},
	}
	j.closed["rec-a"] = true // AddEvent on a closed recording fails

	closed, err := RecoverInterrupted(j, t0)
	if err == nil || !strings.Contains(err.Error(), "rec-a") {
		t.Errorf("RecoverInterrupted() error = %v, want one naming rec-a", err)
	}
	if diff := cmp.Diff([]string{"rec-b"}, closed); diff != "" {
		t.Errorf("closed recordings (-want +got):\n%s", diff)
	}
}

func TestRecoverInterruptedListError(t *testing.T) {
	j := &recoveryJournal{testJournal: newTestJournal(), listErr: errors.New("database is locked")}
	if _, err := RecoverInterrupted(j, t0); err == nil {
		t.Error("RecoverInterrupted() = nil error, want the list error")
	}
}

// TestNoWriteAfterGateCloses feeds audio that a Read returns after the
// pause closed the gate: it must not reach the recorder.
func TestNoWriteAfterGateCloses(t *testing.T) {
	mic := &handMic{feed: make(chan []int16)}
	r := newRig(t, rigOptions{mic: mic})
	t.Cleanup(func() { close(mic.feed) }) // runs before the rig's cleanup and ends a blocked Read

	samples := make([]int16, 1600)
	feed := func() {
		t.Helper()
		select {
		case mic.feed <- samples:
		case <-r.ctx.Done():
			t.Fatal("the capture goroutine stopped reading")
		}
	}

	r.do(r.board.TapBadge(badgeAnna))
	r.waitLED(hal.LEDConsentWaiting)
	r.do(r.board.PressGreen())
	r.waitState(protocol.StateRecording)
	feed()
	feed()
	if err := r.recorder(0).waitFrames(r.ctx, 3200); err != nil {
		t.Fatal(err)
	}
	r.waitLED(hal.LEDRecording)

	r.do(r.board.PressRed())
	r.waitLED(hal.LEDPaused)
	feed() // returned by a Read that was blocked during the pause
	r.waitState(protocol.StatePaused)

	rec := r.recorder(0)
	if diff := cmp.Diff([]hal.LEDState{hal.LEDConsentGiven, hal.LEDRecording}, rec.writes()); diff != "" {
		t.Errorf("LED seen by each Write (-want +got):\n%s", diff)
	}
	if got := rec.Frames(); got != 3200 {
		t.Errorf("frames recorded = %d, want 3200", got)
	}
	events := r.journal.eventsOf("rec-1")
	if got := events[len(events)-1]; got.Type != protocol.EventPause || got.Frame != 3200 {
		t.Errorf("last event = %s at frame %d, want pause at frame 3200", got.Type, got.Frame)
	}
}
