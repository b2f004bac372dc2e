package diarize

import (
	"slices"
)

// Spatial clustering parameters, chosen on the generated evaluation set.
const (
	// srpSmoothHops is the half-width of the moving average of SRP maps
	// over speech hops: 3 hops each side is about 110 ms.
	srpSmoothHops = 3
	// minSharpness drops hops whose map peak rises above the map's mean
	// by less than this share of the median hop's rise. Such hops are
	// mostly reverberation tails.
	// A stricter cut loses speakers near the axis of a 2-mic array, whose
	// peaks are flatter.
	minSharpness = 0.5
	// minSpeakerShare is the smallest share of confident hops a direction
	// must gather to count as a speaker.
	minSpeakerShare = 0.04
	// peakSuppressBins is how many grid bins each side of an accepted
	// peak cannot hold another speaker: 20 degrees on a planar array.
	peakSuppressBins = 4
	// noiseDominance rejects a candidate speaker direction whose share
	// of the pause hops is more than this many times its share of the
	// speech hops.
	noiseDominance = 2.0
	// minPauseHops is the fewest pause hops that show where noise comes
	// from: 60 hops are about 1 s.
	minPauseHops = 60
	// minFocusedShare is the share of confident hops whose direction must
	// lie near an accepted speaker for the spatial result to be trusted.
	minFocusedShare = 0.5
	// spatialSwitchPenalty is the Viterbi cost of a speaker change, in
	// units of a typical hop's contrast between speakers.
	spatialSwitchPenalty = 8.0
	// overlapRatio marks a hop as overlapped when the second speaker's
	// response is at least this share of the first's.
	overlapRatio = 0.9
)

// spatialResult is the outcome of direction clustering.
type spatialResult struct {
	labels []int // per hop, -1 outside speech
	// second is, per hop, a second speaker heard almost as strongly as
	// the first, or -1.
	second []int
	dirs   []float64 // per speaker, degrees
	ok     bool
	// fit is the part of the outcome that an incremental pass needs to
	// assign more hops to the same speakers.
	fit spatialFit
}

// spatialFit is the outcome of direction clustering that assigns further
// hops: the speakers' grid bins and the contrast scale of the Viterbi
// scores.
type spatialFit struct {
	centres []int
	scale   float64
}

// smoothedMaps returns each speech hop's SRP map averaged with the speech
// hops up to srpSmoothHops away in the same range.
func smoothedMaps(hops []hopFeatures, ranges []hopRange) [][]float32 {
	out := make([][]float32, len(hops))
	for _, r := range ranges {
		smoothRange(hops, r, out)
	}
	return out
}

// smoothRange fills out[h] for the hops of r.
func smoothRange(hops []hopFeatures, r hopRange, out [][]float32) {
	for h := r.start; h < r.end; h++ {
		a, b := max(r.start, h-srpSmoothHops), min(r.end, h+srpSmoothHops+1)
		m := make([]float32, len(hops[h].srp))
		for i := a; i < b; i++ {
			for d, v := range hops[i].srp {
				m[d] += v
			}
		}
		for d := range m {
			m[d] /= float32(b - a)
		}
		out[h] = m
	}
}

// spatial clusters the speech hops by direction.
func (d *Diarizer) spatial(hops []hopFeatures, ranges []hopRange, voiced []bool, fixed int) spatialResult {
	st := d.steer
	maps := smoothedMaps(hops, ranges)
	nDirs := len(st.dirs)

	// The peak direction of every voiced hop.
	type peak struct {
		dir       int
		sharpness float32
	}
	var peaks []peak
	for _, r := range ranges {
		for h := r.start; h < r.end; h++ {
			if !voiced[h] {
				continue
			}
			m := maps[h]
			best := argmax(m)
			var mean float32
			for _, v := range m {
				mean += v
			}
			mean /= float32(len(m))
			peaks = append(peaks, peak{best, m[best] - mean})
		}
	}
	if len(peaks) == 0 {
		return spatialResult{}
	}
	sharp := make([]float32, len(peaks))
	for i, p := range peaks {
		sharp[i] = p.sharpness
	}
	slices.Sort(sharp)
	median := sharp[len(sharp)/2]

	hist := make([]float64, nDirs)
	total := 0.0
	for _, p := range peaks {
		if p.sharpness >= minSharpness*median {
			hist[p.dir]++
			total++
		}
	}
	smooth := make([]float64, nDirs)
	for i := range hist {
		smooth[i] = 2 * hist[i]
		for _, j := range []int{i - 1, i + 1} {
			if j < 0 || j >= nDirs {
				if st.linear {
					continue
				}
				j = (j + nDirs) % nDirs
			}
			smooth[i] += hist[j]
		}
	}

	// Accept histogram peaks from the highest down until one holds too
	// small a share, suppressing the bins around each accepted peak.
	limit := d.opts.MaxSpeakers
	if fixed > 0 {
		limit = fixed
	}
	noise := pauseDirections(hops, ranges, st)
	var centres []int
	focused := 0.0
	for len(centres) < limit {
		c := argmax64(smooth)
		if smooth[c] <= 0 {
			break
		}
		mass := 0.0
		for off := -2; off <= 2; off++ {
			if j, ok := st.bin(c + off); ok {
				mass += hist[j]
			}
		}
		if fixed == 0 && mass/total < minSpeakerShare {
			break
		}
		if noise != nil && noise.share(c, st) > noiseDominance*mass/total {
			// A direction that dominates the pauses is a noise source.
			suppress(smooth, c, st)
			continue
		}
		centres = append(centres, c)
		focused += mass
		suppress(smooth, c, st)
	}
	if len(centres) == 0 {
		return spatialResult{}
	}

	res := spatialResult{ok: focused/total >= minFocusedShare}
	for _, c := range centres {
		res.dirs = append(res.dirs, st.dirs[c])
	}
	res.labels, res.second, res.fit.scale = st.assignByDirection(maps, ranges, centres, len(hops))
	res.fit.centres = centres
	return res
}

func suppress(smooth []float64, c int, st *steering) {
	for off := -peakSuppressBins; off <= peakSuppressBins; off++ {
		if j, ok := st.bin(c + off); ok {
			smooth[j] = 0
		}
	}
}

// directionHistogram counts hops per peak direction.
type directionHistogram struct {
	counts []float64
	total  float64
}

// share returns the share of hops within two bins of c.
func (h *directionHistogram) share(c int, st *steering) float64 {
	var n float64
	for off := -2; off <= 2; off++ {
		if j, ok := st.bin(c + off); ok {
			n += h.counts[j]
		}
	}
	return n / h.total
}

// pauseDirections returns the histogram of the peak directions of the
// hops outside speech, which steady noise sources such as a ventilation
// outlet dominate. It returns nil when there are fewer than minPauseHops,
// and for a linear array, because diffuse noise and reverberation peak at
// its broadside, where a speaker may well sit.
func pauseDirections(hops []hopFeatures, ranges []hopRange, st *steering) *directionHistogram {
	if st.linear {
		return nil
	}
	h := &directionHistogram{counts: make([]float64, len(st.dirs))}
	next := 0
	for i := range hops {
		for next < len(ranges) && ranges[next].end <= i {
			next++
		}
		if next < len(ranges) && i >= ranges[next].start {
			continue
		}
		if hops[i].srp == nil {
			continue
		}
		h.counts[argmax(hops[i].srp)]++
		h.total++
	}
	if h.total < minPauseHops {
		return nil
	}
	return h
}

// bin returns the grid index i wraps to, or false past the ends of a
// linear array's half circle.
func (s *steering) bin(i int) (int, bool) {
	n := len(s.dirs)
	if i >= 0 && i < n {
		return i, true
	}
	if s.linear {
		return 0, false
	}
	return (i%n + n) % n, true
}

// response returns the map's largest value within one bin of the centre,
// which tolerates a speaker leaning or moving slightly.
func response(m []float32, c int, s *steering) float32 {
	v := m[c]
	for _, off := range []int{-1, 1} {
		if j, ok := s.bin(c + off); ok {
			v = max(v, m[j])
		}
	}
	return v
}

// assignByDirection gives every speech hop the speaker whose direction
// responds most, through a Viterbi pass that charges for speaker changes,
// and returns per hop the second speaker when one responds almost as
// strongly. It also returns the scale of the Viterbi scores: the median
// contrast between the speakers' responses.
func (s *steering) assignByDirection(maps [][]float32, ranges []hopRange, centres []int, nHops int) ([]int, []int, float64) {
	labels := make([]int, nHops)
	second := make([]int, nHops)
	for i := range labels {
		labels[i], second[i] = -1, -1
	}

	resp := make([][][]float32, len(ranges))
	var contrasts []float32
	for i, r := range ranges {
		resp[i] = s.rangeResponses(maps[r.start:r.end], centres)
		for _, rs := range resp[i] {
			contrasts = append(contrasts, slices.Max(rs)-slices.Min(rs))
		}
	}
	if len(contrasts) == 0 {
		return labels, second, 1
	}
	slices.Sort(contrasts)
	scale := float64(contrasts[len(contrasts)/2])
	if scale <= 0 {
		scale = 1
	}

	for i, r := range ranges {
		assignRange(resp[i], r, scale, labels, second)
	}
	return labels, second, scale
}

// rangeResponses returns, for each of a range's smoothed maps, every
// speaker's response.
func (s *steering) rangeResponses(maps [][]float32, centres []int) [][]float32 {
	resp := make([][]float32, len(maps))
	for h, m := range maps {
		rs := make([]float32, len(centres))
		for i, c := range centres {
			rs[i] = response(m, c, s)
		}
		resp[h] = rs
	}
	return resp
}

// assignRange sets labels and second for the hops of r from resp, the
// speakers' responses in each hop of r, with Viterbi scores divided by
// scale.
func assignRange(resp [][]float32, r hopRange, scale float64, labels, second []int) {
	if len(resp) == 0 {
		return
	}
	path := viterbi(r, len(resp[0]), spatialSwitchPenalty, func(h, i int) float64 {
		return float64(resp[h-r.start][i]) / scale
	})
	for t, spk := range path {
		h := r.start + t
		labels[h] = spk
		first, runnerUp := resp[t][spk], float32(0)
		for i, v := range resp[t] {
			if i != spk && first > 0 && v >= overlapRatio*first && v > runnerUp {
				second[h], runnerUp = i, v
			}
		}
	}
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

func argmax64(x []float64) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}
