package diarize

import (
	"math"
	"math/bits"
)

// realFFT computes the discrete Fourier transform of real frames of one
// power-of-two length n: a complex FFT of n/2 points over the even and odd
// samples, then one pass that separates their spectra. It replaces gonum's
// generic real FFT, whose inner loop reloads spilled values from the stack.
// That loop ran three times slower in some builds of the same code on the
// project's 2-core test machine, probably because loads stalled behind
// stores 4 KiB apart. These loops keep few values live.
type realFFT struct {
	n       int
	work    []complex128 // the n/2-point transform
	rev     []int        // bit-reversed order of n/2 indices
	twiddle []complex128 // e^(-2πij/(n/2)) for j < n/4
	unpack  []complex128 // e^(-2πik/n) for k < n/2
}

// newRealFFT returns a transform of n real samples. It panics unless n is
// a power of two of at least 4.
func newRealFFT(n int) *realFFT {
	if n < 4 || n&(n-1) != 0 {
		panic("diarize: real FFT length must be a power of two of at least 4")
	}
	m := n / 2
	f := &realFFT{
		n:       n,
		work:    make([]complex128, m),
		rev:     make([]int, m),
		twiddle: make([]complex128, m/2),
		unpack:  make([]complex128, m),
	}
	shift := bits.UintSize - bits.TrailingZeros(uint(m))
	for i := range m {
		f.rev[i] = int(bits.Reverse(uint(i)) >> shift)
	}
	for j := range f.twiddle {
		s, c := math.Sincos(-2 * math.Pi * float64(j) / float64(m))
		f.twiddle[j] = complex(c, s)
	}
	for k := range f.unpack {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
		f.unpack[k] = complex(c, s)
	}
	return f
}

// coefficients writes the n/2+1 non-negative-frequency coefficients of x,
// unnormalized, X[k] = Σ x[t]·e^(-2πikt/n), to dst.
func (f *realFFT) coefficients(dst []complex128, x []float64) {
	if len(x) != f.n || len(dst) != f.n/2+1 {
		panic("diarize: real FFT length mismatch")
	}
	m := f.n / 2
	z := f.work

	// Even samples as real parts, odd ones as imaginary parts, in
	// bit-reversed order for the butterflies.
	for i, r := range f.rev {
		z[i] = complex(x[2*r], x[2*r+1])
	}
	for size := 2; size <= m; size <<= 1 {
		half := size / 2
		step := m / size
		for start := 0; start < m; start += size {
			for j := range half {
				w := f.twiddle[j*step]
				a := z[start+j]
				b := z[start+j+half] * w
				z[start+j] = a + b
				z[start+j+half] = a - b
			}
		}
	}

	// Z[k] mixes the spectra E of the even and O of the odd samples:
	// E[k] = (Z[k] + conj(Z[m-k]))/2, O[k] = (Z[k] - conj(Z[m-k]))/2i, and
	// X[k] = E[k] + e^(-2πik/n)·O[k].
	dst[0] = complex(real(z[0])+imag(z[0]), 0)
	dst[m] = complex(real(z[0])-imag(z[0]), 0)
	for k := 1; k < m; k++ {
		a := z[k]
		b := complex(real(z[m-k]), -imag(z[m-k]))
		even := (a + b) * 0.5
		odd := (a - b) * complex(0, -0.5)
		dst[k] = even + f.unpack[k]*odd
	}
}
