package audio_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ordagrann/ordagrann/internal/audio"
)

const swedishWAV = "/work/shared/audio/common_voice_sv-SE_18717015.wav"

func randomAudio(frames, channels int, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]int16, frames*channels)
	for i := range out {
		out[i] = int16(r.IntN(65536) - 32768)
	}
	return out
}

func squareWave(frames, channels, period int) []int16 {
	out := make([]int16, frames*channels)
	for i := range frames {
		v := int16(32767)
		if i/(period/2)%2 == 1 {
			v = -32768
		}
		for ch := range channels {
			out[i*channels+ch] = v
		}
	}
	return out
}

// correlatedStereo is two channels that differ by a little noise, like two
// microphones of one array, so the stereo decorrelation modes get used.
func correlatedStereo(frames int) []int16 {
	r := rand.New(rand.NewPCG(7, 7))
	out := make([]int16, 2*frames)
	v := 0
	for i := range frames {
		v += r.IntN(201) - 100
		v = max(-20000, min(20000, v))
		out[2*i] = int16(v)
		out[2*i+1] = int16(v + r.IntN(9) - 4)
	}
	return out
}

func TestFLACRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		samples  []int16
		rate     int
		channels int
	}{
		{"empty", nil, 16000, 1},
		{"one_frame", []int16{-32768}, 16000, 1},
		{"random_mono", randomAudio(16000, 1, 1), 16000, 1},
		{"random_stereo_odd", randomAudio(12345, 2, 2), 16000, 2},
		{"random_four_channels", randomAudio(4097, 4, 3), 16000, 4},
		{"random_eight_channels", randomAudio(333, 8, 4), 48000, 8},
		{"silence_mono", make([]int16, 80000), 16000, 1},
		{"silence_four_channels", make([]int16, 4*4099), 16000, 4},
		{"square_full_scale_mono", squareWave(20001, 1, 40), 16000, 1},
		{"square_full_scale_stereo", squareWave(9999, 2, 16), 16000, 2},
		{"square_full_scale_four_channels", squareWave(4095, 4, 100), 16000, 4},
		{"correlated_stereo", correlatedStereo(30011), 16000, 2},
		{"odd_rate", randomAudio(1001, 1, 5), 11111, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := audio.EncodeFLAC(tt.samples, tt.rate, tt.channels)
			if err != nil {
				t.Fatalf("EncodeFLAC: %v", err)
			}

			got, rate, channels, err := audio.DecodeFLAC(enc)
			if err != nil {
				t.Fatalf("DecodeFLAC: %v", err)
			}
			if rate != tt.rate {
				t.Errorf("DecodeFLAC rate = %d, want %d", rate, tt.rate)
			}
			if channels != tt.channels {
				t.Errorf("DecodeFLAC channels = %d, want %d", channels, tt.channels)
			}
			if diff := cmp.Diff(tt.samples, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("DecodeFLAC(EncodeFLAC(x)) differs from x (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFLACCompressesSpeech(t *testing.T) {
	samples, rate, channels := readSwedish(t)
	enc, err := audio.EncodeFLAC(samples, rate, channels)
	if err != nil {
		t.Fatal(err)
	}

	ratio := float64(len(enc)) / float64(2*len(samples))
	t.Logf("flac is %.2f of pcm for %s", ratio, swedishWAV)
	if ratio > 0.9 {
		t.Errorf("flac/pcm size ratio = %.2f, want below 0.9 for speech", ratio)
	}
	if silence, _ := audio.EncodeFLAC(make([]int16, 80000), 16000, 1); len(silence) > 2000 {
		t.Errorf("flac size of 5 s of silence = %d bytes, want below 2000", len(silence))
	}
}

func TestEncodeFLACInvalid(t *testing.T) {
	tests := []struct {
		name     string
		samples  []int16
		rate     int
		channels int
	}{
		{"partial_frame", []int16{1, 2, 3}, 16000, 2},
		{"zero_channels", []int16{1}, 16000, 0},
		{"nine_channels", make([]int16, 9), 16000, 9},
		{"zero_rate", []int16{1}, 0, 1},
		{"rate_too_high", []int16{1}, 700000, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := audio.EncodeFLAC(tt.samples, tt.rate, tt.channels); err == nil {
				t.Errorf("EncodeFLAC(%d samples, %d Hz, %d channels) = nil error, want an error", len(tt.samples), tt.rate, tt.channels)
			}
		})
	}
}

func validFLAC(t testing.TB) []byte {
	t.Helper()
	enc, err := audio.EncodeFLAC(correlatedStereo(5000), 16000, 2)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

func TestDecodeFLACRejectsDamage(t *testing.T) {
	good := validFLAC(t)
	flip := func(at int) []byte {
		b := bytes.Clone(good)
		b[at] ^= 0x40
		return b
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"not_flac", []byte("RIFF....WAVEfmt ")},
		{"header_only", good[:42]},
		{"truncated_audio", good[:len(good)/2]},
		{"missing_last_byte", good[:len(good)-1]},
		{"flipped_bit_in_audio", flip(len(good) / 2)},
		{"flipped_bit_in_md5", flip(30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := audio.DecodeFLAC(tt.in)
			if !errors.Is(err, audio.ErrFLAC) {
				t.Errorf("DecodeFLAC(%s) error = %v, want one wrapping ErrFLAC", tt.name, err)
			}
		})
	}
}

func FuzzDecodeFLAC(f *testing.F) {
	// Small seeds keep the fuzzer's minimization of new inputs fast.
	seeds := []struct {
		samples  []int16
		channels int
	}{{nil, 1}, {[]int16{1}, 1}, {squareWave(300, 1, 10), 1}, {correlatedStereo(300), 2}, {randomAudio(50, 4, 1), 4}}
	for _, s := range seeds {
		enc, err := audio.EncodeFLAC(s.samples, 16000, s.channels)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Add([]byte("fLaC"))

	f.Fuzz(func(t *testing.T, b []byte) {
		samples, rate, channels, err := audio.DecodeFLAC(b)
		if err != nil {
			if !errors.Is(err, audio.ErrFLAC) {
				t.Fatalf("DecodeFLAC error = %v, want one wrapping ErrFLAC", err)
			}
			return
		}
		if channels < 1 || channels > audio.MaxChannels || rate < 1 {
			t.Fatalf("DecodeFLAC returned %d channels at %d Hz without an error", channels, rate)
		}
		if len(samples)%channels != 0 || len(samples) > audio.MaxDecodedSamples {
			t.Fatalf("DecodeFLAC returned %d samples for %d channels", len(samples), channels)
		}
	})
}

func readSwedish(t testing.TB) ([]int16, int, int) {
	t.Helper()
	f, err := os.Open(swedishWAV)
	if err != nil {
		t.Skipf("Swedish test recording not available: %v", err)
	}
	defer f.Close()
	samples, rate, channels, err := audio.ReadWAV(f)
	if err != nil {
		t.Fatalf("ReadWAV(%s): %v", swedishWAV, err)
	}
	return audio.Resample(samples, channels, rate, 16000), 16000, channels
}

func BenchmarkEncodeFLAC(b *testing.B) {
	samples, rate, channels := readSwedish(b)
	seconds := float64(len(samples)/channels) / float64(rate)
	b.ReportAllocs()
	b.SetBytes(int64(2 * len(samples)))
	for b.Loop() {
		if _, err := audio.EncodeFLAC(samples, rate, channels); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}

func BenchmarkDecodeFLAC(b *testing.B) {
	samples, rate, channels := readSwedish(b)
	seconds := float64(len(samples)/channels) / float64(rate)
	enc, err := audio.EncodeFLAC(samples, rate, channels)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := audio.DecodeFLAC(enc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}

// TestFLACDecodesWithLibFLAC checks the encoder against the reference
// decoder: sox reads FLAC through libFLAC, which verifies every frame's CRC.
func TestFLACDecodesWithLibFLAC(t *testing.T) {
	sox, err := exec.LookPath("sox")
	if err != nil {
		t.Skip("sox is not installed; install it (apt-get install sox) to check FLAC output against libFLAC")
	}
	speech, _, _ := readSwedish(t)
	tests := []struct {
		name     string
		samples  []int16
		channels int
	}{
		{"speech_mono", speech, 1},
		{"correlated_stereo", correlatedStereo(30011), 2},
		{"square_full_scale_stereo", squareWave(9999, 2, 16), 2},
		{"random_four_channels", randomAudio(4097, 4, 3), 4},
		{"one_frame", []int16{-5}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := audio.EncodeFLAC(tt.samples, 16000, tt.channels)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.flac"), filepath.Join(dir, "out.wav")
			if err := os.WriteFile(in, enc, 0o600); err != nil {
				t.Fatal(err)
			}
			if msg, err := exec.Command(sox, in, "-t", "wav", "-e", "signed-integer", out).CombinedOutput(); err != nil {
				t.Fatalf("sox %s: %v: %s", in, err, msg)
			}

			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, rate, channels, err := audio.ReadWAV(f)
			if err != nil {
				t.Fatal(err)
			}
			if rate != 16000 || channels != tt.channels {
				t.Errorf("libFLAC format = %d Hz %d channels, want 16000 Hz %d channels", rate, channels, tt.channels)
			}
			if !slices.Equal(got, tt.samples) {
				t.Errorf("libFLAC decoded %d samples that differ from the %d encoded", len(got), len(tt.samples))
			}
		})
	}
}

// FuzzFLACRoundTrip checks that any audio survives EncodeFLAC and DecodeFLAC
// unchanged. The first byte picks the channel count and the rest are samples.
func FuzzFLACRoundTrip(f *testing.F) {
	f.Add([]byte{2, 0xff, 0x7f, 0x00, 0x80, 0x01, 0x00, 0xff, 0xff})
	f.Add(append([]byte{1}, audio.EncodePCM(squareWave(500, 1, 20))...))
	f.Add(append([]byte{2}, audio.EncodePCM(correlatedStereo(300))...))

	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 1 {
			return
		}
		channels := int(b[0]%audio.MaxChannels) + 1
		pcm := b[1:]
		pcm = pcm[:len(pcm)/(2*channels)*(2*channels)]
		samples, err := audio.DecodePCM(pcm)
		if err != nil {
			t.Fatal(err)
		}

		enc, err := audio.EncodeFLAC(samples, 16000, channels)
		if err != nil {
			t.Fatalf("EncodeFLAC(%d samples, %d channels): %v", len(samples), channels, err)
		}
		got, _, gotChannels, err := audio.DecodeFLAC(enc)
		if err != nil {
			t.Fatalf("DecodeFLAC: %v", err)
		}
		if gotChannels != channels || !slices.Equal(got, samples) {
			t.Fatalf("round trip of %d samples in %d channels changed the audio", len(samples), channels)
		}
	})
}
