package diarize

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestCholeskyLogDet(t *testing.T) {
	// [[4 2] [2 3]] has determinant 8.
	l, ok := cholesky([]float64{4, 2, 2, 3}, 2)
	if !ok {
		t.Fatal("cholesky rejected a positive definite matrix")
	}
	if got, want := cholLogDet(l, 2), math.Log(8); math.Abs(got-want) > 1e-12 {
		t.Errorf("cholLogDet = %v, want %v", got, want)
	}
	if _, ok := cholesky([]float64{1, 2, 2, 1}, 2); ok {
		t.Error("cholesky accepted an indefinite matrix")
	}
}

func gaussianFrames(rng *rand.Rand, n int, mean float64) *gaussStats {
	g := newGaussStats(3)
	x := make([]float32, 3)
	for range n {
		for i := range x {
			x[i] = float32(mean + rng.NormFloat64())
		}
		g.add(x)
	}
	return g
}

func TestDeltaBIC(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	a := gaussianFrames(rng, 300, 0)
	same := gaussianFrames(rng, 300, 0)
	other := gaussianFrames(rng, 300, 2)

	if got := deltaBIC(a, same, 1); got >= 0 {
		t.Errorf("deltaBIC(same distribution) = %v, want negative", got)
	}
	if got := deltaBIC(a, other, 1); got <= 0 {
		t.Errorf("deltaBIC(means 2 apart) = %v, want positive", got)
	}
}

func TestGaussianLogLikelihood(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	g, ok := newGaussian(gaussianFrames(rng, 20000, 1))
	if !ok {
		t.Fatal("newGaussian failed")
	}
	// Unit covariance (plus the regularizer) at the mean: -1.5 log(2 pi (1+r)).
	want := -1.5 * math.Log(2*math.Pi*(1+covRegularizer))
	if got := g.logLikelihood([]float32{1, 1, 1}); math.Abs(got-want) > 0.05 {
		t.Errorf("logLikelihood(mean) = %v, want about %v", got, want)
	}
}

func TestViterbiPenalty(t *testing.T) {
	// Speaker 1 wins a single hop in the middle by 1: a penalty of 3 per
	// change keeps speaker 0, a penalty of 0.4 switches, because two changes cost 0.8.
	scores := [][2]float64{{1, 0}, {1, 0}, {0, 1}, {1, 0}, {1, 0}}
	score := func(h, k int) float64 { return scores[h][k] }

	for _, tt := range []struct {
		penalty float64
		want    []int
	}{
		{3, []int{0, 0, 0, 0, 0}},
		{0.4, []int{0, 0, 1, 0, 0}},
	} {
		got := viterbi(hopRange{0, 5}, 2, tt.penalty, score)
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("viterbi(penalty %v) = %v, want %v", tt.penalty, got, tt.want)
				break
			}
		}
	}
}
