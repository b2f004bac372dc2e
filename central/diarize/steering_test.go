package diarize

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"

	"github.com/ordagrann/ordagrann/board"
)

// planeWave returns interleaved white noise arriving from azimuth deg at
// the microphones, delayed per microphone in the frequency domain so the
// fractional delays are exact.
func planeWave(mics []board.Position, deg float64, n int) []int16 {
	rng := rand.New(rand.NewPCG(5, 6))
	src := make([]float64, n)
	for i := range src {
		src[i] = rng.NormFloat64() * 3000
	}
	fft := fourier.NewFFT(n)
	spec := fft.Coefficients(nil, src)

	ux, uy := math.Cos(deg*math.Pi/180), math.Sin(deg*math.Pi/180)
	out := make([]int16, n*len(mics))
	for m, p := range mics {
		delay := -(p.X*ux + p.Y*uy) / soundSpeed * SampleRate // samples
		shifted := make([]complex128, len(spec))
		for k, v := range spec {
			shifted[k] = v * cmplx.Exp(complex(0, -2*math.Pi*float64(k)*delay/float64(n)))
		}
		x := fft.Sequence(nil, shifted)
		for i := range n {
			out[i*len(mics)+m] = int16(x[i] / float64(n))
		}
	}
	return out
}

func TestSRPFindsDirection(t *testing.T) {
	tests := []struct {
		board   string
		azimuth float64
		want    float64 // on the grid's range
	}{
		{"respeaker-4mic", 200, 200},
		{"respeaker-4mic", 45, 45},
		{"respeaker-4mic", 300, 300},
		{"respeaker-2mic", 30, 30},
		{"respeaker-2mic", 200, 160},
		{"respeaker-2mic", 90, 90},
	}
	for _, tt := range tests {
		t.Run(tt.board, func(t *testing.T) {
			prof, err := board.Lookup(tt.board)
			if err != nil {
				t.Fatal(err)
			}
			st, err := newSteering(prof.Mics)
			if err != nil {
				t.Fatal(err)
			}
			samples := planeWave(prof.Mics, tt.azimuth, 8192)
			an := newAnalyzer(newMelBank(), st, len(prof.Mics))
			f := an.analyze(samples, len(prof.Mics), 2048)

			got := st.dirs[argmax(f.srp)]
			if st.distance(got, tt.want) > 8 {
				t.Errorf("SRP peak for a source at %v degrees = %v, want about %v", tt.azimuth, got, tt.want)
			}
		})
	}
}
