package diarize

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ordagrann/ordagrann/central/vad"
	"github.com/ordagrann/ordagrann/internal/audio"
)

// Voice activity settings: shorter pauses and padding than the cuts for
// the transcription engine, because speaker turns change at short pauses.
const (
	vadMinPause  = 300 * time.Millisecond
	vadPadding   = 100 * time.Millisecond
	vadMinSpeech = 200 * time.Millisecond
	// vadMode is one step less aggressive than the transcription cuts.
	// With mode 3 the detector missed 9 % of the quiet real voices in the
	// simulated room, with mode 2 only 1 %, at the cost of about 0.5 %
	// more false alarm on the synthetic set.
	vadMode = 2
)

// voicedRange is the largest distance, in natural-log power, between a hop
// used to learn a speaker and the loud speech (the 90th percentile of
// speech hops): 30 dB.
var voicedRange = math.Log(1000)

// ErrFinished is returned by Session.Write and Session.Final after Final
// has returned.
var ErrFinished = errors.New("diarization session already finished")

// Session diarizes one recording as its audio arrives. Write appends audio,
// Provisional returns speakers for everything written so far, and Final
// returns the final pass once the recording is complete. Speaker indices
// stay the same from one result to the next wherever the speakers match,
// so a row keeps its speaker unless the final pass changes it. A Session
// is not safe for concurrent use.
type Session struct {
	d        *Diarizer
	channels int
	seg      *vad.Segmenter
	an       *analyzer

	// pending contains the interleaved samples not yet analysed as a full
	// frame.
	pending []int16
	// hops holds the features of every hop so far.
	// NOTE: that is about 400 bytes per 16 ms hop with four microphones,
	// so about 90 MB for an hour of audio.
	hops []hopFeatures

	// mono holds the mixed-down audio from frame vadCursor on, which the
	// voice activity detector has not yet decided.
	mono      []int16
	vadCursor uint64
	pieces    []vad.Piece

	labels   []int // stable speaker per hop of the last result
	second   []int // stable second speaker per hop of the last result, or -1
	nextID   int
	finished bool

	// fit is the outcome of the last full clustering, nil before one
	// found speech. Provisional assigns the hops from settled on with it.
	fit     *sessionFit
	settled int
}

// NewSession starts diarizing a recording with the given number of
// interleaved channels. The spatial method needs as many channels as the
// Diarizer has microphone positions. With other counts, or with one
// channel, the session diarizes by voice.
func (d *Diarizer) NewSession(channels int) (*Session, error) {
	if channels < 1 {
		return nil, fmt.Errorf("invalid channel count %d: use 1 or more", channels)
	}
	seg, err := vad.New(&vad.Options{SampleRate: SampleRate, Mode: vadMode, MinPause: vadMinPause, Padding: vadPadding, MinSpeech: vadMinSpeech})
	if err != nil {
		return nil, fmt.Errorf("creating voice activity detector: %w", err)
	}
	steer := d.steer
	if steer != nil && channels != len(d.opts.Mics) {
		d.log.Warn("channel count differs from microphone positions, diarizing by voice", "channels", channels, "mics", len(d.opts.Mics))
		steer = nil
	}
	return &Session{d: d, channels: channels, seg: seg, an: newAnalyzer(d.mel, steer, channels)}, nil
}

// Write appends interleaved 16 kHz samples of every channel.
func (s *Session) Write(samples []int16) error {
	if s.finished {
		return ErrFinished
	}
	if len(samples)%s.channels != 0 {
		return fmt.Errorf("%d samples are not a whole number of %d-channel frames", len(samples), s.channels)
	}
	s.pending = append(s.pending, samples...)
	used := 0
	for (len(s.pending)-used)/s.channels >= frameLen {
		s.hops = append(s.hops, s.an.analyze(s.pending[used:], s.channels, 0))
		used += hopLen * s.channels
	}
	s.pending = slices.Delete(s.pending, 0, used)

	mono := samples
	if s.channels > 1 {
		var err error
		if mono, err = audio.MixDown(samples, s.channels); err != nil {
			return err
		}
	}
	s.mono = append(s.mono, mono...)
	pieces, cursor, err := s.seg.Cut(s.mono, s.vadCursor, false)
	if err != nil {
		return fmt.Errorf("detecting speech: %w", err)
	}
	s.commitPieces(pieces, cursor)
	return nil
}

func (s *Session) commitPieces(pieces []vad.Piece, cursor uint64) {
	s.pieces = append(s.pieces, pieces...)
	s.mono = slices.Delete(s.mono, 0, int(cursor-s.vadCursor))
	s.vadCursor = cursor
}

// Provisional returns speakers for the audio written so far. Speech whose
// end the detector has not seen yet is included up to the end of the
// written audio.
//
// Provisional clusters all speech again only when the speech since the
// last clustering is more than refitShare of the speech clustered then,
// or when enough new speech comes from another direction to be a new
// speaker. Otherwise it assigns only the speech after the last call to the
// speakers found then, so its cost grows with the new audio and not with
// the recording's length. Provisional results carry no second opinion.
func (s *Session) Provisional() (Result, error) {
	if s.finished {
		return Result{}, ErrFinished
	}
	open, _, err := s.seg.Cut(s.mono, s.vadCursor, true)
	if err != nil {
		return Result{}, fmt.Errorf("detecting speech: %w", err)
	}
	pieces := append(slices.Clone(s.pieces), open...)
	if s.fit != nil && !s.fit.stale(pieces, len(s.hops), s.d.opts.Speakers) {
		if res, ok := s.extend(pieces); ok {
			return res, nil
		}
	}
	return s.diarize(pieces, false), nil
}

// Final returns the final diarization of the complete recording. Speakers
// keep the indices of the last provisional result where they match it.
func (s *Session) Final() (Result, error) {
	if s.finished {
		return Result{}, ErrFinished
	}
	pieces, cursor, err := s.seg.Cut(s.mono, s.vadCursor, true)
	if err != nil {
		return Result{}, fmt.Errorf("detecting speech: %w", err)
	}
	s.commitPieces(pieces, cursor)
	s.finished = true
	return s.diarize(s.pieces, true), nil
}

// hopStart returns the first frame a hop stands for: the middle hopLen
// frames of its analysis frame.
func hopStart(h int) uint64 { return uint64(h*hopLen + (frameLen-hopLen)/2) }

// hopRanges maps speech pieces to the hops whose centre lies inside them.
func hopRanges(pieces []vad.Piece, nHops int) ([]hopRange, []vad.Piece) {
	var ranges []hopRange
	var kept []vad.Piece
	for _, p := range pieces {
		a := int(math.Ceil((float64(p.Start) - frameLen/2) / hopLen))
		b := int(math.Ceil((float64(p.End) - frameLen/2) / hopLen))
		a, b = max(a, 0), min(b, nHops)
		if b > a {
			ranges = append(ranges, hopRange{a, b})
			kept = append(kept, p)
		}
	}
	return ranges, kept
}

// voicedHops marks the speech hops loud enough to learn a speaker from,
// and returns the log power above which a hop counts as voiced.
func voicedHops(hops []hopFeatures, ranges []hopRange) ([]bool, float64) {
	var energies []float64
	for _, r := range ranges {
		for h := r.start; h < r.end; h++ {
			energies = append(energies, float64(hops[h].energy))
		}
	}
	voiced := make([]bool, len(hops))
	if len(energies) == 0 {
		return voiced, math.Inf(1)
	}
	slices.Sort(energies)
	threshold := energies[len(energies)*9/10] - voicedRange
	for _, r := range ranges {
		for h := r.start; h < r.end; h++ {
			voiced[h] = float64(hops[h].energy) > threshold
		}
	}
	return voiced, threshold
}

func (s *Session) diarize(pieces []vad.Piece, final bool) Result {
	hops := s.hops
	ranges, pieces := hopRanges(pieces, len(hops))
	res := Result{Final: final, Agreement: math.NaN()}
	if len(ranges) == 0 {
		return res
	}
	voiced, threshold := voicedHops(hops, ranges)
	fixed := s.d.opts.Speakers
	fit := &sessionFit{voicedAbove: float32(threshold), speechHops: speechHops(ranges)}

	var labels, second []int
	var dirs []float64
	res.Method = MethodVoice
	if s.an.steer != nil {
		sp := s.d.spatial(hops, ranges, voiced, fixed)
		if sp.ok {
			labels, second, dirs = sp.labels, sp.second, sp.dirs
			res.Method = MethodSpatial
			fit.spatial = sp.fit
			if final {
				opinion := s.d.voice(hops, ranges, voiced, len(dirs))
				res.Agreement = agreement(labels, opinion)
			}
		} else {
			s.d.log.Info("directions too diffuse, diarizing by voice", "speakers", len(sp.dirs))
		}
	}
	if labels == nil {
		labels, fit.voice = s.d.voiceWithFit(hops, ranges, voiced, fixed)
		second = make([]int, len(hops))
		for i := range second {
			second[i] = -1
		}
	}
	fit.method = res.Method

	mapping, idDirs := s.stabilize(labels, dirs)
	stable, stableSecond := relabel(labels, mapping), relabel(second, mapping)
	s.labels, s.second = stable, stableSecond
	fit.mapping, fit.idDirs = mapping, idDirs
	s.fit, s.settled = fit, settledHop(s.pieces, len(hops))
	res.Turns = buildTurns(stable, stableSecond, ranges, pieces)
	res.Speakers = s.d.speakers(res.Turns, idDirs, s.nextID)
	s.d.log.Debug("diarized", "final", final, "method", res.Method.String(), "speakers", len(res.Speakers), "turns", len(res.Turns), "hops", len(hops))
	return res
}

// stabilize maps clusters to stable speaker ids: each cluster takes the
// id of the previous result's speaker it shares the most hops with, in
// order of shared hops, and unmatched clusters get new ids. It returns the
// id of each cluster and the direction of each id, NaN where unknown.
func (s *Session) stabilize(labels []int, dirs []float64) ([]int, map[int]float64) {
	k := 0
	for _, l := range labels {
		k = max(k, l+1)
	}
	type pair struct{ cluster, id, shared int }
	counts := map[[2]int]int{}
	for h, l := range labels {
		if l >= 0 && h < len(s.labels) && s.labels[h] >= 0 {
			counts[[2]int{l, s.labels[h]}]++
		}
	}
	var pairs []pair
	for key, n := range counts {
		pairs = append(pairs, pair{key[0], key[1], n})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if a.shared != b.shared {
			return b.shared - a.shared
		}
		if a.cluster != b.cluster {
			return a.cluster - b.cluster
		}
		return a.id - b.id
	})

	mapping := make([]int, k)
	for i := range mapping {
		mapping[i] = -1
	}
	taken := map[int]bool{}
	for _, p := range pairs {
		if mapping[p.cluster] < 0 && !taken[p.id] {
			mapping[p.cluster] = p.id
			taken[p.id] = true
		}
	}
	// New speakers get ids in order of first appearance. With a fixed
	// count they take the lowest ids that no cluster took, so the ids stay
	// below the count: there are at most that many clusters, and every
	// earlier id is below it too.
	// NOTE: a name given to a reused id is then shown for a voice that
	// shares no speech with the speaker it was given to.
	fixed := s.d.opts.Speakers
	free := 0
	for _, l := range labels {
		if l < 0 || mapping[l] >= 0 {
			continue
		}
		if fixed == 0 {
			mapping[l] = s.nextID
			s.nextID++
			continue
		}
		for taken[free] {
			free++
		}
		mapping[l] = free
		taken[free] = true
		s.nextID = max(s.nextID, free+1)
	}

	idDirs := map[int]float64{}
	for c, id := range mapping {
		if id < 0 {
			continue
		}
		idDirs[id] = math.NaN()
		if c < len(dirs) {
			idDirs[id] = dirs[c]
		}
	}
	return mapping, idDirs
}

// relabel applies a cluster-to-id mapping to per-hop labels.
func relabel(labels, mapping []int) []int {
	out := make([]int, len(labels))
	for h, l := range labels {
		out[h] = -1
		if l >= 0 && l < len(mapping) {
			out[h] = mapping[l]
		}
	}
	return out
}

// minOverlapHops is the shortest run of hops with a second speaker that
// counts as overlapping speech: 10 hops are 160 ms.
const minOverlapHops = 10

// minOwnSpeech is how long a speaker must talk alone before it can be the
// second speaker of overlapping speech.
const minOwnSpeech = 2 * time.Second

// buildTurns turns per-hop speakers into turns, clipped to the speech
// pieces. A turn is marked as overlapped when a run of at least
// minOverlapHops hops in it has the same second speaker, and that speaker
// talks at least minOwnSpeech alone.
// The marked turn lists the second speaker in Others.
// NOTE: the second speaker does not get turns of its own. On the
// evaluation set such turns added more false alarms (reverberation and
// the noise source respond almost as strongly as a second voice) than they
// removed missed overlapping speech, so the overlap is only marked.
func buildTurns(labels, second []int, ranges []hopRange, pieces []vad.Piece) []Turn {
	var turns, candidates []Turn
	for i, r := range ranges {
		p := pieces[i]
		span := func(a, b int) (time.Duration, time.Duration) {
			start, end := hopStart(a), hopStart(b)
			if a == r.start {
				start = p.Start
			}
			if b == r.end {
				end = p.End
			}
			return framesToDuration(start), framesToDuration(end)
		}

		var overlaps []Turn
		for a := r.start; a < r.end; {
			b := a
			for b < r.end && second[b] == second[a] && labels[b] >= 0 {
				b++
			}
			if b == a {
				b++
			}
			if second[a] >= 0 && b-a >= minOverlapHops {
				start, end := span(a, b)
				overlaps = append(overlaps, Turn{Start: start, End: end, Speaker: second[a], Overlap: true})
			}
			a = b
		}

		for a := r.start; a < r.end; {
			b := a
			for b < r.end && labels[b] == labels[a] {
				b++
			}
			start, end := span(a, b)
			if labels[a] >= 0 && end > start {
				turns = append(turns, Turn{Start: start, End: end, Speaker: labels[a]})
			}
			a = b
		}
		candidates = append(candidates, overlaps...)
	}

	// A second speaker counts only if it also talks on its own, because a
	// steady noise source such as a ventilation outlet is a direction
	// that is often almost as strong as the speaker.
	own := map[int]time.Duration{}
	for _, t := range turns {
		own[t.Speaker] += t.End - t.Start
	}
	for i := range turns {
		for _, o := range candidates {
			if own[o.Speaker] >= minOwnSpeech && o.Start < turns[i].End && o.End > turns[i].Start {
				turns[i].Overlap = true
				if o.Speaker != turns[i].Speaker && !slices.Contains(turns[i].Others, o.Speaker) {
					turns[i].Others = append(turns[i].Others, o.Speaker)
				}
			}
		}
		slices.Sort(turns[i].Others)
	}
	slices.SortStableFunc(turns, func(x, y Turn) int { return int(x.Start - y.Start) })
	return turns
}

func framesToDuration(frames uint64) time.Duration {
	return time.Duration(frames * uint64(time.Second) / SampleRate)
}

// agreement returns the share of hops labelled in both a and b on which b,
// mapped greedily onto a's labels by shared hops, agrees with a.
func agreement(a, b []int) float64 {
	counts := map[[2]int]int{}
	total := 0
	for h := range a {
		if a[h] >= 0 && b[h] >= 0 {
			counts[[2]int{b[h], a[h]}]++
			total++
		}
	}
	if total == 0 {
		return math.NaN()
	}
	type pair struct{ from, to, n int }
	var pairs []pair
	for k, n := range counts {
		pairs = append(pairs, pair{k[0], k[1], n})
	}
	slices.SortFunc(pairs, func(x, y pair) int { return y.n - x.n })
	usedFrom, usedTo := map[int]bool{}, map[int]bool{}
	agree := 0
	for _, p := range pairs {
		if !usedFrom[p.from] && !usedTo[p.to] {
			usedFrom[p.from], usedTo[p.to] = true, true
			agree += p.n
		}
	}
	return float64(agree) / float64(total)
}
