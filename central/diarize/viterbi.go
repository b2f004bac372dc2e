package diarize

// hopRange is a run of hops [start, end) inside one speech piece.
type hopRange struct{ start, end int }

// viterbi returns, for the hops of one range, the speaker sequence that
// maximises the summed scores minus penalty for every change of speaker.
// score(h, k) is hop h's evidence for speaker k.
func viterbi(r hopRange, speakers int, penalty float64, score func(h, k int) float64) []int {
	n := r.end - r.start
	if n <= 0 || speakers == 0 {
		return nil
	}
	back := make([]int8, n*speakers)
	prev := make([]float64, speakers)
	cur := make([]float64, speakers)
	for k := range speakers {
		prev[k] = score(r.start, k)
	}
	for t := 1; t < n; t++ {
		best, bestK := prev[0], 0
		for k := 1; k < speakers; k++ {
			if prev[k] > best {
				best, bestK = prev[k], k
			}
		}
		for k := range speakers {
			stay, from := prev[k], k
			if sw := best - penalty; sw > stay {
				stay, from = sw, bestK
			}
			cur[k] = stay + score(r.start+t, k)
			back[t*speakers+k] = int8(from)
		}
		prev, cur = cur, prev
	}

	path := make([]int, n)
	last := 0
	for k := 1; k < speakers; k++ {
		if prev[k] > prev[last] {
			last = k
		}
	}
	path[n-1] = last
	for t := n - 1; t > 0; t-- {
		path[t-1] = int(back[t*speakers+path[t]])
	}
	return path
}
