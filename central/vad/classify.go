package vad

import (
	"encoding/binary"
	"fmt"

	webrtcvad "github.com/maxhawkins/go-webrtcvad"
)

// energyFloor is the RMS level, in 16-bit sample units, below which a window
// is silence without asking the detector (about -60 dBFS). It keeps dithered
// digital silence from ever becoming speech.
const energyFloor = 30

// maxZeroCrossingRate is the share of sign changes between neighbouring
// samples above which a window counts as broadband noise, not speech. White
// noise crosses zero at about every second sample (rate 0.5), voiced speech
// far less often. WebRTC's detector takes loud white noise for speech, so
// this check runs after it. Sibilants can exceed the rate too, but they sit
// next to voiced sounds and stay inside the piece through MinPause and
// Padding.
const maxZeroCrossingRate = 0.4

// classifier decides whether one window of mono audio is speech.
type classifier interface {
	isSpeech(window []int16) (bool, error)
}

type webrtcClassifier struct {
	vad  *webrtcvad.VAD
	rate int
	buf  []byte
}

func newWebRTC(rate, mode int) (*webrtcClassifier, error) {
	v, err := webrtcvad.New()
	if err != nil {
		return nil, fmt.Errorf("creating webrtc voice activity detector: %w", err)
	}
	if err := v.SetMode(mode); err != nil {
		return nil, fmt.Errorf("setting webrtc voice activity detector mode %d: %w", mode, err)
	}
	return &webrtcClassifier{vad: v, rate: rate}, nil
}

func (c *webrtcClassifier) isSpeech(window []int16) (bool, error) {
	c.buf = c.buf[:0]
	for _, s := range window {
		c.buf = binary.LittleEndian.AppendUint16(c.buf, uint16(s))
	}

	speech, err := c.vad.Process(c.rate, c.buf)
	if err != nil {
		return false, fmt.Errorf("classifying a window of %d samples at %d Hz: %w", len(window), c.rate, err)
	}
	return speech, nil
}

// zeroCrossingRate returns the share of neighbouring sample pairs in window
// whose signs differ.
func zeroCrossingRate(window []int16) float64 {
	if len(window) < 2 {
		return 0
	}
	crossings := 0
	for i := 1; i < len(window); i++ {
		if (window[i-1] < 0) != (window[i] < 0) {
			crossings++
		}
	}
	return float64(crossings) / float64(len(window)-1)
}

// energy returns the sum of squares of a window.
func energy(window []int16) float64 {
	var e float64
	for _, s := range window {
		f := float64(s)
		e += f * f
	}
	return e
}
