package diarize

import (
	"math"
)

// Analysis frames: 32 ms Hann-windowed frames every 16 ms at 16 kHz.
const (
	frameLen = 512
	hopLen   = 256
	nBins    = frameLen/2 + 1
	hopTime  = float64(hopLen) / SampleRate // seconds
)

// MFCC layout: 40 mel bands from 60 Hz to 7.6 kHz, cepstra 1 to 19. The
// zeroth cepstrum is the frame's loudness, which depends more on the
// distance to the microphone than on the voice, so it is left out.
const (
	melBands = 40
	melLow   = 60.0
	melHigh  = 7600.0
	nCeps    = 19
)

// hopFeatures are the features a Session keeps of one analysis hop.
type hopFeatures struct {
	mfcc   [nCeps]float32
	energy float32   // log power of the frame, averaged over channels
	srp    []float32 // steered-response power per direction, nil without geometry
}

type melBank struct {
	filters [melBands][]float64 // weights per bin, dense
	dct     [nCeps][melBands]float64
	window  [frameLen]float64
}

func hzToMel(f float64) float64 { return 2595 * math.Log10(1+f/700) }
func melToHz(m float64) float64 { return 700 * (math.Pow(10, m/2595) - 1) }

// newMelBank builds triangular mel filters, the DCT-II matrix and the Hann
// window.
func newMelBank() *melBank {
	b := &melBank{}
	lo, hi := hzToMel(melLow), hzToMel(melHigh)
	var edges [melBands + 2]float64
	for i := range edges {
		edges[i] = melToHz(lo+(hi-lo)*float64(i)/float64(melBands+1)) * frameLen / SampleRate
	}
	for m := range melBands {
		w := make([]float64, nBins)
		for k := range nBins {
			f := float64(k)
			switch {
			case f > edges[m] && f <= edges[m+1]:
				w[k] = (f - edges[m]) / (edges[m+1] - edges[m])
			case f > edges[m+1] && f < edges[m+2]:
				w[k] = (edges[m+2] - f) / (edges[m+2] - edges[m+1])
			}
		}
		b.filters[m] = w
	}
	for c := range nCeps {
		for m := range melBands {
			b.dct[c][m] = math.Cos(math.Pi * float64(c+1) * (float64(m) + 0.5) / melBands)
		}
	}
	for i := range b.window {
		b.window[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/frameLen)
	}
	return b
}

// mfcc fills f.mfcc and f.energy from the power spectrum averaged over
// channels.
func (b *melBank) mfcc(power []float64, f *hopFeatures) {
	var logMel [melBands]float64
	var total float64
	for m := range melBands {
		var e float64
		for k, w := range b.filters[m] {
			if w != 0 {
				e += w * power[k]
			}
		}
		total += e
		logMel[m] = math.Log(e + 1e-3)
	}
	for c := range nCeps {
		var s float64
		for m := range melBands {
			s += b.dct[c][m] * logMel[m]
		}
		f.mfcc[c] = float32(s)
	}
	f.energy = float32(math.Log(total + 1e-3))
}

// analyzer turns one hop's frame of every channel into features.
type analyzer struct {
	mel   *melBank
	steer *steering
	fft   *realFFT
	buf   []float64
	spec  [][]complex128 // per channel
	power []float64
}

func newAnalyzer(mel *melBank, steer *steering, channels int) *analyzer {
	a := &analyzer{
		mel:   mel,
		steer: steer,
		fft:   newRealFFT(frameLen),
		buf:   make([]float64, frameLen),
		spec:  make([][]complex128, channels),
		power: make([]float64, nBins),
	}
	for c := range a.spec {
		a.spec[c] = make([]complex128, nBins)
	}
	return a
}

// analyze computes the features of the frame starting at frame index start
// of the interleaved samples, which must hold frameLen frames from there.
func (a *analyzer) analyze(samples []int16, channels, start int) hopFeatures {
	clear(a.power)
	for c := range channels {
		for i := range frameLen {
			a.buf[i] = float64(samples[(start+i)*channels+c]) / 32768 * a.mel.window[i]
		}
		a.fft.coefficients(a.spec[c], a.buf)
		for k, v := range a.spec[c] {
			a.power[k] += (real(v)*real(v) + imag(v)*imag(v)) / float64(channels)
		}
	}

	var f hopFeatures
	a.mel.mfcc(a.power, &f)
	if a.steer != nil {
		f.srp = a.steer.power(a.spec)
	}
	return f
}
