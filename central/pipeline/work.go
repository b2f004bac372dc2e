package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ordagrann/ordagrann/central/asr"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/internal/audio"
)

// engineRate is the sample rate sent to engines: Whisper models take 16 kHz
// and whisper.cpp's server accepts no other rate.
const engineRate = 16000

// Work transcribes every job that is due now, one after another, and
// returns how many it finished. Without an engine it does nothing. A job
// that fails is rescheduled in the store, never dropped. Run calls Work when
// jobs are added and when a retry is due.
func (p *Pipeline) Work(ctx context.Context) int {
	if p.engine == nil {
		return 0
	}

	finished := 0
	tried := map[int64]bool{}
	for ctx.Err() == nil {
		job, ok, err := p.st.NextJob(ctx, p.clock.Now())
		if err != nil {
			p.logError("next_job", "reading next transcription job failed", err)
			return finished
		}
		p.clearError("next_job")
		if !ok || tried[job.ID] {
			// A job seen twice in one pass could not be rescheduled.
			return finished
		}
		tried[job.ID] = true

		if p.runJob(ctx, job) {
			finished++
		}
	}
	return finished
}

// runJob transcribes one job and stores its segments, or reschedules it.
// It reports whether the job is done.
func (p *Pipeline) runJob(ctx context.Context, job store.Job) bool {
	started := p.clock.Now()
	log := p.log.With("recording_id", job.RecordingID, "job_id", job.ID, "start_frame", job.StartFrame, "attempt", job.Attempts+1)

	samples, format, err := p.st.ReadAudio(ctx, job.RecordingID, job.StartFrame, job.EndFrame)
	if errors.Is(err, store.ErrDeleted) || errors.Is(err, store.ErrNotFound) {
		return false // deleted with its recording meanwhile
	}
	if err != nil {
		p.retry(ctx, log, job, p.backoff(job.Attempts), fmt.Errorf("reading audio: %w", err))
		return false
	}
	wav, err := pieceWAV(samples, format.Channels, format.SampleRate)
	if err != nil {
		p.retry(ctx, log, job, p.rejectedDelay, err)
		return false
	}

	res, err := p.engine.Transcribe(ctx, asr.Request{WAV: wav, Language: p.lang})
	if ctx.Err() != nil {
		return false // shutting down: the job stays due and runs after the restart
	}
	if errors.Is(err, asr.ErrUnavailable) {
		p.retry(ctx, log, job, p.backoff(job.Attempts), err)
		return false
	}
	if err != nil {
		p.retry(ctx, log, job, p.rejectedDelay, fmt.Errorf("engine rejected the piece: %w", err))
		return false
	}

	segs := absoluteSegments(res, job, format.SampleRate)
	if err := p.st.FinishJob(ctx, job.ID, segs); err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			log.Info("transcription job gone before it finished", "reason", err)
			return false
		}
		p.retry(ctx, log, job, p.backoff(job.Attempts), fmt.Errorf("storing segments: %w", err))
		return false
	}

	log.Info("transcription job done", "engine", res.Engine, "segments", len(segs),
		"audio_ms", framesToDuration(job.EndFrame-job.StartFrame, format.SampleRate).Milliseconds(),
		"elapsed_ms", p.clock.Now().Sub(started).Milliseconds())
	return true
}

// retry reschedules job after delay and stores the reason, which the web
// view shows.
func (p *Pipeline) retry(ctx context.Context, log interface {
	Warn(string, ...any)
	Error(string, ...any)
}, job store.Job, delay time.Duration, reason error) {
	next := p.clock.Now().Add(delay)
	if err := p.st.RetryJob(ctx, job.ID, next, reason.Error()); err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			log.Error("rescheduling transcription job failed", "error", err, "reason", reason)
		}
		return
	}
	log.Warn("transcription job failed; retrying later", "error", reason, "retry_in", delay.String())

	p.mu.Lock()
	if p.nextRetry.IsZero() || next.Before(p.nextRetry) || !p.nextRetry.After(p.clock.Now()) {
		p.nextRetry = next
	}
	p.mu.Unlock()
}

// backoff returns the delay before the next attempt after attempts failed
// ones: RetryMin doubled per earlier failure, at most RetryMax.
func (p *Pipeline) backoff(attempts int) time.Duration {
	d := p.retryMin
	for range min(attempts, 30) {
		d *= 2
		if d >= p.retryMax {
			return p.retryMax
		}
	}
	return d
}

// pieceWAV mixes a piece down to mono, resamples it to 16 kHz and encodes it
// as a WAV file.
func pieceWAV(samples []int16, channels, rate int) ([]byte, error) {
	mono, err := audio.MixDown(samples, channels)
	if err != nil {
		return nil, fmt.Errorf("mixing piece down: %w", err)
	}
	if rate != engineRate {
		mono = audio.Resample(mono, 1, rate, engineRate)
	}

	var buf bytes.Buffer
	if err := audio.WriteWAV(&buf, mono, engineRate, 1); err != nil {
		return nil, fmt.Errorf("encoding piece: %w", err)
	}
	return buf.Bytes(), nil
}

// absoluteSegments converts an engine result for a job's piece into store
// segments with times relative to the recording's first frame. Segments
// without text are left out.
func absoluteSegments(res asr.Result, job store.Job, rate int) []store.Segment {
	offset := framesToDuration(job.StartFrame, rate)

	var segs []store.Segment
	for _, s := range res.Segments {
		if strings.TrimSpace(s.Text) == "" {
			continue
		}
		seg := store.Segment{
			RecordingID:  job.RecordingID,
			JobID:        job.ID,
			Start:        offset + s.Start,
			End:          offset + s.End,
			Text:         s.Text,
			AvgLogprob:   s.AvgLogprob,
			NoSpeechProb: s.NoSpeechProb,
			Engine:       res.Engine,
		}
		for _, w := range s.Words {
			seg.Words = append(seg.Words, store.Word{Text: w.Text, Start: offset + w.Start, End: offset + w.End, Probability: w.Probability})
		}
		segs = append(segs, seg)
	}
	return segs
}

func framesToDuration(frames uint64, rate int) time.Duration {
	return time.Duration(frames * uint64(time.Second) / uint64(rate))
}
