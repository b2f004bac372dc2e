package audio

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
	"github.com/mewkiz/flac/meta"
)

// flacBlockSize is the number of frames per FLAC block. 4096 is the block
// size the reference encoder uses for 16 kHz to 48 kHz audio.
const flacBlockSize = 4096

// MaxDecodedSamples is the largest number of samples (all channels together)
// DecodeFLAC returns. It is twice the largest chunk the protocol carries
// (5 s of 8 channels at 48 kHz), so a small hostile stream cannot make the
// decoder allocate gigabytes.
const MaxDecodedSamples = 2 * 5 * 48000 * 8

// ErrFLAC marks every DecodeFLAC error caused by the input bytes.
var ErrFLAC = errors.New("invalid flac stream")

// EncodeFLAC encodes interleaved 16-bit samples as a complete FLAC stream,
// losslessly. The stream carries the sample count and the MD5 sum of the
// audio, which DecodeFLAC checks.
//
// Each block is written by github.com/mewkiz/flac v1.0.14 with the
// predictor choosePrediction picks: constant, verbatim, fixed or LPC up to
// order 12, with partitioned Rice coding. A panic inside the library is
// returned as an error.
func EncodeFLAC(samples []int16, rate, channels int) (out []byte, err error) {
	if err := checkLayout(samples, channels); err != nil {
		return nil, fmt.Errorf("encoding flac: %w", err)
	}
	if rate < 1 || rate > 655350 {
		return nil, fmt.Errorf("encoding flac: invalid sample rate %d Hz: use 1 to 655350", rate)
	}

	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("encoding flac: encoder panicked: %v", r)
		}
	}()

	frames := len(samples) / channels
	info := &meta.StreamInfo{
		BlockSizeMin:  flacBlockSize,
		BlockSizeMax:  flacBlockSize,
		SampleRate:    uint32(rate),
		NChannels:     uint8(channels),
		BitsPerSample: 16,
		NSamples:      uint64(frames),
		MD5sum:        md5.Sum(EncodePCM(samples)),
	}
	var buf bytes.Buffer
	buf.Grow(len(samples)*2*3/4 + 64)
	enc, err := flac.NewEncoder(&buf, info)
	if err != nil {
		return nil, fmt.Errorf("encoding flac: writing stream header: %w", err)
	}

	// The encoder's own analysis is replaced by choosePrediction, which also
	// tries LPC and partitioned Rice codes.
	enc.EnablePredictionAnalysis(false)

	subframes := make([]*frame.Subframe, channels)
	for ch := range subframes {
		subframes[ch] = &frame.Subframe{Samples: make([]int32, 0, flacBlockSize)}
	}
	scratch := make([]int32, 0, flacBlockSize) // mid or side signal of a block
	for start := 0; start < frames; start += flacBlockSize {
		n := min(flacBlockSize, frames-start)
		for ch, sf := range subframes {
			sf.NSamples = n
			sf.Samples = sf.Samples[:n]
			for i := range n {
				sf.Samples[i] = int32(samples[(start+i)*channels+ch])
			}
		}

		assignment := channelAssignment(subframes)
		for ch, sf := range subframes {
			signal, bps := codedSignal(subframes, assignment, ch, scratch)
			analysed := frame.Subframe{Samples: signal, NSamples: n}
			choosePrediction(&analysed, bps)
			sf.SubHeader = analysed.SubHeader
		}

		f := &frame.Frame{
			Header: frame.Header{
				HasFixedBlockSize: true,
				BlockSize:         uint16(n),
				SampleRate:        uint32(rate),
				Channels:          assignment,
				BitsPerSample:     16,
			},
			Subframes: subframes,
		}
		if err := enc.WriteFrame(f); err != nil {
			return nil, fmt.Errorf("encoding flac: writing block at frame %d: %w", start, err)
		}
	}

	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding flac: %w", err)
	}
	return buf.Bytes(), nil
}

// channelAssignment picks how a block's channels are stored. For stereo it
// compares the second-order prediction error of left, right, mid and side
// (the estimate the reference encoder uses) and returns the cheapest pair.
// Other channel counts are stored independently.
func channelAssignment(subframes []*frame.Subframe) frame.Channels {
	if len(subframes) != 2 {
		return frame.Channels(len(subframes) - 1)
	}

	left, right := subframes[0].Samples, subframes[1].Samples
	var costL, costR, costM, costS int64
	for i := 2; i < len(left); i++ {
		l := int64(left[i]) - 2*int64(left[i-1]) + int64(left[i-2])
		r := int64(right[i]) - 2*int64(right[i-1]) + int64(right[i-2])
		costL += abs64(l)
		costR += abs64(r)
		costM += abs64((l + r) >> 1)
		costS += abs64(l - r)
	}

	best, assignment := costL+costR, frame.ChannelsLR
	if c := costL + costS; c < best {
		best, assignment = c, frame.ChannelsLeftSide
	}
	if c := costS + costR; c < best {
		best, assignment = c, frame.ChannelsSideRight
	}
	if c := costM + costS; c < best {
		assignment = frame.ChannelsMidSide
	}
	return assignment
}

// codedSignal returns channel ch of a block as the encoder will code it
// under assignment (left, right, mid or side), and its bits per sample: 17
// for a side channel, 16 otherwise. WriteFrame derives the same signals
// from the left and right samples it is given. A mid or side signal is
// built in buf, which must not alias any subframe.
func codedSignal(subframes []*frame.Subframe, assignment frame.Channels, ch int, buf []int32) ([]int32, uint) {
	own := subframes[ch].Samples
	if len(subframes) != 2 {
		return own, 16
	}
	left, right := subframes[0].Samples, subframes[1].Samples
	side := func() []int32 {
		buf = buf[:0]
		for i := range left {
			buf = append(buf, left[i]-right[i])
		}
		return buf
	}

	switch {
	case assignment == frame.ChannelsLeftSide && ch == 1,
		assignment == frame.ChannelsSideRight && ch == 0,
		assignment == frame.ChannelsMidSide && ch == 1:
		return side(), 17
	case assignment == frame.ChannelsMidSide && ch == 0:
		buf = buf[:0]
		for i := range left {
			buf = append(buf, int32((int64(left[i])+int64(right[i]))>>1))
		}
		return buf, 16
	}
	return own, 16
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// DecodeFLAC decodes a FLAC stream of 16-bit audio into interleaved samples.
// It accepts untrusted bytes: every error caused by the input wraps ErrFLAC,
// a panic inside the library is returned as such an error, and a stream of
// more than MaxDecodedSamples samples is rejected before it is decoded. When
// the stream header carries a sample count or an MD5 sum, the decoded audio
// must match them.
func DecodeFLAC(b []byte) (samples []int16, rate, channels int, err error) {
	defer func() {
		if r := recover(); r != nil {
			samples, rate, channels, err = nil, 0, 0, fmt.Errorf("decoding flac: %w: decoder panicked: %v", ErrFLAC, r)
		}
	}()

	stream, err := flac.New(bytes.NewReader(b))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("decoding flac: %w: reading stream header: %w", ErrFLAC, err)
	}
	info := stream.Info
	if info.BitsPerSample != 16 {
		return nil, 0, 0, fmt.Errorf("decoding flac: %w: %d-bit samples, only 16-bit is supported", ErrFLAC, info.BitsPerSample)
	}
	channels, rate = int(info.NChannels), int(info.SampleRate)
	if channels < 1 || channels > MaxChannels || rate < 1 {
		return nil, 0, 0, fmt.Errorf("decoding flac: %w: %d channels at %d Hz", ErrFLAC, channels, rate)
	}
	if info.NSamples > MaxDecodedSamples/uint64(channels) {
		return nil, 0, 0, fmt.Errorf("decoding flac: %w: %d frames exceed the limit of %d samples", ErrFLAC, info.NSamples, MaxDecodedSamples)
	}

	samples = make([]int16, 0, int(info.NSamples)*channels)
	for {
		f, err := stream.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, 0, fmt.Errorf("decoding flac: %w: block at frame %d: %w", ErrFLAC, len(samples)/channels, err)
		}
		if err := checkFrameHeader(f.Header, info, channels, len(samples)); err != nil {
			return nil, 0, 0, fmt.Errorf("decoding flac: %w: block at frame %d: %w", ErrFLAC, len(samples)/channels, err)
		}
		if err := f.Parse(); err != nil {
			return nil, 0, 0, fmt.Errorf("decoding flac: %w: block at frame %d: %w", ErrFLAC, len(samples)/channels, err)
		}
		samples, err = appendFrame(samples, f)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("decoding flac: %w: block at frame %d: %w", ErrFLAC, len(samples)/channels, err)
		}
	}

	if err := checkStreamInfo(samples, info); err != nil {
		return nil, 0, 0, fmt.Errorf("decoding flac: %w: %w", ErrFLAC, err)
	}
	return samples, rate, channels, nil
}

// checkFrameHeader rejects a block whose format differs from the stream
// header or that would push the output past MaxDecodedSamples.
func checkFrameHeader(h frame.Header, info *meta.StreamInfo, channels, decoded int) error {
	if h.Channels.Count() != channels {
		return fmt.Errorf("%d channels, stream header declares %d", h.Channels.Count(), channels)
	}
	if h.BitsPerSample != 16 {
		return fmt.Errorf("%d-bit samples, only 16-bit is supported", h.BitsPerSample)
	}
	if h.SampleRate != 0 && h.SampleRate != info.SampleRate {
		return fmt.Errorf("sample rate %d Hz, stream header declares %d Hz", h.SampleRate, info.SampleRate)
	}
	if decoded+int(h.BlockSize)*channels > MaxDecodedSamples {
		return fmt.Errorf("stream exceeds the limit of %d samples", MaxDecodedSamples)
	}
	return nil
}

// appendFrame interleaves a decoded block onto samples.
func appendFrame(samples []int16, f *frame.Frame) ([]int16, error) {
	n := int(f.BlockSize)
	for _, sf := range f.Subframes {
		if len(sf.Samples) != n {
			return samples, fmt.Errorf("subframe has %d samples, block size is %d", len(sf.Samples), n)
		}
	}
	for i := range n {
		for _, sf := range f.Subframes {
			s := sf.Samples[i]
			if s < -32768 || s > 32767 {
				return samples, fmt.Errorf("sample %d is outside the 16-bit range", s)
			}
			samples = append(samples, int16(s))
		}
	}
	return samples, nil
}

// checkStreamInfo compares decoded audio with the sample count and MD5 sum
// of the stream header. Zero values mean unknown and are not checked.
func checkStreamInfo(samples []int16, info *meta.StreamInfo) error {
	frames := uint64(len(samples) / int(info.NChannels))
	if info.NSamples != 0 && frames != info.NSamples {
		return fmt.Errorf("decoded %d frames, stream header declares %d", frames, info.NSamples)
	}
	if info.MD5sum != [md5.Size]byte{} && md5.Sum(EncodePCM(samples)) != info.MD5sum {
		return errors.New("decoded audio does not match the md5 sum in the stream header")
	}
	return nil
}
