// Package speakers runs speaker diarization over stored recordings: a
// provisional pass at most once a minute while audio arrives, and a final
// pass once the recording is complete. Results go to the store as JSON of
// turn times and speaker indices (no content), and the web view splits
// transcript segments at speaker changes with diarize.Assign.
//
// Between provisional passes the Runner keeps each live recording's
// diarize.Session in memory, so a pass reads and analyses only the audio
// that arrived since the last one. After a restart, or when the state was
// evicted to stay within Options.SessionMemory, the next pass reads the
// whole recording again. When a caseworker fixes the number of speakers,
// the Runner diarizes the recording again with that count and moves the
// speaker names as nameMoves describes. Every later pass, provisional or
// final, uses that count too, so no result lists more speakers than it
// (diarize.Options.Speakers describes when a result lists fewer).
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
	SpeakerCount(ctx context.Context, rec string) (store.SpeakerCount, error)
	PendingSpeakerCounts(ctx context.Context) ([]string, error)
	PutRediarization(ctx context.Context, rec string, final bool, result []byte, names map[int]int, version int64) error
}

// Options configures a Runner. Zero fields take the defaults named.
type Options struct {
	// ProvisionalEvery is the shortest time between provisional passes of
	// one recording. Default 1 minute.
	ProvisionalEvery time.Duration
	// PollInterval is how often completed recordings without a final pass
	// are looked for, such as those that completed before a restart. Default 30 s.
	PollInterval time.Duration
	// SessionMemory bounds the memory, in bytes, of the diarization state
	// kept between provisional passes, summed over all recordings. When it
	// is exceeded the state of the recordings diarized longest ago is
	// dropped, and their next pass reads all their audio again. Default
	// 512 MiB, about five hours of 4-microphone audio.
	SessionMemory int64
	Now           func() time.Time
	Logger        *slog.Logger
}

// defaultSessionMemory is the default Options.SessionMemory.
const defaultSessionMemory = 512 << 20

// Runner diarizes recordings as they arrive and complete.
type Runner struct {
	st   Store
	opts Options
	log  *slog.Logger
	wake chan struct{}

	mu       sync.Mutex
	notified map[string]bool
	last     map[string]pass // last provisional pass per recording

	// processMu serializes Process, which owns sessions and uses.
	processMu sync.Mutex
	sessions  map[string]*liveSession
	uses      uint64 // counts passes, to find the least recently used session
}

// liveSession is the diarization state of a recording between
// provisional passes.
type liveSession struct {
	session *diarize.Session
	frames  uint64 // frames of the recording written to session
	format  protocol.AudioFormat
	board   string
	version int64  // the speaker count version the session diarizes with
	used    uint64 // the value of Runner.uses at the last pass
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
	if o.SessionMemory <= 0 {
		o.SessionMemory = defaultSessionMemory
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Runner{st: st, opts: o, log: o.Logger, wake: make(chan struct{}, 1),
		notified: map[string]bool{}, last: map[string]pass{}, sessions: map[string]*liveSession{}}, nil
}

// Rediarize schedules a new diarization of rec after its speaker count was
// stored with store.SetSpeakerCount. Like Notify it only marks rec, and
// the pass runs in Run. A pending count is also found after a restart.
func (r *Runner) Rediarize(rec string) { r.Notify(rec) }

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
			r.logFailure(ctx, id, err)
		}
	}
}

// passComplete gives every complete recording without a final pass one,
// and every recording whose speaker count changed a new pass.
func (r *Runner) passComplete(ctx context.Context) {
	recs, err := r.st.Recordings(ctx)
	if err != nil {
		r.log.Error("listing recordings for diarization failed", "error", err)
		return
	}
	pending, err := r.st.PendingSpeakerCounts(ctx)
	if err != nil {
		r.log.Error("listing changed speaker counts failed", "error", err)
	}
	recount := map[string]bool{}
	for _, id := range pending {
		recount[id] = true
	}
	for _, rec := range recs {
		if !rec.Complete && !recount[rec.ID] {
			continue
		}
		if _, err := r.Process(ctx, rec); err != nil && ctx.Err() == nil {
			r.logFailure(ctx, rec.ID, err)
		}
	}
}

// logFailure logs a failed pass of rec. A recording deleted or withdrawn
// while its pass ran is expected, so that failure is logged at info level
// and the recording's state is dropped.
func (r *Runner) logFailure(ctx context.Context, rec string, err error) {
	if errors.Is(err, store.ErrDeleted) || errors.Is(err, store.ErrNotFound) {
		_, lookupErr := r.st.Recording(ctx, rec)
		if errors.Is(lookupErr, store.ErrDeleted) || errors.Is(lookupErr, store.ErrNotFound) {
			r.log.Info("diarization stopped, recording deleted", "recording_id", rec, "error", err)
			r.forget(rec)
			return
		}
	}
	r.log.Error("diarization failed", "recording_id", rec, "error", err)
}

func (r *Runner) forget(id string) {
	r.mu.Lock()
	delete(r.last, id)
	r.mu.Unlock()
	r.processMu.Lock()
	delete(r.sessions, id)
	r.processMu.Unlock()
}

// Process runs the pass rec is due for, if any, and reports whether it ran
// one: the final pass once rec is complete, otherwise a provisional pass
// when new audio arrived and the last one is ProvisionalEvery old. A
// speaker count changed since the last pass makes a pass due at once,
// final or provisional as rec is.
func (r *Runner) Process(ctx context.Context, rec store.Recording) (bool, error) {
	if rec.ContiguousFrames == 0 || rec.Format.SampleRate == 0 {
		return false, nil
	}
	r.processMu.Lock()
	defer r.processMu.Unlock()

	stored, err := r.st.Diarization(ctx, rec.ID)
	hasStored := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	count, err := r.st.SpeakerCount(ctx, rec.ID)
	if err != nil {
		return false, err
	}
	if hasStored && stored.Final && !count.Pending {
		return false, nil
	}

	// A final result is only ever replaced by another final one.
	final := rec.Complete || (hasStored && stored.Final)
	now := r.opts.Now()
	if !final && !count.Pending {
		r.mu.Lock()
		last, seen := r.last[rec.ID]
		r.mu.Unlock()
		if seen && (last.frames == rec.ContiguousFrames || now.Sub(last.at) < r.opts.ProvisionalEvery) {
			return false, nil
		}
	}

	res, err := r.diarize(ctx, rec, count, final)
	if err != nil {
		return false, err
	}
	res.Final = final
	if err := r.put(ctx, rec.ID, res, count, stored, hasStored); err != nil {
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
		"fixed_speakers", count.Speakers, "method", methodName(res.Method),
		"audio_ms", int64(rec.ContiguousFrames)*1000/int64(rec.Format.SampleRate),
		"elapsed_ms", r.opts.Now().Sub(now).Milliseconds())
	return true, nil
}

// put stores res. After a change of the speaker count it replaces the
// stored result and moves the speaker names to the new speakers.
func (r *Runner) put(ctx context.Context, rec string, res diarize.Result, count store.SpeakerCount, stored store.Diarization, hasStored bool) error {
	b, err := Encode(res)
	if err != nil {
		return err
	}
	if !count.Pending {
		return r.st.PutDiarization(ctx, rec, res.Final, b)
	}

	var moves map[int]int
	if hasStored {
		prev, err := Decode(stored.Result)
		if err != nil {
			return err
		}
		moves = nameMoves(prev, res)
	}
	return r.st.PutRediarization(ctx, rec, res.Final, b, moves, count.Version)
}

// diarize returns the diarization of rec's contiguous audio at 16 kHz,
// with the microphone geometry of the board the box reported when it
// matches, and with the speaker count the caseworker fixed. A provisional
// pass continues the recording's kept session with the audio that arrived
// since the last pass. The final pass finishes that session when it holds
// the current speaker count, which keeps the speaker indices of the
// provisional result, and otherwise diarizes all audio from the start.
func (r *Runner) diarize(ctx context.Context, rec store.Recording, count store.SpeakerCount, final bool) (diarize.Result, error) {
	r.uses++
	ls := r.sessions[rec.ID]
	delete(r.sessions, rec.ID)
	if ls != nil && (ls.version != count.Version || ls.format != rec.Format || ls.board != rec.Board || ls.frames > rec.ContiguousFrames) {
		ls = nil
	}
	if ls == nil {
		var err error
		if ls, err = r.newSession(ctx, rec, count); err != nil {
			return diarize.Result{}, err
		}
	}

	// The kept session may already hold every frame, as when the
	// recording completed without new audio since the last pass.
	if ls.frames < rec.ContiguousFrames {
		samples, format, err := r.st.ReadAudio(ctx, rec.ID, ls.frames, rec.ContiguousFrames)
		if err != nil {
			return diarize.Result{}, err
		}
		if format.SampleRate != diarize.SampleRate {
			// NOTE: resampling every new piece on its own would fade its
			// edges, so no session is kept for audio at other rates and
			// each pass diarizes it from the start.
			samples = audio.Resample(samples, format.Channels, format.SampleRate, diarize.SampleRate)
		}
		if err := ls.session.Write(samples); err != nil {
			return diarize.Result{}, err
		}
		ls.frames = rec.ContiguousFrames
	}
	ls.used = r.uses

	if final {
		return ls.session.Final()
	}
	res, err := ls.session.Provisional()
	if err != nil {
		return diarize.Result{}, err
	}
	if rec.Format.SampleRate == diarize.SampleRate {
		r.sessions[rec.ID] = ls
		r.evict()
	}
	return res, nil
}

// newSession starts diarizing rec from its first frame.
func (r *Runner) newSession(ctx context.Context, rec store.Recording, count store.SpeakerCount) (*liveSession, error) {
	opts := &diarize.Options{Logger: r.log, Speakers: count.Speakers}
	if profile, err := board.Lookup(rec.Board); err == nil && len(profile.Mics) == rec.Format.Channels {
		opts.Mics = profile.Mics
		opts.CaseworkerAzimuth, err = r.caseworkerDirection(ctx, rec.ID)
		if err != nil {
			return nil, err
		}
	}
	d, err := diarize.New(opts)
	if err != nil {
		return nil, err
	}
	s, err := d.NewSession(rec.Format.Channels)
	if err != nil {
		return nil, err
	}
	return &liveSession{session: s, format: rec.Format, board: rec.Board, version: count.Version}, nil
}

// evict drops the least recently used sessions until the kept ones fit
// in Options.SessionMemory.
func (r *Runner) evict() {
	var total int64
	for _, ls := range r.sessions {
		total += ls.session.MemoryBytes()
	}
	for total > r.opts.SessionMemory && len(r.sessions) > 0 {
		var oldest string
		for id, ls := range r.sessions {
			if oldest == "" || ls.used < r.sessions[oldest].used {
				oldest = id
			}
		}
		size := r.sessions[oldest].session.MemoryBytes()
		total -= size
		delete(r.sessions, oldest)
		r.log.Info("diarization state evicted", "recording_id", oldest, "bytes", size, "limit_bytes", r.opts.SessionMemory)
	}
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
		for _, o := range t.Others {
			if o < 0 || o >= len(res.Speakers) {
				return diarize.Result{}, fmt.Errorf("decoding stored diarization: turn overlaps speaker %d of %d", o, len(res.Speakers))
			}
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
