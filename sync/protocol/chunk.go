package protocol

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// A chunk travels as an envelope around a Tink HPKE ciphertext:
//
//	"OGC1"                 magic and version (4 bytes)
//	ciphertext length      uint32, big endian
//	ciphertext             Tink hybrid ciphertext of the chunk plaintext
//	signature length       uint16, big endian (0 when the box has no signing key)
//	signature              the box's signature over SigningData
//
// The plaintext inside the ciphertext is:
//
//	"OGA1"                 magic and version (4 bytes)
//	header length          uint16, big endian
//	header                 JSON ChunkHeader
//	audio                  the audio, encoded with the codec in ChunkHeader.Format.Codec
var (
	chunkMagic     = []byte("OGC1")
	plaintextMagic = []byte("OGA1")
)

// MaxChunkHeader is the maximum size of a chunk's JSON header.
const MaxChunkHeader = 4 << 10

// Envelope is a decoded chunk message.
type Envelope struct {
	Ciphertext []byte
	Signature  []byte
}

// EncodeEnvelope builds a chunk message.
func EncodeEnvelope(e Envelope) ([]byte, error) {
	if len(e.Signature) > 0xFFFF {
		return nil, fmt.Errorf("chunk signature of %d bytes is too long", len(e.Signature))
	}
	size := 4 + 4 + len(e.Ciphertext) + 2 + len(e.Signature)
	if size > MaxChunkMessage {
		return nil, fmt.Errorf("chunk: %w: %d bytes, limit %d", ErrTooLarge, size, MaxChunkMessage)
	}
	out := make([]byte, 0, size)
	out = append(out, chunkMagic...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(e.Ciphertext)))
	out = append(out, e.Ciphertext...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(e.Signature)))
	out = append(out, e.Signature...)
	return out, nil
}

// DecodeEnvelope parses a chunk message. The returned slices alias b.
func DecodeEnvelope(b []byte) (Envelope, error) {
	if len(b) > MaxChunkMessage {
		return Envelope{}, fmt.Errorf("chunk: %w: %d bytes, limit %d", ErrTooLarge, len(b), MaxChunkMessage)
	}
	if len(b) < 10 {
		return Envelope{}, fmt.Errorf("chunk: %w: %d bytes is shorter than the smallest envelope", ErrMalformed, len(b))
	}
	if string(b[:3]) != string(chunkMagic[:3]) {
		return Envelope{}, fmt.Errorf("chunk: %w: bad magic %q", ErrMalformed, b[:4])
	}
	if b[3] != chunkMagic[3] {
		return Envelope{}, fmt.Errorf("chunk: %w %q", ErrUnsupportedVersion, b[3])
	}
	n := binary.BigEndian.Uint32(b[4:8])
	if uint64(n) > uint64(len(b)-10) {
		return Envelope{}, fmt.Errorf("chunk: %w: ciphertext length %d exceeds message", ErrMalformed, n)
	}
	ct := b[8 : 8+n]
	rest := b[8+n:]
	sigLen := int(binary.BigEndian.Uint16(rest[:2]))
	if sigLen != len(rest)-2 {
		return Envelope{}, fmt.Errorf("chunk: %w: signature length %d does not match the %d bytes left", ErrMalformed, sigLen, len(rest)-2)
	}
	if len(ct) == 0 {
		return Envelope{}, fmt.Errorf("chunk: %w: empty ciphertext", ErrMalformed)
	}
	return Envelope{Ciphertext: ct, Signature: rest[2:]}, nil
}

// ChunkContext returns the context info that binds a chunk's ciphertext to
// its box, recording and sequence number. A chunk replayed under another
// topic fails to decrypt.
func ChunkContext(box, rec string, seq uint64) []byte {
	return []byte("ordagrann/v1/chunk\x00" + box + "\x00" + rec + "\x00" + strconv.FormatUint(seq, 10))
}

// SigningData returns the bytes a box signs for a chunk: the context and the ciphertext.
func SigningData(box, rec string, seq uint64, ciphertext []byte) []byte {
	ctx := ChunkContext(box, rec, seq)
	out := make([]byte, 0, len(ctx)+1+len(ciphertext))
	out = append(out, ctx...)
	out = append(out, 0)
	return append(out, ciphertext...)
}

// ChunkHeader describes the audio inside one chunk.
type ChunkHeader struct {
	Format     AudioFormat `json:"format"`
	FirstFrame uint64      `json:"first_frame"` // frames of the recording before this chunk
	Frames     int         `json:"frames"`      // frames (samples per channel) in this chunk
	CapturedAt time.Time   `json:"captured_at"` // wall clock at the chunk's first frame
}

// Validate checks the header's own limits.
func (h ChunkHeader) Validate() error {
	if err := h.Format.Validate(); err != nil {
		return err
	}
	maxFrames := int(MaxChunkDuration/time.Second) * h.Format.SampleRate
	if h.Frames < 1 || h.Frames > maxFrames {
		return fmt.Errorf("invalid frame count %d: use 1 to %d (%s at %d Hz)", h.Frames, maxFrames, MaxChunkDuration, h.Format.SampleRate)
	}
	return nil
}

// EncodePlaintext builds the plaintext that is encrypted into a chunk.
func EncodePlaintext(h ChunkHeader, audio []byte) ([]byte, error) {
	if err := h.Validate(); err != nil {
		return nil, fmt.Errorf("chunk header: %w", err)
	}
	hdr, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("chunk header: %w", err)
	}
	out := make([]byte, 0, 6+len(hdr)+len(audio))
	out = append(out, plaintextMagic...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(hdr)))
	out = append(out, hdr...)
	return append(out, audio...), nil
}

// DecodePlaintext parses a decrypted chunk. The audio aliases b.
func DecodePlaintext(b []byte) (ChunkHeader, []byte, error) {
	if len(b) < 6 || string(b[:4]) != string(plaintextMagic) {
		return ChunkHeader{}, nil, fmt.Errorf("chunk plaintext: %w: bad magic", ErrMalformed)
	}
	n := int(binary.BigEndian.Uint16(b[4:6]))
	if n > MaxChunkHeader || n > len(b)-6 {
		return ChunkHeader{}, nil, fmt.Errorf("chunk plaintext: %w: header length %d", ErrMalformed, n)
	}
	var h ChunkHeader
	if err := json.Unmarshal(b[6:6+n], &h); err != nil {
		return ChunkHeader{}, nil, fmt.Errorf("chunk plaintext: %w: %w", ErrMalformed, err)
	}
	if err := h.Validate(); err != nil {
		return ChunkHeader{}, nil, fmt.Errorf("chunk plaintext: %w: %w", ErrMalformed, err)
	}
	audio := b[6+n:]
	if len(audio) == 0 {
		return ChunkHeader{}, nil, fmt.Errorf("chunk plaintext: %w: no audio", ErrMalformed)
	}
	return h, audio, nil
}
