package diarize

import (
	"math"
	"unsafe"

	"github.com/ordagrann/ordagrann/central/vad"
)

// refitShare is the share of new speech, relative to the speech of the
// last full clustering, past which Provisional clusters all speech again.
// Between two full clusterings a voice that joins the meeting is given to
// one of the speakers already found.
// NOTE: 0.2 bounds that lag to a fifth of the speech so far, about 12
// minutes into an hour of talk. It is not tuned on the evaluation set,
// which has no late-joining speaker.
const refitShare = 0.2

// sessionFit is the outcome of a Session's full clustering, kept so that a
// provisional pass can assign further speech hops to the same speakers.
type sessionFit struct {
	method Method
	// spatial is set when method is MethodSpatial, voice otherwise.
	spatial spatialFit
	voice   voiceFit
	// voicedAbove is the log power above which a hop was voiced.
	voicedAbove float32
	// mapping maps cluster labels to stable speaker ids, and idDirs
	// holds each id's direction, NaN where unknown.
	mapping []int
	idDirs  map[int]float64
	// speechHops is the number of speech hops clustered.
	speechHops int
	// strayHops counts the voiced hops assigned since the fit, before
	// the settled hop, whose direction lies away from every speaker's.
	strayHops int
}

// strayLimit is the number of stray hops that could form a speaker of
// its own, by the share a direction needs in full clustering.
func (f *sessionFit) strayLimit() float64 {
	return minSpeakerShare * float64(f.speechHops)
}

// stale reports whether pieces hold so much more speech than the fit
// was made of that all speech should be clustered again, or whether the
// fit cannot assign hops at all. A voice fit with fewer speakers than
// the fixed count is stale too, because voice clustering splits the
// speech into exactly that count once it has enough voiced pieces. A
// spatial fit is not, because a new direction is found by the stray hops
// that extend counts.
func (f *sessionFit) stale(pieces []vad.Piece, nHops, fixed int) bool {
	if f.method == MethodVoice && len(f.voice.models) == 0 {
		return true
	}
	if f.method == MethodVoice && fixed > 0 && len(f.mapping) < fixed {
		// NOTE: while the speech has fewer voiced pieces than the count,
		// every provisional pass clusters all speech again.
		return true
	}
	if f.method == MethodSpatial && len(f.spatial.centres) == 0 {
		return true
	}
	ranges, _ := hopRanges(pieces, nHops)
	return float64(speechHops(ranges)-f.speechHops) > refitShare*float64(f.speechHops)
}

func speechHops(ranges []hopRange) int {
	n := 0
	for _, r := range ranges {
		n += r.end - r.start
	}
	return n
}

// settledHop returns the hop before which the speech pieces are final:
// the end of the last of pieces whose hops have all been analysed.
// Committed pieces never change, so labels before that hop need no
// second look.
func settledHop(pieces []vad.Piece, nHops int) int {
	for i := len(pieces) - 1; i >= 0; i-- {
		end := int(math.Ceil((float64(pieces[i].End) - frameLen/2) / hopLen))
		if end <= nHops {
			return max(end, 0)
		}
	}
	return 0
}

// extend returns a provisional result that keeps the labels of the hops
// before s.settled and assigns the speech hops from there on to the
// speakers of s.fit. It returns false, and changes nothing, when so many
// new voiced hops come from directions away from every speaker that they
// could be a new speaker.
func (s *Session) extend(all []vad.Piece) (Result, bool) {
	hops := s.hops
	ranges, pieces := hopRanges(all, len(hops))
	fit := s.fit
	settled := settledHop(s.pieces, len(hops))
	strays, settledStrays := 0, 0

	labels := resize(s.labels, len(hops), s.settled)
	second := resize(s.second, len(hops), s.settled)
	for _, r := range ranges {
		if r.start < s.settled {
			continue
		}
		local := hopRange{0, r.end - r.start}
		rangeLabels := make([]int, local.end)
		rangeSecond := make([]int, local.end)
		for i := range rangeSecond {
			rangeSecond[i] = -1
		}
		if fit.method == MethodSpatial {
			maps := make([][]float32, local.end)
			smoothRange(hops[r.start:r.end], local, maps)
			resp := s.an.steer.rangeResponses(maps, fit.spatial.centres)
			assignRange(resp, local, fit.spatial.scale, rangeLabels, rangeSecond)
			n := s.an.steer.countStrays(maps, hops[r.start:r.end], fit)
			strays += n
			if r.end <= settled {
				settledStrays += n
			}
		} else {
			feats := make([][]float32, local.end)
			normalizeRange(hops[r.start:r.end], local, fit.voice.mean, feats)
			voiced := make([]bool, local.end)
			for i := range voiced {
				voiced[i] = hops[r.start+i].energy > fit.voicedAbove
			}
			assignVoiceRange(feats, local, voiced, fit.voice.models, fit.voice.ids, rangeLabels)
		}
		for i := range rangeLabels {
			labels[r.start+i] = stableID(fit.mapping, rangeLabels[i])
			second[r.start+i] = stableID(fit.mapping, rangeSecond[i])
		}
	}

	if float64(fit.strayHops+strays) > fit.strayLimit() {
		return Result{}, false
	}

	s.labels, s.second = labels, second
	s.settled = settled
	fit.strayHops += settledStrays
	res := Result{Method: fit.method, Agreement: math.NaN()}
	res.Turns = buildTurns(labels, second, ranges, pieces)
	res.Speakers = s.d.speakers(res.Turns, fit.idDirs, s.nextID)
	s.d.log.Debug("diarized", "final", false, "method", res.Method.String(), "speakers", len(res.Speakers), "turns", len(res.Turns), "hops", len(hops), "incremental", true)
	return res, true
}

// countStrays returns how many voiced hops of one range peak more than
// peakSuppressBins grid bins away from every speaker of fit: the bins in
// which full clustering would not look for another speaker.
// NOTE: voice-based fits have no such check, so a voice that joins is
// found only at the next full clustering.
func (st *steering) countStrays(maps [][]float32, hops []hopFeatures, fit *sessionFit) int {
	n := 0
	for i, m := range maps {
		if m == nil || hops[i].energy <= fit.voicedAbove {
			continue
		}
		peak := argmax(m)
		stray := true
		for _, c := range fit.spatial.centres {
			for off := -peakSuppressBins; off <= peakSuppressBins; off++ {
				if j, ok := st.bin(c + off); ok && j == peak {
					stray = false
				}
			}
		}
		if stray {
			n++
		}
	}
	return n
}

// resize returns labels grown or cut to n entries, with -1 from keep on.
func resize(labels []int, n, keep int) []int {
	out := make([]int, n)
	copy(out, labels[:min(keep, len(labels), n)])
	for i := min(keep, len(labels), n); i < n; i++ {
		out[i] = -1
	}
	return out
}

func stableID(mapping []int, cluster int) int {
	if cluster < 0 || cluster >= len(mapping) {
		return -1
	}
	return mapping[cluster]
}

// MemoryBytes returns an estimate of the memory the session holds, most
// of it the features of every hop: about 260 bytes per 16 ms hop with two
// microphones and 400 with four.
func (s *Session) MemoryBytes() int64 {
	perHop := int64(unsafe.Sizeof(hopFeatures{})) + 2*int64(unsafe.Sizeof(int(0)))
	if len(s.hops) > 0 {
		perHop += int64(len(s.hops[0].srp)) * 4
	}
	return int64(len(s.hops))*perHop + int64(len(s.pending)+len(s.mono))*2 + int64(len(s.pieces))*int64(unsafe.Sizeof(vad.Piece{}))
}
