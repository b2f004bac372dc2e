// Package capture turns the microphone's sample stream into sealed audio
// chunks. A Recorder cuts interleaved 16-bit audio into chunks of at most
// five seconds, encodes each losslessly (FLAC, or raw PCM), seals it for the
// central service with chunkcrypt and hands it to a Sink, normally the
// box's spool. All microphone channels are kept.
//
// Only the box firmware imports this package.
package capture

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/chunkcrypt"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// Sink stores sealed chunks. AddChunk must not return until the chunk is
// durable, and must accept the same (rec, seq, msg) again without harm,
// because the Recorder retries a chunk whose AddChunk failed.
type Sink interface {
	AddChunk(rec string, seq uint64, firstFrame uint64, frames int, msg []byte) error
}

// ErrBacklog is returned by Write when the samples that the sink has not
// yet accepted would exceed Options.MaxBacklog. The samples of that call
// are not accepted.
var ErrBacklog = errors.New("capture backlog full: the sink is not accepting chunks")

// chunkOverhead is room left in a chunk message for the envelope, the HPKE
// encapsulated key and tag, a signature, the JSON header and FLAC framing
// when FLAC cannot compress. Together they stay below 1 KiB.
const chunkOverhead = 8 << 10

// Options configures a Recorder. A nil *Options or a zero field means the default.
type Options struct {
	// ChunkDuration is the audio length of a full chunk. The default and
	// maximum is protocol.MaxChunkDuration (5 s). It is rounded down to
	// whole frames.
	ChunkDuration time.Duration
	// Codec encodes chunk audio; the default is protocol.CodecFLAC.
	Codec protocol.Codec
	// Now returns the wall clock; the default is time.Now. A chunk's
	// CapturedAt is estimated as Now at the Write that brought its first
	// frame, minus the duration of the samples that Write carried before
	// that frame.
	Now func() time.Time
	// Logger receives ids, sequence numbers and sizes, never audio; the default is slog.Default().
	Logger *slog.Logger
	// MaxBacklog bounds the audio buffered while the sink fails, so a full
	// disk cannot exhaust memory. The default is 2 minutes.
	MaxBacklog time.Duration
}

// Recorder cuts one recording's audio into sealed chunks. It is safe for
// concurrent use; calls are serialized.
type Recorder struct {
	sealer     *chunkcrypt.Sealer
	sink       Sink
	rec        string
	format     protocol.AudioFormat
	chunkSize  int // frames per full chunk
	maxBacklog int // frames
	now        func() time.Time
	logger     *slog.Logger

	mu       sync.Mutex
	buf      []int16   // interleaved samples not yet emitted, from frame emitted on
	bufStart time.Time // wall clock estimate of buf's first frame
	accepted uint64    // frames accepted by Write
	emitted  uint64    // frames in chunks the sink accepted
	seq      uint64    // next chunk sequence number
	sealed   *sealedChunk

	failedStores  int       // AddChunk failures since the last success
	lastStoreWarn time.Time // when the last failure was logged
}

// sealedChunk is a chunk that was sealed but whose AddChunk failed. It is
// retried with the same bytes, so a sink that did store it gets a duplicate
// of identical bytes.
type sealedChunk struct {
	frames int
	msg    []byte
}

// NewRecorder returns a Recorder for recording rec whose audio arrives in
// the given microphone format.
func NewRecorder(sealer *chunkcrypt.Sealer, sink Sink, rec string, format hal.AudioFormat, opts *Options) (*Recorder, error) {
	if opts == nil {
		opts = &Options{}
	}
	if sealer == nil || sink == nil {
		return nil, errors.New("new recorder: sealer and sink are required")
	}
	if err := protocol.CheckID("recording id", rec); err != nil {
		return nil, fmt.Errorf("new recorder: %w", err)
	}

	codec := opts.Codec
	if codec == "" {
		codec = protocol.CodecFLAC
	}
	pf := protocol.AudioFormat{Codec: codec, SampleRate: format.SampleRate, Channels: format.Channels, Bits: 16}
	if err := pf.Validate(); err != nil {
		return nil, fmt.Errorf("new recorder for recording %s: %w", rec, err)
	}

	d := opts.ChunkDuration
	if d == 0 {
		d = protocol.MaxChunkDuration
	}
	if d < 0 || d > protocol.MaxChunkDuration {
		return nil, fmt.Errorf("new recorder: invalid chunk duration %s: use up to %s", d, protocol.MaxChunkDuration)
	}
	chunkSize := int(d * time.Duration(format.SampleRate) / time.Second)
	// Many channels at a high rate would not fit a chunk message as PCM
	// (8 channels at 48 kHz need 3.8 MB for 5 s), so such chunks get shorter.
	chunkSize = min(chunkSize, (protocol.MaxChunkMessage-chunkOverhead)/(2*format.Channels))
	if chunkSize < 1 {
		return nil, fmt.Errorf("new recorder: chunk duration %s is shorter than one frame at %d Hz", d, format.SampleRate)
	}

	backlog := opts.MaxBacklog
	if backlog == 0 {
		backlog = 2 * time.Minute
	}
	maxBacklog := max(int(backlog*time.Duration(format.SampleRate)/time.Second), chunkSize)

	r := &Recorder{
		sealer:     sealer,
		sink:       sink,
		rec:        rec,
		format:     pf,
		chunkSize:  chunkSize,
		maxBacklog: maxBacklog,
		now:        opts.Now,
		logger:     opts.Logger,
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	return r, nil
}

// Write accepts interleaved samples and emits every full chunk to the sink
// before it returns. If sealing or the sink fails, Write returns the error
// and keeps the samples buffered; the next Write or Flush retries. If the
// buffered samples would exceed MaxBacklog, Write returns ErrBacklog and
// accepts none of samples.
func (r *Recorder) Write(samples []int16) error {
	channels := r.format.Channels
	if len(samples)%channels != 0 {
		return fmt.Errorf("recording %s: %d samples is not a whole number of %d-channel frames", r.rec, len(samples), channels)
	}
	frames := len(samples) / channels

	r.mu.Lock()
	defer r.mu.Unlock()

	if len(r.buf)/channels+frames > r.maxBacklog {
		return fmt.Errorf("recording %s: %w (%d frames buffered)", r.rec, ErrBacklog, len(r.buf)/channels)
	}
	if len(r.buf) == 0 {
		r.bufStart = r.now().Add(-r.duration(frames))
	}
	r.buf = append(r.buf, samples...)
	r.accepted += uint64(frames)

	if r.sealed != nil {
		if err := r.emit(0); err != nil {
			return err
		}
	}
	for len(r.buf)/channels >= r.chunkSize {
		if err := r.emit(r.chunkSize); err != nil {
			return err
		}
	}
	return nil
}

// Flush emits the buffered samples as a short chunk, if there are any. The
// session calls it on pause and stop, so that every accepted frame is in
// the sink. On error the samples stay buffered for the next Write or Flush.
func (r *Recorder) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()

	for len(r.buf) > 0 {
		if err := r.emit(min(r.chunkSize, len(r.buf)/r.format.Channels)); err != nil {
			return err
		}
	}
	return nil
}

// Frames returns the number of frames Write has accepted.
func (r *Recorder) Frames() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.accepted
}

// StoredFrames returns the number of frames in chunks the sink has
// accepted. It is below Frames while samples are buffered, and stays below
// it when a Flush fails.
func (r *Recorder) StoredFrames() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.emitted
}

// Chunks returns the number of chunks the sink has accepted, which is also
// the sequence number of the next chunk.
func (r *Recorder) Chunks() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seq
}

// emit seals the first frames of the buffer as chunk r.seq and hands it to
// the sink. A chunk sealed earlier whose AddChunk failed is retried as it
// is, ignoring frames, because the sink may have stored it and a chunk
// number must never carry two different contents. The caller holds r.mu.
func (r *Recorder) emit(frames int) error {
	if r.sealed == nil {
		msg, err := r.seal(frames)
		if err != nil {
			return err
		}
		r.sealed = &sealedChunk{frames: frames, msg: msg}
	}
	frames = r.sealed.frames

	if err := r.sink.AddChunk(r.rec, r.seq, r.emitted, frames, r.sealed.msg); err != nil {
		r.warnStoreFailed(frames, err)
		return fmt.Errorf("recording %s: storing chunk %d: %w", r.rec, r.seq, err)
	}
	if r.failedStores > 0 {
		r.logger.Info("chunk stored after retries", "recording_id", r.rec, "seq", r.seq, "failed_attempts", r.failedStores)
		r.failedStores = 0
	}

	r.logger.Debug("chunk stored", "recording_id", r.rec, "seq", r.seq, "frames", frames, "bytes", len(r.sealed.msg))
	n := frames * r.format.Channels
	r.buf = r.buf[:copy(r.buf, r.buf[n:])]
	r.bufStart = r.bufStart.Add(r.duration(frames))
	r.emitted += uint64(frames)
	r.seq++
	r.sealed = nil
	return nil
}

// warnStoreFailed logs a failed AddChunk. While the sink keeps failing, as
// a full disk does on every 100 ms read, it logs at most once per
// storeWarnInterval. The caller holds r.mu.
func (r *Recorder) warnStoreFailed(frames int, err error) {
	r.failedStores++
	now := r.now()
	if r.failedStores > 1 && now.Sub(r.lastStoreWarn) < storeWarnInterval {
		return
	}
	r.lastStoreWarn = now
	r.logger.Warn("chunk not stored, kept for retry", "recording_id", r.rec, "seq", r.seq, "frames", frames,
		"failed_attempts", r.failedStores, "buffered_frames", len(r.buf)/r.format.Channels, "error", err)
}

// storeWarnInterval is the minimum time between two logged AddChunk failures.
const storeWarnInterval = 10 * time.Second

// seal encodes and encrypts the first frames of the buffer.
func (r *Recorder) seal(frames int) ([]byte, error) {
	samples := r.buf[:frames*r.format.Channels]
	format := r.format

	var body []byte
	if format.Codec == protocol.CodecFLAC {
		enc, err := audio.EncodeFLAC(samples, format.SampleRate, format.Channels)
		if err != nil {
			// The chunk header names its codec, so one chunk in PCM is
			// as valid as FLAC and no audio is lost.
			r.logger.Error("flac encoding failed, sending chunk as pcm", "recording_id", r.rec, "seq", r.seq, "error", err)
			format.Codec = protocol.CodecPCM
		} else {
			body = enc
		}
	}
	if format.Codec == protocol.CodecPCM {
		body = audio.EncodePCM(samples)
	}

	h := protocol.ChunkHeader{Format: format, FirstFrame: r.emitted, Frames: frames, CapturedAt: r.bufStart.UTC()}
	msg, err := r.sealer.Seal(r.rec, r.seq, h, body)
	if err != nil {
		r.logger.Error("chunk sealing failed", "recording_id", r.rec, "seq", r.seq, "error", err)
		return nil, fmt.Errorf("recording %s: sealing chunk %d: %w", r.rec, r.seq, err)
	}
	return msg, nil
}

func (r *Recorder) duration(frames int) time.Duration {
	return time.Duration(frames) * time.Second / time.Duration(r.format.SampleRate)
}
