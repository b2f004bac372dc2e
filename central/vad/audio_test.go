package vad

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/go-audio/wav"
)

// speechDir holds real Swedish speech: Common Voice sv-SE clips, 48 kHz mono.
const speechDir = "/work/shared/audio"

var clipCache struct {
	sync.Mutex
	clips [][]int16
}

// loadSpeech returns every clip in speechDir at 16 kHz. The test is skipped
// when the directory is missing.
func loadSpeech(t testing.TB) [][]int16 {
	t.Helper()
	clipCache.Lock()
	defer clipCache.Unlock()
	if clipCache.clips != nil {
		return clipCache.clips
	}

	paths, err := filepath.Glob(filepath.Join(speechDir, "*.wav"))
	if err != nil || len(paths) == 0 {
		t.Skipf("no speech clips in %s", speechDir)
	}
	sort.Strings(paths)

	var clips [][]int16
	for _, p := range paths {
		clips = append(clips, readWAV16k(t, p))
	}
	clipCache.clips = clips
	return clips
}

// readWAV16k reads a 48 kHz mono 16-bit WAV file and decimates it to 16 kHz
// by averaging each group of three samples, a crude low-pass filter that is
// good enough for voice activity detection.
func readWAV16k(t testing.TB, path string) []int16 {
	t.Helper()

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	d := wav.NewDecoder(f)
	buf, err := d.FullPCMBuffer()
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	if buf.Format.SampleRate != 48000 || buf.Format.NumChannels != 1 || d.BitDepth != 16 {
		t.Fatalf("%s: %d Hz, %d channels, %d bits, want 48000 Hz mono 16-bit", path, buf.Format.SampleRate, buf.Format.NumChannels, d.BitDepth)
	}

	out := make([]int16, len(buf.Data)/3)
	for i := range out {
		out[i] = int16((buf.Data[3*i] + buf.Data[3*i+1] + buf.Data[3*i+2]) / 3)
	}
	return out
}

// noise returns n samples of white noise with the given RMS level.
func noise(seed uint64, n int, rms float64) []int16 {
	r := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]int16, n)
	for i := range out {
		v := r.NormFloat64() * rms
		out[i] = int16(max(math.MinInt16, min(math.MaxInt16, v)))
	}
	return out
}

func silence(n int) []int16 { return make([]int16, n) }

// span is a stretch [start, end) of a test track, in frames.
type span struct {
	start, end uint64
	speech     bool
}

// track is a test signal built from speech clips and gaps, with the spans
// that hold speech.
type track struct {
	samples []int16
	spans   []span
}

func (tr *track) add(s []int16, speech bool) {
	start := uint64(len(tr.samples))
	tr.samples = append(tr.samples, s...)
	tr.spans = append(tr.spans, span{start: start, end: uint64(len(tr.samples)), speech: speech})
}

// loudWindows returns the start frames of the 30 ms windows of the speech
// spans that are within 20 dB of the loudest window of their clip, sibilants
// included. This audio must reach the transcription engine.
func (tr *track) loudWindows() []uint64 {
	const w = 480
	var out []uint64
	for _, sp := range tr.spans {
		if !sp.speech {
			continue
		}
		var peak float64
		for f := sp.start; f+w <= sp.end; f += w {
			peak = max(peak, energy(tr.samples[f:f+w]))
		}
		for f := sp.start; f+w <= sp.end; f += w {
			if energy(tr.samples[f:f+w]) >= peak/100 {
				out = append(out, f)
			}
		}
	}
	return out
}
