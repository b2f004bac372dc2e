package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrTruncatedWAV is returned, wrapped, by ReadWAV when the data chunk ends
// before the length its header declares. ReadWAV then also returns every
// whole frame it read, so a caller that can use a partial recording (a demo
// or a test playing a file) may check errors.Is(err, ErrTruncatedWAV) and go
// on. Callers that need the complete file treat it as any other error.
var ErrTruncatedWAV = errors.New("wav data chunk is truncated")

// convertHint is the command that converts an audio file to a format ReadWAV accepts.
const convertHint = "convert it with: sox in.wav -r 16000 -c 1 -b 16 out.wav"

// WAV format tags in the fmt chunk.
const (
	wavFormatPCM        = 0x0001
	wavFormatExtensible = 0xFFFE
)

// ReadWAV reads a RIFF WAVE file of 16-bit integer PCM and returns its
// interleaved samples, sample rate and channel count. Other encodings
// (8, 24 or 32 bits, floating point, compressed) are rejected with an error
// that gives the command to convert the file. Chunks other than "fmt " and "data" are
// skipped. The whole data chunk is read into memory.
func ReadWAV(r io.Reader) (samples []int16, rate, channels int, err error) {
	br := bufio.NewReader(r)

	var riff [12]byte
	if _, err := io.ReadFull(br, riff[:]); err != nil {
		return nil, 0, 0, fmt.Errorf("reading wav: file too short for a RIFF header: %w", err)
	}
	if string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return nil, 0, 0, fmt.Errorf("reading wav: not a RIFF WAVE file (starts with %q); %s", riff[0:4], convertHint)
	}

	haveFormat := false
	for {
		id, size, err := readChunkHeader(br)
		if err != nil {
			if !haveFormat {
				return nil, 0, 0, fmt.Errorf("reading wav: no \"fmt \" chunk before the end of the file: %w", err)
			}
			return nil, 0, 0, fmt.Errorf("reading wav: no \"data\" chunk before the end of the file: %w", err)
		}

		switch id {
		case "fmt ":
			rate, channels, err = readFormat(br, size)
			if err != nil {
				return nil, 0, 0, fmt.Errorf("reading wav: %w", err)
			}
			haveFormat = true

		case "data":
			if !haveFormat {
				return nil, 0, 0, errors.New("reading wav: \"data\" chunk before the \"fmt \" chunk; " + convertHint)
			}
			samples, err = readData(br, size, channels)
			if err != nil {
				return samples, rate, channels, fmt.Errorf("reading wav: %w", err)
			}
			return samples, rate, channels, nil

		default:
			if err := skipChunk(br, size); err != nil {
				return nil, 0, 0, fmt.Errorf("reading wav: skipping %q chunk: %w", id, err)
			}
		}
	}
}

func readChunkHeader(r io.Reader) (id string, size uint32, err error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return "", 0, err
	}
	return string(hdr[0:4]), binary.LittleEndian.Uint32(hdr[4:8]), nil
}

// skipChunk discards a chunk body and its pad byte: RIFF chunks start on even offsets.
func skipChunk(r io.Reader, size uint32) error {
	n := int64(size) + int64(size&1)
	if got, err := io.CopyN(io.Discard, r, n); err != nil {
		return fmt.Errorf("chunk is truncated after %d of %d bytes: %w", got, n, io.ErrUnexpectedEOF)
	}
	return nil
}

// readFormat parses a fmt chunk and checks that it describes 16-bit PCM.
func readFormat(r io.Reader, size uint32) (rate, channels int, err error) {
	if size < 16 || size > 1<<10 {
		return 0, 0, fmt.Errorf("invalid \"fmt \" chunk of %d bytes; %s", size, convertHint)
	}
	body := make([]byte, int(size)+int(size&1))
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, 0, fmt.Errorf("\"fmt \" chunk is truncated: %w", err)
	}

	tag := binary.LittleEndian.Uint16(body[0:2])
	channels = int(binary.LittleEndian.Uint16(body[2:4]))
	rate = int(binary.LittleEndian.Uint32(body[4:8]))
	blockAlign := int(binary.LittleEndian.Uint16(body[12:14]))
	bits := int(binary.LittleEndian.Uint16(body[14:16]))

	if tag == wavFormatExtensible {
		// WAVE_FORMAT_EXTENSIBLE keeps the real format tag in the first two
		// bytes of its sub-format GUID, at offset 24 of the chunk.
		if size < 26 {
			return 0, 0, fmt.Errorf("invalid extensible \"fmt \" chunk of %d bytes; %s", size, convertHint)
		}
		tag = binary.LittleEndian.Uint16(body[24:26])
	}

	switch {
	case tag != wavFormatPCM:
		return 0, 0, fmt.Errorf("unsupported wav encoding (format tag %#04x), only 16-bit integer PCM is supported; %s", tag, convertHint)
	case bits != 16:
		return 0, 0, fmt.Errorf("unsupported sample size %d bits, only 16-bit PCM is supported; %s", bits, convertHint)
	case channels < 1 || channels > MaxChannels:
		return 0, 0, fmt.Errorf("unsupported channel count %d: use 1 to %d; %s", channels, MaxChannels, convertHint)
	case rate < 1000 || rate > 384000:
		return 0, 0, fmt.Errorf("unsupported sample rate %d Hz: use 1000 to 384000; %s", rate, convertHint)
	case blockAlign != 2*channels:
		return 0, 0, fmt.Errorf("invalid block align %d for %d channels of 16-bit audio, want %d; %s", blockAlign, channels, 2*channels, convertHint)
	}
	return rate, channels, nil
}

// readData reads a data chunk of size bytes. On a short read it returns the
// whole frames it got and an error that wraps ErrTruncatedWAV.
func readData(r io.Reader, size uint32, channels int) ([]int16, error) {
	frameBytes := 2 * channels
	want := int64(size)

	// Read in pieces instead of trusting the header's size for one
	// allocation: a truncated or corrupt header may claim up to 4 GiB.
	var data []byte
	piece := make([]byte, 64<<10)
	for int64(len(data)) < want {
		n := int(min(int64(len(piece)), want-int64(len(data))))
		got, err := io.ReadFull(r, piece[:n])
		data = append(data, piece[:got]...)
		if err != nil {
			break
		}
	}

	whole := len(data) / frameBytes * frameBytes
	samples, _ := DecodePCM(data[:whole])
	if int64(len(data)) < want {
		return samples, fmt.Errorf("%w: header declares %d bytes, file has %d (%d whole frames kept); re-export or %s",
			ErrTruncatedWAV, want, len(data), whole/frameBytes, convertHint)
	}
	if whole != len(data) {
		return samples, fmt.Errorf("data chunk of %d bytes is not a whole number of %d-byte frames; %s", len(data), frameBytes, convertHint)
	}
	return samples, nil
}

// WriteWAV writes interleaved 16-bit samples as a canonical 44-byte-header
// RIFF WAVE file.
func WriteWAV(w io.Writer, samples []int16, rate, channels int) error {
	if err := checkLayout(samples, channels); err != nil {
		return fmt.Errorf("writing wav: %w", err)
	}
	if rate < 1 {
		return fmt.Errorf("writing wav: invalid sample rate %d Hz", rate)
	}
	dataSize := 2 * len(samples)
	if dataSize > 0xFFFFFFFF-36 {
		return fmt.Errorf("writing wav: %d bytes of audio exceed the 4 GiB limit of a RIFF file", dataSize)
	}

	hdr := make([]byte, 0, 44)
	hdr = append(hdr, "RIFF"...)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(36+dataSize))
	hdr = append(hdr, "WAVEfmt "...)
	hdr = binary.LittleEndian.AppendUint32(hdr, 16)
	hdr = binary.LittleEndian.AppendUint16(hdr, wavFormatPCM)
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(channels))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(rate))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(rate*2*channels))
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(2*channels))
	hdr = binary.LittleEndian.AppendUint16(hdr, 16)
	hdr = append(hdr, "data"...)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(dataSize))

	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("writing wav header: %w", err)
	}
	if _, err := w.Write(EncodePCM(samples)); err != nil {
		return fmt.Errorf("writing wav data: %w", err)
	}
	return nil
}
