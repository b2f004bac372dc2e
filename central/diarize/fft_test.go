package diarize

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"
)

// TestRealFFTMatchesGonum compares the transform with gonum's on random
// frames of several lengths and on a pure tone.
func TestRealFFTMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{4, 8, 64, 512, 1024} {
		ours, ref := newRealFFT(n), fourier.NewFFT(n)
		x := make([]float64, n)
		for trial := range 5 {
			for i := range x {
				x[i] = rng.Float64()*2 - 1
			}
			if trial == 0 {
				for i := range x {
					x[i] = math.Cos(2 * math.Pi * 3 * float64(i) / float64(n))
				}
			}
			got := make([]complex128, n/2+1)
			ours.coefficients(got, x)
			want := ref.Coefficients(nil, x)
			for k := range want {
				if d := cmplx.Abs(got[k] - want[k]); d > 1e-9*float64(n) {
					t.Fatalf("n=%d trial %d: X[%d] = %v, want %v (difference %g)", n, trial, k, got[k], want[k], d)
				}
			}
		}
	}
}

func TestRealFFTRejectsBadLength(t *testing.T) {
	for _, n := range []int{0, 2, 6, 100} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("newRealFFT(%d) did not panic", n)
				}
			}()
			newRealFFT(n)
		}()
	}
}

func BenchmarkRealFFT512(b *testing.B) {
	f := newRealFFT(512)
	x := make([]float64, 512)
	for i := range x {
		x[i] = math.Sin(float64(i) * 0.1)
	}
	dst := make([]complex128, 257)
	for b.Loop() {
		f.coefficients(dst, x)
	}
}

func BenchmarkGonumFFT512(b *testing.B) {
	f := fourier.NewFFT(512)
	x := make([]float64, 512)
	for i := range x {
		x[i] = math.Sin(float64(i) * 0.1)
	}
	dst := make([]complex128, 257)
	for b.Loop() {
		f.Coefficients(dst, x)
	}
}
