// Package audio holds the audio helpers that the box and the central service
// share: interleaved 16-bit PCM conversions, FLAC encoding and decoding, WAV
// reading and writing, and sample-rate conversion.
//
// Samples are always interleaved signed 16-bit integers: frame i of a
// c-channel signal is samples[i*c : i*c+c]. The package keeps no state and
// every function is safe for concurrent use.
package audio

import (
	"encoding/binary"
	"fmt"
)

// EncodePCM returns samples as little-endian signed 16-bit bytes (the
// pcm_s16le layout of WAV data chunks).
func EncodePCM(samples []int16) []byte {
	return AppendPCM(make([]byte, 0, 2*len(samples)), samples)
}

// AppendPCM appends samples to dst as little-endian signed 16-bit bytes.
func AppendPCM(dst []byte, samples []int16) []byte {
	for _, s := range samples {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(s))
	}
	return dst
}

// DecodePCM parses little-endian signed 16-bit bytes. It returns an error
// when b has an odd length, because a byte would be left over.
func DecodePCM(b []byte) ([]int16, error) {
	if len(b)%2 != 0 {
		return nil, fmt.Errorf("decoding 16-bit pcm: odd length %d bytes, want two bytes per sample", len(b))
	}
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out, nil
}

// MixDown returns the mono signal whose samples are the mean of each frame's
// channels, rounded toward zero. With one channel it returns a copy.
func MixDown(samples []int16, channels int) ([]int16, error) {
	if err := checkLayout(samples, channels); err != nil {
		return nil, fmt.Errorf("mixing down: %w", err)
	}

	frames := len(samples) / channels
	out := make([]int16, frames)
	for i := range out {
		sum := 0
		for _, s := range samples[i*channels : i*channels+channels] {
			sum += int(s)
		}
		out[i] = int16(sum / channels)
	}
	return out, nil
}

// checkLayout validates a channel count and that samples holds whole frames.
func checkLayout(samples []int16, channels int) error {
	if channels < 1 || channels > MaxChannels {
		return fmt.Errorf("invalid channel count %d: use 1 to %d", channels, MaxChannels)
	}
	if len(samples)%channels != 0 {
		return fmt.Errorf("%d samples is not a whole number of %d-channel frames", len(samples), channels)
	}
	return nil
}

// MaxChannels is the largest channel count the FLAC format, and so this
// package, supports.
const MaxChannels = 8
