// Package session is the room box's state machine: it turns badge taps and
// button presses into a consented recording, drives the status LED and
// writes the recording's events to the journal.
//
// States and transitions:
//
//	idle ──known badge──▶ consent ──green──▶ recording ⇄ paused (red pauses, green resumes)
//	consent ──red, long red, a known badge or timeout──▶ idle, nothing recorded or sent
//	recording, paused ──any known badge──▶ sending ──all sent──▶ idle
//	recording, paused ──long press red──▶ withdrawn: spooled chunks dropped ──▶ idle
//	recording ──microphone ends (io.EOF)──▶ sending, as if the badge had stopped it
//	any ──missing microphone, buttons, reader or badge list, a failing
//	      microphone, recorder or journal──▶ fault, where nothing starts
//
// The fault state lasts until Run is started again, typically by restarting
// the box daemon. A recording in progress when the fault happens is closed
// with an interrupted event, and what was spooled of it is still sent.
//
// An unknown badge blinks the LED once and changes nothing. While audio is
// being recorded it does not touch the LED at all. Any known badge stops a
// recording, not only the one that started it, so a colleague can stop a
// meeting that the caseworker left running.
//
// The LED shows hal.LEDRecording exactly while microphone audio reaches the
// recorder. One capture goroutine per stretch of recording owns the
// microphone-to-recorder loop behind a gate. Only the gate sets
// LEDRecording, and only after a Write of real samples succeeded. Whoever
// closes the gate (a pause, stop, withdrawal, shutdown, or the goroutine
// itself on a microphone or recorder error) sets the next LED state under the
// gate's lock, so no Write can happen after the LED has left LEDRecording.
// The rest of the session cannot set LEDRecording: its LED helper panics
// on it.
//
// Each recording's events go to the journal as protocol.EncodeEvent
// messages numbered 0, 1, 2, …: consent (with StartInfo), pause, resume, and
// one of end, withdraw or interrupted. The recording exists only from the
// green press on. RecoverInterrupted closes recordings that a crash left open.
//
// Package session is imported by cmd/box. It depends on hal and
// sync/protocol, and on the journal and recorder only through the small
// interfaces defined here.
package session
