package diarize

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/ordagrann/ordagrann/board"
)

// Method is the evidence that separated the speakers.
type Method int

// Methods.
const (
	// MethodNone is a result without speech.
	MethodNone Method = iota
	// MethodSpatial separated speakers by the direction of their voice.
	MethodSpatial
	// MethodVoice separated speakers by the sound of their voice.
	MethodVoice
)

func (m Method) String() string {
	switch m {
	case MethodSpatial:
		return "spatial"
	case MethodVoice:
		return "voice"
	}
	return "none"
}

// Turn is a stretch of time in which one speaker talks. Times are relative
// to the recording's first frame.
type Turn struct {
	Start, End time.Duration
	// Speaker is an index into Result.Speakers.
	Speaker int
	// Overlap is set when a second speaker is heard during the turn.
	Overlap bool
	// Others lists, in increasing order, the other speakers the spatial
	// method heard during the turn's overlapping speech. It may be empty
	// while Overlap is set.
	Others []int `json:",omitempty"`
}

// Speaker is one diarized voice.
type Speaker struct {
	// Label is the name the UI shows until the caseworker renames the
	// speaker: "Handläggare" or "Talare N".
	Label string
	// Caseworker is set for the speaker sitting in the caseworker's
	// direction.
	Caseworker bool
	// Azimuth is the speaker's direction in degrees counter-clockwise from
	// the board's X axis, NaN when the method was not spatial. A board
	// whose microphones lie on one line hears only 0 to 180 degrees.
	Azimuth float64
	// Speech is the speaker's total talking time.
	Speech time.Duration
}

// Result is a diarization of the audio seen so far.
type Result struct {
	Turns    []Turn
	Speakers []Speaker
	Method   Method
	// Final is set on the result of Session.Final.
	Final bool
	// Agreement is the share of speech time on which the voice-based
	// second opinion agrees with the spatial result, after mapping its
	// speakers onto the spatial ones. It is NaN when only one method ran.
	Agreement float64
}

// Labels shown to the user.
const (
	LabelCaseworker = "Handläggare"
	labelSpeaker    = "Talare %d"
)

// Options configures a Diarizer. Zero fields mean the documented default.
type Options struct {
	// Mics holds the microphone positions in channel order, as in
	// board.Profile.Mics. With fewer than two positions, or when they are
	// missing, diarization is by voice only.
	Mics []board.Position

	// CaseworkerAzimuth is the direction of the caseworker's chair in
	// degrees counter-clockwise from the board's X axis. When set, the
	// speaker found within CaseworkerTolerance of it is labelled
	// "Handläggare".
	CaseworkerAzimuth *float64

	// CaseworkerTolerance is the largest angle, in degrees, between a
	// speaker's direction and CaseworkerAzimuth. Default 30. For
	// microphones on one line the cosines of the angles to the line may
	// differ by up to the sine of this angle.
	CaseworkerTolerance float64

	// Speakers fixes the number of speakers, for when the caseworker
	// enters it. Default 0: estimated between 1 and MaxSpeakers. Every
	// result then lists at most Speakers speakers, and exactly that many
	// when the speech splits into them. It lists fewer when the spatial
	// method hears fewer directions, or when voice clustering has fewer
	// voiced pieces of speech than the count.
	Speakers int

	// MaxSpeakers bounds the estimated number of speakers. Default 6.
	MaxSpeakers int

	// Logger receives counts and durations, never audio or text. Default
	// slog.Default().
	Logger *slog.Logger
}

// SampleRate is the only rate the Diarizer accepts, in Hz.
const SampleRate = board.SampleRate

// maxSpeakersLimit is the largest MaxSpeakers or Speakers accepted.
const maxSpeakersLimit = 6

// ErrInvalidOptions is returned by New, wrapped with the offending value.
var ErrInvalidOptions = errors.New("invalid diarization options")

// Diarizer holds the configuration and precomputed tables. It is safe for
// concurrent use; each Session is not.
type Diarizer struct {
	opts    Options
	log     *slog.Logger
	mel     *melBank
	steer   *steering // nil when diarizing by voice only
	caseDir float64   // NaN when no caseworker direction is known
}

// New returns a Diarizer. opts may be nil for all defaults.
func New(opts *Options) (*Diarizer, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.CaseworkerTolerance == 0 {
		o.CaseworkerTolerance = 30
	}
	if o.MaxSpeakers == 0 {
		o.MaxSpeakers = maxSpeakersLimit
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}

	if o.MaxSpeakers < 1 || o.MaxSpeakers > maxSpeakersLimit {
		return nil, fmt.Errorf("%w: maximum of %d speakers: use 1 to %d", ErrInvalidOptions, o.MaxSpeakers, maxSpeakersLimit)
	}
	if o.Speakers < 0 || o.Speakers > maxSpeakersLimit {
		return nil, fmt.Errorf("%w: %d speakers: use 0 to estimate, or 1 to %d", ErrInvalidOptions, o.Speakers, maxSpeakersLimit)
	}
	if o.CaseworkerTolerance < 0 || o.CaseworkerTolerance > 90 {
		return nil, fmt.Errorf("%w: caseworker tolerance %v degrees: use 0 to 90", ErrInvalidOptions, o.CaseworkerTolerance)
	}
	if o.CaseworkerAzimuth != nil && (math.IsNaN(*o.CaseworkerAzimuth) || math.IsInf(*o.CaseworkerAzimuth, 0)) {
		return nil, fmt.Errorf("%w: caseworker azimuth %v degrees", ErrInvalidOptions, *o.CaseworkerAzimuth)
	}

	d := &Diarizer{opts: o, log: o.Logger, mel: newMelBank(), caseDir: math.NaN()}
	if len(o.Mics) >= 2 {
		st, err := newSteering(o.Mics)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
		}
		d.steer = st
		if o.CaseworkerAzimuth != nil {
			d.caseDir = st.fold(*o.CaseworkerAzimuth)
		}
	}
	return d, nil
}

// Diarize returns the final diarization of a complete recording of
// interleaved 16 kHz samples with the given number of channels.
func (d *Diarizer) Diarize(samples []int16, channels int) (Result, error) {
	s, err := d.NewSession(channels)
	if err != nil {
		return Result{}, err
	}
	if err := s.Write(samples); err != nil {
		return Result{}, err
	}
	return s.Final()
}
