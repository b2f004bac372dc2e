package audio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ordagrann/ordagrann/internal/audio"
)

func TestWAVRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		samples  []int16
		rate     int
		channels int
	}{
		{"empty", nil, 16000, 1},
		{"mono", randomAudio(1601, 1, 1), 16000, 1},
		{"stereo", randomAudio(999, 2, 2), 48000, 2},
		{"four_channels", randomAudio(7, 4, 3), 16000, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := audio.WriteWAV(&buf, tt.samples, tt.rate, tt.channels); err != nil {
				t.Fatalf("WriteWAV: %v", err)
			}
			if got, want := buf.Len(), 44+2*len(tt.samples); got != want {
				t.Errorf("WriteWAV size = %d, want %d", got, want)
			}

			got, rate, channels, err := audio.ReadWAV(&buf)
			if err != nil {
				t.Fatalf("ReadWAV: %v", err)
			}
			if rate != tt.rate || channels != tt.channels {
				t.Errorf("ReadWAV format = %d Hz %d channels, want %d Hz %d channels", rate, channels, tt.rate, tt.channels)
			}
			if diff := cmp.Diff(tt.samples, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ReadWAV(WriteWAV(x)) differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadWAVSwedishRecording(t *testing.T) {
	samples, rate, channels := readSwedish(t)
	if rate != 16000 || channels != 1 {
		t.Fatalf("format = %d Hz %d channels, want 16000 Hz mono after resampling", rate, channels)
	}
	if seconds := float64(len(samples)) / 16000; seconds < 1 {
		t.Errorf("duration = %.2f s, want a spoken sentence of at least 1 s", seconds)
	}
}

// wavFile builds a WAV file from chunks, each given as id and body.
func wavFile(chunks ...string) []byte {
	var body []byte
	body = append(body, "WAVE"...)
	for i := 0; i+1 < len(chunks); i += 2 {
		body = append(body, chunks[i]...)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(chunks[i+1])))
		body = append(body, chunks[i+1]...)
		if len(chunks[i+1])%2 == 1 {
			body = append(body, 0)
		}
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

// fmtChunk builds a "fmt " chunk body.
func fmtChunk(tag, channels uint16, rate uint32, bits uint16) string {
	b := binary.LittleEndian.AppendUint16(nil, tag)
	b = binary.LittleEndian.AppendUint16(b, channels)
	b = binary.LittleEndian.AppendUint32(b, rate)
	b = binary.LittleEndian.AppendUint32(b, rate*uint32(channels)*uint32(bits/8))
	b = binary.LittleEndian.AppendUint16(b, channels*bits/8)
	b = binary.LittleEndian.AppendUint16(b, bits)
	return string(b)
}

// extensibleFmt builds a WAVE_FORMAT_EXTENSIBLE "fmt " chunk body with the given sub-format tag.
func extensibleFmt(subTag uint16, channels uint16, rate uint32) string {
	b := []byte(fmtChunk(0xFFFE, channels, rate, 16))
	b = binary.LittleEndian.AppendUint16(b, 22)     // extension size
	b = binary.LittleEndian.AppendUint16(b, 16)     // valid bits
	b = binary.LittleEndian.AppendUint32(b, 0)      // channel mask
	b = binary.LittleEndian.AppendUint16(b, subTag) // sub-format GUID, first two bytes
	b = append(b, "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"...)
	return string(b)
}

func TestReadWAVAcceptsVariants(t *testing.T) {
	data := string(audio.EncodePCM([]int16{1, -2, 3, -4}))
	tests := []struct {
		name     string
		file     []byte
		channels int
	}{
		{"list_chunk_before_data", wavFile("fmt ", fmtChunk(1, 2, 16000, 16), "LIST", "odd", "data", data), 2},
		{"extensible_pcm", wavFile("fmt ", extensibleFmt(1, 1, 16000), "data", data), 1},
		{"trailing_chunk", wavFile("fmt ", fmtChunk(1, 1, 16000, 16), "data", data, "id3 ", "xx"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, channels, err := audio.ReadWAV(bytes.NewReader(tt.file))
			if err != nil {
				t.Fatalf("ReadWAV: %v", err)
			}
			if channels != tt.channels {
				t.Errorf("ReadWAV channels = %d, want %d", channels, tt.channels)
			}
			if diff := cmp.Diff([]int16{1, -2, 3, -4}, got); diff != "" {
				t.Errorf("ReadWAV samples (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadWAVRejects(t *testing.T) {
	data := string(audio.EncodePCM([]int16{1, 2, 3, 4}))
	tests := []struct {
		name     string
		file     []byte
		wantText string
	}{
		{"empty", nil, "too short"},
		{"not_riff", []byte("ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "not a RIFF WAVE file"},
		{"float", wavFile("fmt ", fmtChunk(3, 1, 16000, 32), "data", data), "only 16-bit integer PCM"},
		{"extensible_float", wavFile("fmt ", extensibleFmt(3, 1, 16000), "data", data), "only 16-bit integer PCM"},
		{"eight_bit", wavFile("fmt ", fmtChunk(1, 1, 16000, 8), "data", data), "8 bits"},
		{"twenty_four_bit", wavFile("fmt ", fmtChunk(1, 1, 16000, 24), "data", data), "24 bits"},
		{"nine_channels", wavFile("fmt ", fmtChunk(1, 9, 16000, 16), "data", data), "channel count 9"},
		{"rate_zero", wavFile("fmt ", fmtChunk(1, 1, 0, 16), "data", data), "sample rate 0"},
		{"data_before_fmt", wavFile("data", data, "fmt ", fmtChunk(1, 1, 16000, 16)), "before the \"fmt \" chunk"},
		{"no_data", wavFile("fmt ", fmtChunk(1, 1, 16000, 16)), "no \"data\" chunk"},
		{"short_fmt", wavFile("fmt ", "abc", "data", data), "invalid \"fmt \" chunk"},
		{"partial_frame", wavFile("fmt ", fmtChunk(1, 2, 16000, 16), "data", data[:6]), "whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := audio.ReadWAV(bytes.NewReader(tt.file))
			if err == nil {
				t.Fatalf("ReadWAV(%s) = nil error, want one containing %q", tt.name, tt.wantText)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("ReadWAV(%s) error = %q, want it to contain %q", tt.name, err, tt.wantText)
			}
			if !strings.Contains(err.Error(), "sox ") && tt.name != "empty" && tt.name != "no_data" {
				t.Errorf("ReadWAV(%s) error = %q, want the sox conversion hint", tt.name, err)
			}
		})
	}
}

func TestReadWAVTruncatedKeepsWholeFrames(t *testing.T) {
	var buf bytes.Buffer
	in := []int16{1, 2, 3, 4, 5, 6, 7, 8}
	if err := audio.WriteWAV(&buf, in, 16000, 2); err != nil {
		t.Fatal(err)
	}
	// Cut in the middle of the third frame: 44 header bytes, 2 whole frames and 2 bytes.
	cut := buf.Bytes()[:44+2*4+2]

	got, rate, channels, err := audio.ReadWAV(bytes.NewReader(cut))
	if !errors.Is(err, audio.ErrTruncatedWAV) {
		t.Fatalf("ReadWAV(truncated) error = %v, want ErrTruncatedWAV", err)
	}
	if rate != 16000 || channels != 2 {
		t.Errorf("ReadWAV(truncated) format = %d Hz %d channels, want 16000 Hz 2 channels", rate, channels)
	}
	if diff := cmp.Diff([]int16{1, 2, 3, 4}, got); diff != "" {
		t.Errorf("ReadWAV(truncated) samples (-want +got):\n%s", diff)
	}
}

func FuzzReadWAV(f *testing.F) {
	var buf bytes.Buffer
	if err := audio.WriteWAV(&buf, []int16{1, 2, 3, 4}, 16000, 2); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(wavFile("fmt ", extensibleFmt(1, 1, 16000), "LIST", "odd", "data", "\x01\x00"))

	f.Fuzz(func(t *testing.T, b []byte) {
		samples, rate, channels, err := audio.ReadWAV(bytes.NewReader(b))
		if err != nil && !errors.Is(err, audio.ErrTruncatedWAV) {
			return
		}
		if channels < 1 || channels > audio.MaxChannels || rate < 1000 {
			t.Fatalf("ReadWAV returned %d channels at %d Hz", channels, rate)
		}
		if len(samples)%channels != 0 {
			t.Fatalf("ReadWAV returned %d samples for %d channels", len(samples), channels)
		}
	})
}
