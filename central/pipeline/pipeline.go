// Package pipeline turns stored audio into transcript segments. As the audio
// arrives, it cuts each recording into speech pieces at pauses (central/vad)
// and queues one transcription job per piece in the store. It sends each
// piece to the transcription engine (central/asr) and stores the segments
// with times relative to the recording.
//
// Every bit of progress lives in the store: the segmenter cursor, the jobs,
// their attempts and next attempt times. After a restart the pipeline goes
// on where it stopped, and no job is ever dropped: a job that fails is
// retried, with exponential backoff while the engine is unavailable and
// after a long delay when the engine rejected it. cmd/central wires it to the
// store and calls Notify when audio arrives.
package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ordagrann/ordagrann/central/asr"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/central/vad"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// Store is the part of the central store that the pipeline uses.
// *store.Store implements it.
type Store interface {
	Recording(ctx context.Context, id string) (store.Recording, error)
	Recordings(ctx context.Context) ([]store.Recording, error)
	// ReadAudio returns the interleaved frames [from, to) of rec.
	ReadAudio(ctx context.Context, rec string, from, to uint64) ([]int16, protocol.AudioFormat, error)
	SegmenterCursor(ctx context.Context, rec string) (uint64, error)
	// AddJob adds a job and moves the cursor in one transaction; it is
	// idempotent on (rec, start).
	AddJob(ctx context.Context, rec string, start, end, cursor uint64) (store.Job, error)
	SetSegmenterCursor(ctx context.Context, rec string, cursor uint64) error
	// NextJob returns the oldest due job without claiming it.
	NextJob(ctx context.Context, now time.Time) (store.Job, bool, error)
	RetryJob(ctx context.Context, id int64, next time.Time, reason string) error
	FinishJob(ctx context.Context, id int64, segs []store.Segment) error
}

var _ Store = (*store.Store)(nil)

// Clock is the pipeline's source of time. Tests inject a fake one.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options configures a Pipeline. Zero fields mean the documented defaults.
type Options struct {
	// Engine transcribes pieces. Nil means no engine is configured: pieces
	// are still cut and queued, and wait until the service is restarted
	// with an engine.
	Engine asr.Engine

	// Language asked of the engine. Default "sv".
	Language string

	// Clock defaults to the system clock.
	Clock Clock

	// Logger defaults to slog.Default().
	Logger *slog.Logger

	// Workers is the number of jobs transcribed at once. Default 1, and 1
	// is also the maximum, because the store's NextJob does not claim the
	// job it returns.
	Workers int

	// Segmenter configures the voice activity segmenter; its SampleRate is
	// set from each recording's format. Nil means the vad defaults.
	Segmenter *vad.Options

	// RetryMin is the delay before the first retry of a job whose engine
	// was unavailable; each further failure doubles it up to RetryMax.
	// Defaults 5 s and 5 min.
	RetryMin, RetryMax time.Duration

	// RejectedDelay is the delay before a job that the engine rejected is
	// tried again. Default 6 h: the audio is kept and the reason is stored
	// with the job for the web view.
	RejectedDelay time.Duration

	// PollInterval is how often the pipeline looks for work that no Notify
	// announced: recordings that arrived before a restart, and jobs whose
	// retry time has come. Default 10 s.
	PollInterval time.Duration
}

// maxReadFrames bounds the audio read for one segmenter call: 5 minutes at
// 16 kHz. A recording that piled up while the pipeline was down is cut in
// several calls.
const maxReadFrames = 5 * 60 * 16000

// Pipeline cuts recordings into pieces and transcribes them. Its methods are
// safe for concurrent use.
type Pipeline struct {
	st     Store
	engine asr.Engine
	lang   string
	clock  Clock
	log    *slog.Logger

	segOpts       vad.Options
	retryMin      time.Duration
	retryMax      time.Duration
	rejectedDelay time.Duration
	poll          time.Duration

	segWake chan struct{} // a Notify arrived
	jobWake chan struct{} // jobs were added

	mu         sync.Mutex
	notified   map[string]bool           // recordings to segment on the next pass
	seen       map[string]recordingState // recording state at the last segmenter pass
	segmenters map[int]*vad.Segmenter    // by sample rate
	nextRetry  time.Time                 // earliest retry this process scheduled
	lastErrors map[string]string         // last error logged per place, to log repeats once
}

// recordingState is what decides whether a recording has new audio to cut.
type recordingState struct {
	frames   uint64
	complete bool
}

// New returns a Pipeline over st. opts may be nil.
func New(st Store, opts *Options) (*Pipeline, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if st == nil {
		return nil, errors.New("pipeline: nil store")
	}
	if o.Workers > 1 {
		// TODO: more workers need a NextJob that claims the job it returns.
		return nil, fmt.Errorf("pipeline: %d workers requested, but the store hands out one job at a time: use 1", o.Workers)
	}
	if o.RetryMin < 0 || o.RetryMax < 0 || o.RejectedDelay < 0 || o.PollInterval < 0 {
		return nil, errors.New("pipeline: retry delays and poll interval must not be negative")
	}

	p := &Pipeline{
		st:            st,
		engine:        o.Engine,
		lang:          cmp.Or(o.Language, "sv"),
		clock:         o.Clock,
		log:           o.Logger,
		retryMin:      cmp.Or(o.RetryMin, 5*time.Second),
		retryMax:      cmp.Or(o.RetryMax, 5*time.Minute),
		rejectedDelay: cmp.Or(o.RejectedDelay, 6*time.Hour),
		poll:          cmp.Or(o.PollInterval, 10*time.Second),
		segWake:       make(chan struct{}, 1),
		jobWake:       make(chan struct{}, 1),
		notified:      map[string]bool{},
		seen:          map[string]recordingState{},
		segmenters:    map[int]*vad.Segmenter{},
		lastErrors:    map[string]string{},
	}
	if p.clock == nil {
		p.clock = realClock{}
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if o.Segmenter != nil {
		p.segOpts = *o.Segmenter
	}
	if p.retryMax < p.retryMin {
		return nil, fmt.Errorf("pipeline: maximum retry delay %s is below the minimum %s", p.retryMax, p.retryMin)
	}

	// Check the segmenter options now rather than at the first recording.
	if _, err := p.segmenter(16000); err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	return p, nil
}

// EngineConfigured reports whether the pipeline has a transcription engine.
// Without one, jobs are queued but not transcribed.
func (p *Pipeline) EngineConfigured() bool { return p.engine != nil }

// Notify marks recording rec as having new audio or having ended.
// It does not block.
func (p *Pipeline) Notify(rec string) {
	p.mu.Lock()
	p.notified[rec] = true
	p.mu.Unlock()

	select {
	case p.segWake <- struct{}{}:
	default:
	}
}

// Run segments and transcribes until ctx is cancelled. It returns nil then;
// errors of single recordings and jobs are logged and retried, never
// returned.
func (p *Pipeline) Run(ctx context.Context) error {
	engine := "none"
	if p.engine != nil {
		engine = p.engine.Name()
	}
	p.log.Info("transcription pipeline started", "engine", engine)
	if p.engine == nil {
		p.log.Warn("no transcription engine configured; recordings are cut into jobs that wait for an engine")
	}

	var wg sync.WaitGroup
	wg.Go(func() { p.segmentLoop(ctx) })
	if p.engine != nil {
		wg.Go(func() { p.workLoop(ctx) })
	}
	wg.Wait()

	p.log.Info("transcription pipeline stopped")
	return nil
}

func (p *Pipeline) segmentLoop(ctx context.Context) {
	all := true // the first pass looks at every recording
	for {
		if all {
			p.SegmentAll(ctx)
		} else {
			p.segmentNotified(ctx)
		}

		select {
		case <-ctx.Done():
			return
		case <-p.segWake:
			all = false
		case <-p.clock.After(p.poll):
			all = true
		}
	}
}

func (p *Pipeline) workLoop(ctx context.Context) {
	for {
		p.Work(ctx)

		wait := p.poll
		p.mu.Lock()
		if !p.nextRetry.IsZero() {
			wait = min(wait, max(0, p.nextRetry.Sub(p.clock.Now())))
		}
		p.mu.Unlock()

		select {
		case <-ctx.Done():
			return
		case <-p.jobWake:
		case <-p.clock.After(wait):
		}
	}
}

// logError logs err for the place key unless the same error was the last
// one logged there, so that a failure that repeats every poll is logged once.
func (p *Pipeline) logError(key, msg string, err error, attrs ...any) {
	p.mu.Lock()
	repeated := p.lastErrors[key] == err.Error()
	p.lastErrors[key] = err.Error()
	p.mu.Unlock()

	if !repeated {
		p.log.Error(msg, append(attrs, "error", err)...)
	}
}

func (p *Pipeline) clearError(key string) {
	p.mu.Lock()
	delete(p.lastErrors, key)
	p.mu.Unlock()
}
