package audio

import (
	"fmt"
	"math"
)

// Resampler design. The filter is a Kaiser-windowed sinc low-pass whose
// cutoff sits at 90% of the lower Nyquist frequency, so the band that speech
// recognition uses stays flat. Each side of the kernel spans resampleZeros
// zero crossings of the sinc. Converting 48 kHz to 16 kHz, the package tests
// measure a gain within 0.1% at 1 and 6 kHz and below -80 dB for tones at
// 9 and 12 kHz, which would otherwise alias.
const (
	resampleCutoff    = 0.9
	resampleZeros     = 16
	resampleKaiserB   = 8.0
	resampleMaxPhases = 1024
)

// Resample converts interleaved samples from one sample rate to another with
// a windowed-sinc low-pass filter, each channel separately. The output has
// ceil(frames*to/from) frames. Samples outside the input are taken as
// silence, so the first and last few milliseconds fade in and out slightly.
//
// Resample panics when channels is below 1, a rate is below 1, or samples
// is not a whole number of frames, because those are programming errors:
// ReadWAV and hal.AudioFormat values are already validated.
func Resample(samples []int16, channels, from, to int) []int16 {
	if channels < 1 || from < 1 || to < 1 || len(samples)%channels != 0 {
		panic(fmt.Sprintf("audio.Resample: invalid arguments: %d samples, %d channels, %d Hz to %d Hz", len(samples), channels, from, to))
	}
	if from == to {
		return append([]int16(nil), samples...)
	}

	g := gcd(from, to)
	up, down := to/g, from/g

	// Cutoff in cycles per input sample, and the kernel's half width in
	// input samples.
	cutoff := resampleCutoff * 0.5 * float64(min(from, to)) / float64(from)
	half := int(math.Ceil(resampleZeros / (2 * cutoff)))

	var table [][]float64
	if up <= resampleMaxPhases {
		table = make([][]float64, up)
		for p := range table {
			table[p] = kernel(float64(p)/float64(up), half, cutoff)
		}
	}

	inFrames := len(samples) / channels
	outFrames := int((int64(inFrames)*int64(up) + int64(down) - 1) / int64(down))
	out := make([]int16, outFrames*channels)
	for n := range outFrames {
		pos := int64(n) * int64(down)
		i := int(pos / int64(up))
		phase := int(pos % int64(up))

		var weights []float64
		if table != nil {
			weights = table[phase]
		} else {
			// Rate pairs with more than resampleMaxPhases phases (for
			// example 44101 Hz to 16 kHz) compute the kernel per output
			// frame, which is slower but needs no large table.
			weights = kernel(float64(phase)/float64(up), half, cutoff)
		}

		for ch := range channels {
			acc := 0.0
			for j, w := range weights {
				k := i - half + 1 + j
				if k < 0 || k >= inFrames {
					continue
				}
				acc += w * float64(samples[k*channels+ch])
			}
			out[n*channels+ch] = clamp16(acc)
		}
	}
	return out
}

// kernel returns the 2*half filter weights for input offsets -half+1 .. half
// around an output point that lies frac input samples after the first of
// them. The weights are normalized to sum to 1 so that the DC gain is exact.
func kernel(frac float64, half int, cutoff float64) []float64 {
	w := make([]float64, 2*half)
	sum := 0.0
	for j := range w {
		x := float64(j-half+1) - frac
		v := 2 * cutoff * sinc(2*cutoff*x) * kaiser(x/float64(half), resampleKaiserB)
		w[j] = v
		sum += v
	}
	for j := range w {
		w[j] /= sum
	}
	return w
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// kaiser returns the Kaiser window at x in [-1, 1], and 0 outside.
func kaiser(x, beta float64) float64 {
	if x < -1 || x > 1 {
		return 0
	}
	return besselI0(beta*math.Sqrt(1-x*x)) / besselI0(beta)
}

// besselI0 is the modified Bessel function of the first kind, order 0, by
// its power series, which converges quickly for the arguments used here.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; k < 50; k++ {
		term *= q / float64(k*k)
		sum += term
		if term < sum*1e-12 {
			break
		}
	}
	return sum
}

func clamp16(v float64) int16 {
	v = math.Round(v)
	switch {
	case v > math.MaxInt16:
		return math.MaxInt16
	case v < math.MinInt16:
		return math.MinInt16
	}
	return int16(v)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
