// Package vad finds speech in a recording and cuts it into pieces at pauses,
// so that a transcription engine never receives a stretch of silence or
// noise: Whisper-style engines invent text when given silence.
//
// A Segmenter classifies fixed windows of mono audio with WebRTC's voice
// activity detector (github.com/maxhawkins/go-webrtcvad) and joins speech
// windows into pieces. It is resumable: Cut needs only the audio from the
// caller's cursor on, and the cursor it returns is the frame up to which every
// decision is final. The central pipeline imports it.
package vad

import (
	"errors"
	"fmt"
	"time"
)

// Piece is a stretch of speech as frames [Start, End) of the recording. A
// frame is one sample per channel.
type Piece struct {
	Start, End uint64
}

// Len returns the number of frames in the piece.
func (p Piece) Len() uint64 { return p.End - p.Start }

// Duration returns the length of the piece at the given sample rate.
func (p Piece) Duration(rate int) time.Duration {
	return framesToDuration(p.Len(), rate)
}

// Mode is the aggressiveness of WebRTC's detector: 0 is the least aggressive
// about filtering out non-speech, 3 the most.
type Mode int

// Options configures a Segmenter. Zero fields mean the documented default.
type Options struct {
	// SampleRate of the mono input in Hz: 8000, 16000, 32000 or 48000.
	// Default 16000.
	SampleRate int

	// Window is the span of audio the detector classifies at once (WebRTC
	// calls it a frame): 10, 20 or 30 ms. Default 30 ms.
	Window time.Duration

	// Mode is the detector's aggressiveness. Default 3, because the room
	// microphones pick up steady noise (ventilation, traffic) that lower
	// modes take for speech. Use a negative value for mode 0.
	Mode Mode

	// MinPause ends a piece after at least this much non-speech.
	// Default 500 ms.
	MinPause time.Duration

	// Padding is added before and after each piece so that soft word onsets
	// and endings are kept. Default 200 ms; it must be less than half of
	// MinPause so that padded pieces never overlap.
	Padding time.Duration

	// MaxPiece is the longest piece, padding included. Longer speech is cut
	// at the quietest window of its last MaxPieceLookback. Default 30 s,
	// the window a Whisper model transcribes at once.
	MaxPiece time.Duration

	// MaxPieceLookback is how far back from MaxPiece the cut point is
	// searched. Default 5 s.
	MaxPieceLookback time.Duration

	// MinSpeech drops pieces whose speech (without padding) is shorter.
	// Default 250 ms: clicks, coughs and door slams.
	MinSpeech time.Duration
}

// ErrInvalidOptions is returned by New, wrapped with the offending value.
var ErrInvalidOptions = errors.New("invalid segmenter options")

// Segmenter cuts mono audio into speech pieces. It holds only its
// configuration, because each Cut call starts its own detector, so it is
// safe for concurrent use.
type Segmenter struct {
	rate          int
	window        int // frames per detector window
	mode          int
	minPause      int // windows
	padding       uint64
	maxPiece      uint64
	lookback      int // windows
	minSpeech     uint64
	sibilantGap   int // windows
	energyFloor   float64
	classifierNew func() (classifier, error)
}

// New returns a Segmenter. opts may be nil for all defaults.
func New(opts *Options) (*Segmenter, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	o = withDefaults(o)
	if err := validate(o); err != nil {
		return nil, err
	}

	window := int(o.Window * time.Duration(o.SampleRate) / time.Second)
	s := &Segmenter{
		rate:        o.SampleRate,
		window:      window,
		mode:        int(o.Mode),
		minPause:    ceilDiv(int(o.MinPause), int(o.Window)),
		padding:     durationToFrames(o.Padding, o.SampleRate),
		maxPiece:    durationToFrames(o.MaxPiece, o.SampleRate),
		lookback:    max(1, int(o.MaxPieceLookback/o.Window)),
		minSpeech:   durationToFrames(o.MinSpeech, o.SampleRate),
		sibilantGap: ceilDiv(int(150*time.Millisecond), int(o.Window)),
		energyFloor: energyFloor * energyFloor * float64(window),
	}
	s.classifierNew = func() (classifier, error) { return newWebRTC(s.rate, s.mode) }

	if _, err := s.classifierNew(); err != nil {
		return nil, err
	}
	return s, nil
}

// SampleRate returns the sample rate the Segmenter expects, in Hz.
func (s *Segmenter) SampleRate() int { return s.rate }

func withDefaults(o Options) Options {
	if o.SampleRate == 0 {
		o.SampleRate = 16000
	}
	if o.Window == 0 {
		o.Window = 30 * time.Millisecond
	}
	switch {
	case o.Mode == 0:
		o.Mode = 3
	case o.Mode < 0:
		o.Mode = 0
	}
	if o.MinPause == 0 {
		o.MinPause = 500 * time.Millisecond
	}
	if o.Padding == 0 {
		o.Padding = 200 * time.Millisecond
	}
	if o.MaxPiece == 0 {
		o.MaxPiece = 30 * time.Second
	}
	if o.MaxPieceLookback == 0 {
		o.MaxPieceLookback = 5 * time.Second
	}
	if o.MinSpeech == 0 {
		o.MinSpeech = 250 * time.Millisecond
	}
	return o
}

func validate(o Options) error {
	switch o.SampleRate {
	case 8000, 16000, 32000, 48000:
	default:
		return fmt.Errorf("%w: sample rate %d Hz: use 8000, 16000, 32000 or 48000", ErrInvalidOptions, o.SampleRate)
	}
	switch o.Window {
	case 10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond:
	default:
		return fmt.Errorf("%w: window %s: use 10ms, 20ms or 30ms", ErrInvalidOptions, o.Window)
	}
	if o.Mode > 3 {
		return fmt.Errorf("%w: mode %d: use 0 to 3", ErrInvalidOptions, o.Mode)
	}
	if o.MinPause < 0 || o.Padding < 0 || o.MinSpeech < 0 || o.MaxPieceLookback < 0 {
		return fmt.Errorf("%w: durations must not be negative", ErrInvalidOptions)
	}
	if 2*o.Padding >= o.MinPause {
		return fmt.Errorf("%w: padding %s must be less than half of the minimum pause %s", ErrInvalidOptions, o.Padding, o.MinPause)
	}
	if o.MaxPiece < 2*time.Second+2*o.Padding {
		return fmt.Errorf("%w: maximum piece %s is too short: use at least 2s plus twice the padding", ErrInvalidOptions, o.MaxPiece)
	}
	if o.MaxPieceLookback >= o.MaxPiece-2*o.Padding {
		return fmt.Errorf("%w: lookback %s must be shorter than the maximum piece %s minus padding", ErrInvalidOptions, o.MaxPieceLookback, o.MaxPiece)
	}
	return nil
}

func durationToFrames(d time.Duration, rate int) uint64 {
	return uint64(d) * uint64(rate) / uint64(time.Second)
}

func framesToDuration(frames uint64, rate int) time.Duration {
	return time.Duration(frames * uint64(time.Second) / uint64(rate))
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
