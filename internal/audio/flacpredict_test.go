package audio

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mewkiz/flac/frame"
)

func TestChoosePrediction(t *testing.T) {
	ramp := make([]int32, 4096)
	tone := make([]int32, 4096)
	noise := make([]int32, 4096)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range ramp {
		ramp[i] = int32(i*7 - 10000)
		tone[i] = int32(12000*math.Sin(float64(i)*0.05) + 3000*math.Sin(float64(i)*0.31) + float64(r.IntN(9)-4))
		noise[i] = int32(r.IntN(65536) - 32768)
	}
	tests := []struct {
		name    string
		samples []int32
		want    frame.Pred
	}{
		{"constant", []int32{5, 5, 5, 5}, frame.PredConstant},
		{"single_sample", []int32{5}, frame.PredConstant},
		{"ramp_is_fixed", ramp, frame.PredFixed},
		{"tones_use_lpc", tone, frame.PredFIR},
		{"white_noise_verbatim", noise, frame.PredVerbatim},
		{"two_small_samples", []int32{1, -1}, frame.PredFixed},
		{"two_large_samples", []int32{32767, -32768}, frame.PredVerbatim},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sf := frame.Subframe{Samples: tt.samples, NSamples: len(tt.samples)}
			choosePrediction(&sf, 16)
			if sf.Pred != tt.want {
				t.Errorf("choosePrediction(%s) = %v, want %v", tt.name, sf.Pred, tt.want)
			}
			if sf.Pred == frame.PredFixed || sf.Pred == frame.PredFIR {
				if sf.RiceSubframe == nil || len(sf.RiceSubframe.Partitions) != 1<<sf.RiceSubframe.PartOrder {
					t.Errorf("choosePrediction(%s) Rice partitions = %+v, want 2^PartOrder of them", tt.name, sf.RiceSubframe)
				}
			}
		})
	}
}

func TestComputeResidualsRejectsOverflow(t *testing.T) {
	// Twelve 17-bit side samples against twelve maximal coefficients give a
	// prediction of about -1.6e9, beyond the 2^30 limit.
	x := make([]int32, 13)
	coeffs := make([]int32, 12)
	for i := range coeffs {
		x[i] = -65536
		coeffs[i] = 2047
	}
	x[12] = 65535
	if _, ok := computeResiduals(x, coeffs, 0, make([]int64, len(x))); ok {
		t.Error("computeResiduals with a residual near 1.6e9 = ok, want rejected")
	}
	if res, ok := computeResiduals(x, coeffs, 15, make([]int64, len(x))); !ok || len(res) != 1 {
		t.Errorf("computeResiduals with shift 15 = %v, %v, want one residual", res, ok)
	}
}
