package main

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// speedOfSound is in m/s at about 20 °C.
const speedOfSound = 343.0

// vec is a point in the room, in metres.
type vec struct{ x, y, z float64 }

func (a vec) sub(b vec) vec { return vec{a.x - b.x, a.y - b.y, a.z - b.z} }
func (a vec) norm() float64 { return math.Sqrt(a.x*a.x + a.y*a.y + a.z*a.z) }

// room is a shoebox room with the same absorption on every wall.
type room struct {
	size vec
	// rt60 is the reverberation time in seconds that sets the wall
	// absorption through Sabine's formula.
	rt60 float64
}

// reflection returns the pressure reflection coefficient of the walls:
// Sabine's formula RT60 = 0.161 V / (S a) gives the absorption a, and
// the reflection coefficient is sqrt(1 - a).
func (r room) reflection() (float64, error) {
	v := r.size.x * r.size.y * r.size.z
	s := 2 * (r.size.x*r.size.y + r.size.x*r.size.z + r.size.y*r.size.z)
	a := 0.161 * v / (s * r.rt60)
	if a <= 0 || a > 1 {
		return 0, fmt.Errorf("room %.1fx%.1fx%.1f m: reverberation time %.2f s needs absorption %.2f, outside 0 to 1", r.size.x, r.size.y, r.size.z, r.rt60, a)
	}
	return math.Sqrt(1 - a), nil
}

// impulseResponse computes the room impulse response from src to mic with
// the image-source method of Allen and Berkley (1979). Every mirror image
// of the source in the walls adds a delayed impulse. Its gain is 1/(4 pi
// distance) times the reflection coefficient once per wall bounce. Fractional delays use
// a Hann-windowed sinc. The response is cut after length seconds.
func (r room) impulseResponse(src, mic vec, rate int, length float64) ([]float64, error) {
	beta, err := r.reflection()
	if err != nil {
		return nil, err
	}

	const halfTaps = 16
	n := int(length * float64(rate))
	h := make([]float64, n+2*halfTaps)
	maxDist := length * speedOfSound
	nx := int(maxDist/(2*r.size.x)) + 1
	ny := int(maxDist/(2*r.size.y)) + 1
	nz := int(maxDist/(2*r.size.z)) + 1

	for i := -nx; i <= nx; i++ {
		for j := -ny; j <= ny; j++ {
			for k := -nz; k <= nz; k++ {
				for p := 0; p < 8; p++ {
					px, py, pz := p&1, (p>>1)&1, (p>>2)&1
					img := vec{
						x: float64(1-2*px)*src.x + 2*float64(i)*r.size.x,
						y: float64(1-2*py)*src.y + 2*float64(j)*r.size.y,
						z: float64(1-2*pz)*src.z + 2*float64(k)*r.size.z,
					}
					d := img.sub(mic).norm()
					if d > maxDist {
						continue
					}
					// Reflections: |i-px| + |i| walls in x, and so on.
					bounces := absInt(i-px) + absInt(i) + absInt(j-py) + absInt(j) + absInt(k-pz) + absInt(k)
					gain := math.Pow(beta, float64(bounces)) / (4 * math.Pi * max(d, 0.05))
					addImpulse(h, d/speedOfSound*float64(rate)+halfTaps, gain, halfTaps)
				}
			}
		}
	}
	return h[halfTaps : n+halfTaps], nil
}

// addImpulse adds gain times a Hann-windowed sinc centred at the fractional
// sample position t.
func addImpulse(h []float64, t, gain float64, halfTaps int) {
	center := int(math.Floor(t))
	for n := center - halfTaps + 1; n <= center+halfTaps; n++ {
		if n < 0 || n >= len(h) {
			continue
		}
		x := float64(n) - t
		w := 0.5 * (1 + math.Cos(math.Pi*x/float64(halfTaps)))
		h[n] += gain * w * sinc(x)
	}
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// convolve returns the full linear convolution of x and h, computed with
// one FFT of the next power of two.
func convolve(x, h []float64) []float64 {
	n := len(x) + len(h) - 1
	size := 1
	for size < n {
		size <<= 1
	}
	fft := fourier.NewFFT(size)
	xp := make([]float64, size)
	copy(xp, x)
	hp := make([]float64, size)
	copy(hp, h)
	X := fft.Coefficients(nil, xp)
	H := fft.Coefficients(nil, hp)
	for i := range X {
		X[i] *= H[i]
	}
	out := fft.Sequence(nil, X)
	for i := range out {
		out[i] /= float64(size)
	}
	return out[:n]
}

// t20 estimates the reverberation time of an impulse response from its
// Schroeder backward-integrated energy: three times the time from -5 to
// -25 dB. It returns NaN when the response does not decay by 25 dB.
func t20(h []float64) float64 {
	energy := make([]float64, len(h))
	var sum float64
	for i := len(h) - 1; i >= 0; i-- {
		sum += h[i] * h[i]
		energy[i] = sum
	}
	at := func(db float64) float64 {
		for i, e := range energy {
			if 10*math.Log10(e/energy[0]) <= db {
				return float64(i) / rate
			}
		}
		return math.NaN()
	}
	return 3 * (at(-25) - at(-5))
}
