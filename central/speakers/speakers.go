// Package speakers runs speaker diarization over stored recordings: a
// provisional pass at most once a minute while audio arrives, and a final
// pass once the recording is complete. Results go to the store as JSON of
// turn times and speaker indices (no content), and the web view splits
// transcript segments at speaker changes with diarize.Assign.
//
// It runs beside central/pipeline, woken by the same notifications, so a
// long final pass never delays cutting audio for transcription.
package speakers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/ordagrann/ordagrann/board"
	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// Store is the part of central/store that diarization uses.
type Store interface {
	Recordings(ctx context.Context) ([]store.Recording, error)
	Recording(ctx context.Context, id string) (store.Recording, error)
	ReadAudio(ctx context.Context, rec string, from, to uint64) ([]int16, protocol.AudioFormat, error)
	PutDiarization(ctx context.Context, rec string, final bool, result []byte) error
	Diarization(ctx context.Context, rec string) (store.Diarization, error)
	Events(ctx context.Context, rec string) ([]protocol.Event, error)
}

// Options configures a Runner. Zero fields take the defaults named.
type Options struct {
	// ProvisionalEvery is the shortest time between provisional passes of
	// one recording. Default 1 minute.
	ProvisionalEvery time.Duration
	// PollInterval is how often completed recordings without a final pass
	// are looked for, such as those that completed before a restart. Default 30 s.
	PollInterval time.Duration
	Now          func() time.Time
	Logger       *slog.Logger
}

// Runner diarizes recordings as they arrive and complete.
type Runner struct {
	st   Store
	opts Options
	log  *slog.Logger
	wake chan struct{}

	mu       sync.Mutex
	notified map[string]bool
	last     map[string]pass // last provisional pass per recording
}

type pass struct {
	at     time.Time
	frames uint64
}

// New returns a Runner over st.
func New(st Store, opts *Options) (*Runner, error) {
	if st == nil {
		return nil, errors.New("speakers: nil store")
	}
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.ProvisionalEvery <= 0 {
		o.ProvisionalEvery = time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Runner{st: st, opts: o, log: o.Logger, wake: make(chan struct{}, 1),
		notified: map[string]bool{}, last: map[string]pass{}}, nil
}

// Notify marks rec as changed. It never blocks.
func (r *Runner) Notify(rec string) {
	r.mu.Lock()
	r.notified[rec] = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run diarizes until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	tick := time.NewTicker(r.opts.PollInterval)
	defer tick.Stop()
	for {
		r.passNotified(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-tick.C:
			r.passComplete(ctx)
		}
	}
}

func (r *Runner) passNotified(ctx context.Context) {
	r.mu.Lock()
	recs := make([]string, 0, len(r.notified))
	for id := range r.notified {
		recs = append(recs, id)
	}
	clear(r.notified)
	r.mu.Unlock()

	for _, id := range recs {
		rec, err := r.st.Recording(ctx, id)
		if errors.Is(err, store.ErrDeleted) || errors.Is(err, store.ErrNotFound) {
			r.forget(id)
			continue
		}
		if err != nil {
			r.log.Error("reading recording for diarization failed", "recording_id", id, "error", err)
			continue
		}
		if _, err := r.Process(ctx, rec); err != nil && ctx.Err() == nil {
			r.log.Error("diarization failed", "recording_id", id, "error", err)
		}
	}
}

// passComplete gives every complete recording without a final pass one.
func (r *Runner) passComplete(ctx context.Context) {
	recs, err := r.st.Recordings(ctx)
	if err != nil {
		r.log.Error("listing recordings for diarization failed", "error", err)
		return
	}
	for _, rec := range recs {
		if !rec.Complete {
			continue
		}
		if _, err := r.Process(ctx, rec); err != nil && ctx.Err() == nil {
			r.log.Error("diarization failed", "recording_id", rec.ID, "error", err)
		}
	}
}

func (r *Runner) forget(id string) {
	r.mu.Lock()
	delete(r.last, id)
	r.mu.Unlock()
}

// Process runs the pass rec is due for, if any, and reports whether it ran
// one: the final pass once rec is complete, otherwise a provisional pass
// when new audio arrived and the last one is ProvisionalEvery old.
func (r *Runner) Process(ctx context.Context, rec store.Recording) (bool, error) {
	if rec.ContiguousFrames == 0 || rec.Format.SampleRate == 0 {
		return false, nil
	}
	stored, err := r.st.Diarization(ctx, rec.ID)
	if err == nil && stored.Final {
		return false, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}

	final := rec.Complete
	now := r.opts.Now()
	if !final {
		r.mu.Lock()
		last, seen := r.last[rec.ID]
		r.mu.Unlock()
		if seen && (last.frames == rec.ContiguousFrames || now.Sub(last.at) < r.opts.ProvisionalEvery) {
			return false, nil
		}
	}

	res, err := r.diarize(ctx, rec)
	if err != nil {
		return false, err
	}
	res.Final = final
	b, err := Encode(res)
	if err != nil {
		return false, err
	}
	if err := r.st.PutDiarization(ctx, rec.ID, final, b); err != nil {
		return false, err
	}

	r.mu.Lock()
	if final {
		delete(r.last, rec.ID)
	} else {
		r.last[rec.ID] = pass{at: now, frames: rec.ContiguousFrames}
	}
	r.mu.Unlock()
	r.log.Info("diarization stored", "recording_id", rec.ID, "final", final, "speakers", len(res.Speakers),
		"method", methodName(res.Method), "audio_ms", int64(rec.ContiguousFrames)*1000/int64(rec.Format.SampleRate),
		"elapsed_ms", r.opts.Now().Sub(now).Milliseconds())
	return true, nil
}

// diarize reads rec's contiguous audio at 16 kHz and diarizes it with the
// microphone geometry of the board the box reported, when it matches.
//
// TODO: keep one diarize.Session per live recording and feed it new audio,
// instead of reading and diarizing the whole recording on each provisional pass.
func (r *Runner) diarize(ctx context.Context, rec store.Recording) (diarize.Result, error) {
	samples, format, err := r.st.ReadAudio(ctx, rec.ID, 0, rec.ContiguousFrames)
	if err != nil {
		return diarize.Result{}, err
	}
	if format.SampleRate != diarize.SampleRate {
		samples = audio.Resample(samples, format.Channels, format.SampleRate, diarize.SampleRate)
	}

	opts := &diarize.Options{Logger: r.log}
	if profile, err := board.Lookup(rec.Board); err == nil && len(profile.Mics) == format.Channels {
		opts.Mics = profile.Mics
		opts.CaseworkerAzimuth, err = r.caseworkerDirection(ctx, rec.ID)
		if err != nil {
			return diarize.Result{}, err
		}
	}
	d, err := diarize.New(opts)
	if err != nil {
		return diarize.Result{}, err
	}
	return d.Diarize(samples, format.Channels)
}

// stored is the JSON form of a diarize.Result. JSON has no NaN, which
// diarize uses for "no direction" and "no second opinion", so those
// numbers are optional here.
type stored struct {
	Turns     []diarize.Turn  `json:"turns"`
	Speakers  []storedSpeaker `json:"speakers"`
	Method    diarize.Method  `json:"method"`
	Final     bool            `json:"final"`
	Agreement *float64        `json:"agreement,omitempty"`
}

type storedSpeaker struct {
	Label      string        `json:"label"`
	Caseworker bool          `json:"caseworker,omitempty"`
	Azimuth    *float64      `json:"azimuth,omitempty"`
	Speech     time.Duration `json:"speech"`
}

// Encode returns the stored form of a result.
func Encode(res diarize.Result) ([]byte, error) {
	s := stored{Turns: res.Turns, Method: res.Method, Final: res.Final, Agreement: finite(res.Agreement)}
	for _, sp := range res.Speakers {
		s.Speakers = append(s.Speakers, storedSpeaker{Label: sp.Label, Caseworker: sp.Caseworker, Azimuth: finite(sp.Azimuth), Speech: sp.Speech})
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encoding diarization: %w", err)
	}
	return b, nil
}

// Decode reads a result stored by Encode.
func Decode(b []byte) (diarize.Result, error) {
	var s stored
	if err := json.Unmarshal(b, &s); err != nil {
		return diarize.Result{}, fmt.Errorf("decoding stored diarization: %w", err)
	}
	res := diarize.Result{Turns: s.Turns, Method: s.Method, Final: s.Final, Agreement: orNaN(s.Agreement)}
	for _, sp := range s.Speakers {
		res.Speakers = append(res.Speakers, diarize.Speaker{Label: sp.Label, Caseworker: sp.Caseworker, Azimuth: orNaN(sp.Azimuth), Speech: sp.Speech})
	}
	for _, t := range res.Turns {
		if t.Speaker < 0 || t.Speaker >= len(res.Speakers) {
			return diarize.Result{}, fmt.Errorf("decoding stored diarization: turn names speaker %d of %d", t.Speaker, len(res.Speakers))
		}
	}
	return res, nil
}

func finite(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func orNaN(f *float64) float64 {
	if f == nil {
		return math.NaN()
	}
	return *f
}

func methodName(m diarize.Method) string {
	switch m {
	case diarize.MethodSpatial:
		return "spatial"
	case diarize.MethodVoice:
		return "voice"
	}
	return "none"
}

// caseworkerDirection returns the caseworker's direction the box reported
// with the client's consent, or nil when its configuration has none.
func (r *Runner) caseworkerDirection(ctx context.Context, rec string) (*float64, error) {
	events, err := r.st.Events(ctx, rec)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		if e.Type == protocol.EventConsent && e.Start != nil {
			return e.Start.CaseworkerDirection, nil
		}
	}
	return nil, nil
}
