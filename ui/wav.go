package ui

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// wavHeaderSize is the size of a canonical PCM WAV header: RIFF, fmt and data chunk headers.
const wavHeaderSize = 44

// wavWindow is how much audio wavReader decodes per ReadAudio call. Ten
// seconds spans whole five-second chunks, so sequential reads decode each
// chunk about once, and it bounds memory per request to 2.5 MiB at eight channels.
const wavWindow = 10 * time.Second

// maxWAVData is the largest data chunk a WAV header can describe, because
// the RIFF size field is 32 bits and also counts the 36 header bytes after it.
const maxWAVData = math.MaxUint32 - (wavHeaderSize - 8)

// audioReader reads decoded frames [from, to) of a recording, interleaved.
type audioReader interface {
	ReadAudio(ctx context.Context, rec string, from, to uint64) ([]int16, protocol.AudioFormat, error)
}

// wavReader presents frames [0, frames) of a recording as a 16-bit PCM WAV
// file that can be read and seeked like a bytes.Reader, so http.ServeContent
// can serve range requests. It decodes one window of audio at a time
// instead of the whole recording. It is not safe for concurrent use.
type wavReader struct {
	ctx    context.Context
	src    audioReader
	rec    string
	format protocol.AudioFormat
	frames uint64

	header [wavHeaderSize]byte
	size   int64
	offset int64

	windowFrames uint64
	windowFrom   uint64 // first frame of window
	window       []byte // little-endian PCM of frames [windowFrom, windowFrom+len(window)/frameSize)

	err error // first failed window load, kept for the log
}

// newWAVReader returns a reader for frames [0, frames) of rec in format,
// cut to the largest length a WAV header can describe.
func newWAVReader(ctx context.Context, src audioReader, rec string, format protocol.AudioFormat, frames uint64) (*wavReader, error) {
	if format.Bits != 16 || format.Channels < 1 || format.SampleRate < 1 {
		return nil, fmt.Errorf("wav: unsupported format %d Hz, %d channels, %d bits", format.SampleRate, format.Channels, format.Bits)
	}

	frameSize := uint64(format.Channels) * 2
	if frames*frameSize > maxWAVData {
		frames = maxWAVData / frameSize
	}
	r := &wavReader{
		ctx:          ctx,
		src:          src,
		rec:          rec,
		format:       format,
		frames:       frames,
		size:         int64(wavHeaderSize + frames*frameSize),
		windowFrames: uint64(wavWindow/time.Second) * uint64(format.SampleRate),
	}
	r.header = wavHeader(format.SampleRate, format.Channels, uint32(frames*frameSize))
	return r, nil
}

// wavHeader returns the canonical 44-byte header of a 16-bit PCM WAV file
// whose data chunk is dataSize bytes.
func wavHeader(rate, channels int, dataSize uint32) [wavHeaderSize]byte {
	var h [wavHeaderSize]byte
	le := binary.LittleEndian
	blockAlign := channels * 2

	copy(h[0:4], "RIFF")
	le.PutUint32(h[4:8], wavHeaderSize-8+dataSize)
	copy(h[8:12], "WAVE")

	copy(h[12:16], "fmt ")
	le.PutUint32(h[16:20], 16) // fmt chunk size for PCM
	le.PutUint16(h[20:22], 1)  // format tag: integer PCM
	le.PutUint16(h[22:24], uint16(channels))
	le.PutUint32(h[24:28], uint32(rate))
	le.PutUint32(h[28:32], uint32(rate*blockAlign)) // bytes per second
	le.PutUint16(h[32:34], uint16(blockAlign))
	le.PutUint16(h[34:36], 16) // bits per sample

	copy(h[36:40], "data")
	le.PutUint32(h[40:44], dataSize)
	return h
}

// Size returns the length of the WAV file in bytes.
func (r *wavReader) Size() int64 { return r.size }

// Read reads the header first, then the PCM data, decoding a window of
// audio from the store whenever the offset leaves the current one.
func (r *wavReader) Read(p []byte) (int, error) {
	if r.offset >= r.size {
		return 0, io.EOF
	}

	if r.offset < wavHeaderSize {
		n := copy(p, r.header[r.offset:])
		r.offset += int64(n)
		return n, nil
	}

	frameSize := uint64(r.format.Channels) * 2
	dataOffset := uint64(r.offset - wavHeaderSize)
	frame := dataOffset / frameSize
	if err := r.loadWindow(frame); err != nil {
		if r.err == nil {
			r.err = err
		}
		return 0, err
	}

	n := copy(p, r.window[dataOffset-r.windowFrom*frameSize:])
	r.offset += int64(n)
	return n, nil
}

// loadWindow makes sure the window holds frame, decoding the aligned window
// that contains it when it does not.
func (r *wavReader) loadWindow(frame uint64) error {
	frameSize := uint64(r.format.Channels) * 2
	if frame >= r.windowFrom && frame < r.windowFrom+uint64(len(r.window))/frameSize {
		return nil
	}

	from := frame - frame%r.windowFrames
	to := min(from+r.windowFrames, r.frames)
	samples, format, err := r.src.ReadAudio(r.ctx, r.rec, from, to)
	if err != nil {
		return fmt.Errorf("read audio frames %d to %d: %w", from, to, err)
	}
	if format.SampleRate != r.format.SampleRate || format.Channels != r.format.Channels {
		return fmt.Errorf("read audio frames %d to %d: format changed from %d Hz %d channels to %d Hz %d channels",
			from, to, r.format.SampleRate, r.format.Channels, format.SampleRate, format.Channels)
	}
	if want := (to - from) * uint64(r.format.Channels); uint64(len(samples)) != want {
		return fmt.Errorf("read audio frames %d to %d: got %d samples, want %d", from, to, len(samples), want)
	}

	r.window = audio.AppendPCM(r.window[:0], samples)
	r.windowFrom = from
	return nil
}

// Seek sets the offset for the next Read, as io.Seeker describes.
func (r *wavReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.offset + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, errors.New("wav: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("wav: negative position")
	}
	r.offset = abs
	return abs, nil
}
