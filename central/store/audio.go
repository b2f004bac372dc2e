package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// decodeAudio decodes a chunk's audio into interleaved 16-bit samples.
// FLAC audio is one complete FLAC stream per chunk; PCM is little endian.
func decodeAudio(f protocol.AudioFormat, audio []byte) ([]int16, error) {
	switch f.Codec {
	case protocol.CodecPCM:
		return decodePCM(f, audio)
	case protocol.CodecFLAC:
		return decodeFLAC(f, audio)
	}
	return nil, fmt.Errorf("unsupported codec %q", f.Codec)
}

func decodePCM(f protocol.AudioFormat, audio []byte) ([]int16, error) {
	frameSize := 2 * f.Channels
	if len(audio) == 0 || len(audio)%frameSize != 0 {
		return nil, fmt.Errorf("PCM audio of %d bytes is not a whole number of %d-byte frames", len(audio), frameSize)
	}
	out := make([]int16, len(audio)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(audio[2*i:]))
	}
	return out, nil
}

func decodeFLAC(f protocol.AudioFormat, audio []byte) (samples []int16, err error) {
	// The audio comes from boxes, and the FLAC decoder is a third-party
	// parser: a panic on crafted input becomes a rejected chunk, not a crash.
	defer func() {
		if r := recover(); r != nil {
			samples, err = nil, fmt.Errorf("invalid FLAC stream: decoder panicked: %v", r)
		}
	}()

	stream, err := flac.New(bytes.NewReader(audio))
	if err != nil {
		return nil, fmt.Errorf("invalid FLAC stream: %w", err)
	}
	info := stream.Info
	if int(info.SampleRate) != f.SampleRate || int(info.NChannels) != f.Channels || int(info.BitsPerSample) != f.Bits {
		return nil, fmt.Errorf("FLAC stream is %d Hz, %d channels, %d bits, but the chunk header declares %d Hz, %d channels, %d bits",
			info.SampleRate, info.NChannels, info.BitsPerSample, f.SampleRate, f.Channels, f.Bits)
	}

	// A few bytes of FLAC can describe a long constant signal, so the decoded
	// size is bounded by the longest chunk the protocol allows.
	maxSamples := int(protocol.MaxChunkDuration.Seconds()) * f.SampleRate * f.Channels
	var out []int16
	if info.NSamples > 0 && info.NSamples*uint64(f.Channels) <= uint64(maxSamples) {
		out = make([]int16, 0, int(info.NSamples)*f.Channels)
	}
	for {
		fr, err := stream.ParseNext()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("invalid FLAC frame: %w", err)
		}
		if len(fr.Subframes) != f.Channels {
			return nil, fmt.Errorf("FLAC frame has %d channels, want %d", len(fr.Subframes), f.Channels)
		}
		n := len(fr.Subframes[0].Samples)
		if len(out)+n*f.Channels > maxSamples {
			return nil, fmt.Errorf("FLAC stream decodes to more than %s of audio", protocol.MaxChunkDuration)
		}
		for i := 0; i < n; i++ {
			for _, sub := range fr.Subframes {
				out = append(out, int16(sub.Samples[i]))
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("FLAC stream has no audio")
	}
	return out, nil
}
