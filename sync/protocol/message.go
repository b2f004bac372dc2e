package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Version is the message version this package writes and accepts.
const Version = 1

// Size limits. A message over its limit is rejected before it is parsed.
const (
	// MaxJSONMessage is the maximum size of a status, event, ack or command message.
	MaxJSONMessage = 64 << 10
	// MaxChunkMessage is the maximum size of a chunk envelope. Five seconds of
	// four-channel 16 kHz 16-bit PCM is 640 KiB, so 2 MiB leaves room for eight channels.
	MaxChunkMessage = 2 << 20
	// MaxChunkDuration is the longest audio one chunk may carry.
	MaxChunkDuration = 5 * time.Second
	// MaxChannels is the largest microphone count a chunk may carry.
	MaxChannels = 8
	// MaxFrames bounds frame counts and offsets: 24 hours at 48 kHz.
	MaxFrames = 24 * 3600 * 48000
	// MaxChunks bounds a recording's chunk count: 24 hours of chunks of
	// at least 0.1 s, more than any box writes.
	MaxChunks = 24 * 3600 * 10
)

// Errors returned by the Decode functions, wrapped with detail.
var (
	ErrTooLarge           = errors.New("message too large")
	ErrMalformed          = errors.New("malformed message")
	ErrUnsupportedVersion = errors.New("unsupported message version")
)

// EventType names a change in a recording's life.
type EventType string

// Event types, in the order they can happen.
const (
	// EventConsent is the client's yes on the box. It creates the recording and carries StartInfo.
	EventConsent EventType = "consent"
	// EventPause is the client's press on red while recording.
	EventPause EventType = "pause"
	// EventResume is the client's renewed yes after a pause.
	EventResume EventType = "resume"
	// EventEnd is the caseworker's badge tap that stops the recording. It carries EndInfo.
	EventEnd EventType = "end"
	// EventInterrupted closes a recording the box found open after a crash or power cut. It carries EndInfo.
	EventInterrupted EventType = "interrupted"
	// EventWithdraw is the client's long press on red: delete the recording everywhere.
	EventWithdraw EventType = "withdraw"
)

func (t EventType) valid() bool {
	switch t {
	case EventConsent, EventPause, EventResume, EventEnd, EventInterrupted, EventWithdraw:
		return true
	}
	return false
}

// Event is one metadata message of a recording. Seq counts a recording's
// events from 0 and is separate from chunk sequence numbers.
type Event struct {
	V     int        `json:"v"`
	Seq   uint64     `json:"seq"`
	Type  EventType  `json:"type"`
	At    time.Time  `json:"at"`
	Frame uint64     `json:"frame"` // audio frames recorded before the event
	Start *StartInfo `json:"start,omitempty"`
	End   *EndInfo   `json:"end,omitempty"`
}

// StartInfo describes a new recording. It travels with EventConsent.
type StartInfo struct {
	Format     AudioFormat `json:"format"`
	BadgeID    string      `json:"badge_id"` // badge id from the box's signed configuration, not the card's UID
	Board      string      `json:"board"`
	ConsentAsk time.Time   `json:"consent_asked_at"`
	// CaseworkerDirection is the direction of the caseworker's chair in
	// degrees counter-clockwise from the board's X axis, when the box's
	// configuration says it; diarization labels that speaker Handläggare.
	CaseworkerDirection *float64 `json:"caseworker_direction,omitempty"`
}

// EndInfo closes a recording. Chunks is the number of chunks the box wrote,
// so the central service can check that it holds all of them.
type EndInfo struct {
	Chunks uint64 `json:"chunks"`
	Frames uint64 `json:"frames"`
}

// AudioFormat describes the audio of a recording.
type AudioFormat struct {
	Codec      Codec `json:"codec"`
	SampleRate int   `json:"sample_rate"`
	Channels   int   `json:"channels"`
	Bits       int   `json:"bits"`
}

// Codec names how chunk audio is encoded.
type Codec string

// Codecs.
const (
	CodecFLAC Codec = "flac"
	CodecPCM  Codec = "pcm_s16le"
)

// Validate checks that a format is one this protocol carries.
func (f AudioFormat) Validate() error {
	if f.Codec != CodecFLAC && f.Codec != CodecPCM {
		return fmt.Errorf("unsupported codec %q: use %q or %q", f.Codec, CodecFLAC, CodecPCM)
	}
	switch f.SampleRate {
	case 8000, 16000, 32000, 48000:
		// The rates voice activity detection works at, so every recording can be cut for transcription.
	default:
		return fmt.Errorf("unsupported sample rate %d Hz: use 8000, 16000, 32000 or 48000", f.SampleRate)
	}
	if f.Channels < 1 || f.Channels > MaxChannels {
		return fmt.Errorf("invalid channel count %d: use 1 to %d", f.Channels, MaxChannels)
	}
	if f.Bits != 16 {
		return fmt.Errorf("invalid sample size %d bits: only 16 is supported", f.Bits)
	}
	return nil
}

// EncodeEvent encodes an event, setting its version.
func EncodeEvent(e Event) ([]byte, error) {
	e.V = Version
	if err := e.validate(); err != nil {
		return nil, err
	}
	return json.Marshal(e)
}

// DecodeEvent decodes and validates an event message.
func DecodeEvent(b []byte) (Event, error) {
	var e Event
	if err := decodeJSON(b, &e); err != nil {
		return Event{}, fmt.Errorf("event: %w", err)
	}
	if err := e.validate(); err != nil {
		return Event{}, fmt.Errorf("event: %w: %w", ErrMalformed, err)
	}
	return e, nil
}

func (e Event) validate() error {
	if !e.Type.valid() {
		return fmt.Errorf("unknown event type %q", e.Type)
	}
	if e.At.IsZero() {
		return errors.New("missing event time")
	}
	if e.At.Before(minTime) || e.At.After(maxTime) {
		return fmt.Errorf("event time %s outside %d to %d: check the box clock", e.At.Format(time.RFC3339), minTime.Year(), maxTime.Year())
	}
	if e.Type == EventConsent {
		if e.Start == nil {
			return errors.New("consent event without start info")
		}
		if err := e.Start.Format.Validate(); err != nil {
			return err
		}
		if d := e.Start.CaseworkerDirection; d != nil && !(*d >= 0 && *d < 360) {
			return fmt.Errorf("invalid caseworker direction %v: use 0 to 360 degrees", *d)
		}
	}
	if (e.Type == EventEnd || e.Type == EventInterrupted) && e.End == nil {
		return fmt.Errorf("%s event without end info", e.Type)
	}
	if e.Frame > MaxFrames {
		return fmt.Errorf("frame %d exceeds the %d frames of a 24-hour recording at 48 kHz", e.Frame, uint64(MaxFrames))
	}
	if e.End != nil && (e.End.Frames > MaxFrames || e.End.Chunks > MaxChunks) {
		return fmt.Errorf("end info of %d chunks and %d frames exceeds %d chunks or %d frames", e.End.Chunks, e.End.Frames, uint64(MaxChunks), uint64(MaxFrames))
	}
	return nil
}

// BoxState is the state a box reports in its status.
type BoxState string

// Box states, matching the LED states of the box.
const (
	StateIdle      BoxState = "idle"
	StateConsent   BoxState = "consent"
	StateRecording BoxState = "recording"
	StatePaused    BoxState = "paused"
	StateSending   BoxState = "sending"
	StateFault     BoxState = "fault"
	StateOffline   BoxState = "offline" // only in the last will
)

// Event and status times outside this range are rejected: they come from a
// box clock that was never set, or they overflow time arithmetic.
var (
	minTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Limits of a status message's free-text fields, in bytes.
const (
	MaxFaultLength    = 200
	MaxFirmwareLength = 64
)

// Status is a box's retained status message.
type Status struct {
	V        int       `json:"v"`
	State    BoxState  `json:"state"`
	At       time.Time `json:"at"`
	Spooled  int       `json:"spooled"` // chunks and events waiting for an ack
	Fault    string    `json:"fault,omitempty"`
	Firmware string    `json:"firmware,omitempty"`
}

// EncodeStatus encodes a status message, setting its version.
func EncodeStatus(s Status) ([]byte, error) {
	s.V = Version
	return json.Marshal(s)
}

// DecodeStatus decodes and validates a status message.
func DecodeStatus(b []byte) (Status, error) {
	var s Status
	if err := decodeJSON(b, &s); err != nil {
		return Status{}, fmt.Errorf("status: %w", err)
	}
	if err := s.validate(); err != nil {
		return Status{}, fmt.Errorf("status: %w: %w", ErrMalformed, err)
	}
	return s, nil
}

func (s Status) validate() error {
	switch s.State {
	case StateIdle, StateConsent, StateRecording, StatePaused, StateSending, StateFault, StateOffline:
	default:
		return fmt.Errorf("unknown state %q", s.State)
	}
	if s.Spooled < 0 {
		return fmt.Errorf("negative spool count %d", s.Spooled)
	}
	if len(s.Fault) > MaxFaultLength || len(s.Firmware) > MaxFirmwareLength {
		return fmt.Errorf("fault or firmware text longer than %d or %d bytes", MaxFaultLength, MaxFirmwareLength)
	}
	for _, r := range s.Fault + s.Firmware {
		if r < 0x20 || r == 0x7f {
			return errors.New("control character in fault or firmware text")
		}
	}
	if !s.At.IsZero() && (s.At.Before(minTime) || s.At.After(maxTime)) {
		return fmt.Errorf("status time %s outside %d to %d", s.At.Format(time.RFC3339), minTime.Year(), maxTime.Year())
	}
	return nil
}

// Range is an inclusive range of sequence numbers, encoded as [first, last].
type Range struct {
	First, Last uint64
}

// MarshalJSON encodes the range as a two-element array.
func (r Range) MarshalJSON() ([]byte, error) {
	return []byte("[" + strconv.FormatUint(r.First, 10) + "," + strconv.FormatUint(r.Last, 10) + "]"), nil
}

// UnmarshalJSON decodes a two-element array with First <= Last.
func (r *Range) UnmarshalJSON(b []byte) error {
	var pair []uint64
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	if len(pair) != 2 || pair[0] > pair[1] {
		return fmt.Errorf("invalid range %s: want [first, last] with first <= last", b)
	}
	r.First, r.Last = pair[0], pair[1]
	return nil
}

// Contains reports whether seq is in the range.
func (r Range) Contains(seq uint64) bool { return seq >= r.First && seq <= r.Last }

// Ranges compresses sequence numbers into sorted, merged ranges.
func Ranges(seqs []uint64) []Range {
	sorted := append([]uint64(nil), seqs...)
	slices.Sort(sorted)
	var out []Range
	for _, s := range sorted {
		if n := len(out); n > 0 && (s == out[n-1].Last || s == out[n-1].Last+1) {
			out[n-1].Last = s
			continue
		}
		out = append(out, Range{First: s, Last: s})
	}
	return out
}

// Ack lists which of a recording's chunks and events the central service
// has committed, so the box may delete them, and which it rejected.
type Ack struct {
	V           int         `json:"v"`
	RecordingID string      `json:"rec"`
	Chunks      []Range     `json:"chunks,omitempty"`
	Events      []Range     `json:"events,omitempty"`
	Rejected    []Rejection `json:"rejected,omitempty"`
	// Deleted is set when the recording no longer exists on the central
	// service (withdrawn or deleted), so the box drops what it still holds of it.
	Deleted bool `json:"deleted,omitempty"`
}

// Rejection names an item the central service will never accept, with the reason.
type Rejection struct {
	Kind   string `json:"kind"` // "chunk" or "event"
	Seq    uint64 `json:"seq"`
	Reason string `json:"reason"`
}

// EncodeAck encodes an ack, setting its version.
func EncodeAck(a Ack) ([]byte, error) {
	a.V = Version
	return json.Marshal(a)
}

// DecodeAck decodes and validates an ack message.
func DecodeAck(b []byte) (Ack, error) {
	var a Ack
	if err := decodeJSON(b, &a); err != nil {
		return Ack{}, fmt.Errorf("ack: %w", err)
	}
	if !ValidID(a.RecordingID) {
		return Ack{}, fmt.Errorf("ack: %w: invalid recording id %q", ErrMalformed, a.RecordingID)
	}
	return a, nil
}

// CommandType names a command from the central service to a box.
type CommandType string

// Commands.
const (
	CommandWipe     CommandType = "wipe"
	CommandIdentify CommandType = "identify"
)

// Command is a message on a box's command topic.
type Command struct {
	V    int         `json:"v"`
	ID   string      `json:"id"`
	Type CommandType `json:"type"`
	At   time.Time   `json:"at"`
}

// EncodeCommand encodes a command, setting its version.
func EncodeCommand(c Command) ([]byte, error) {
	c.V = Version
	return json.Marshal(c)
}

// DecodeCommand decodes a command message.
func DecodeCommand(b []byte) (Command, error) {
	var c Command
	if err := decodeJSON(b, &c); err != nil {
		return Command{}, fmt.Errorf("command: %w", err)
	}
	if c.Type != CommandWipe && c.Type != CommandIdentify {
		return Command{}, fmt.Errorf("command: %w: unknown type %q", ErrMalformed, c.Type)
	}
	return c, nil
}

// decodeJSON checks size and version, then decodes strictly.
func decodeJSON(b []byte, v any) error {
	if len(b) > MaxJSONMessage {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), MaxJSONMessage)
	}
	var probe struct {
		V *int `json:"v"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if probe.V == nil {
		return fmt.Errorf("%w: missing version field \"v\"", ErrMalformed)
	}
	if *probe.V != Version {
		return fmt.Errorf("%w %d: this side speaks version %d", ErrUnsupportedVersion, *probe.V, Version)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}
