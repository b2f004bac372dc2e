package audio_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordagrann/ordagrann/internal/audio"
)

func TestPCMRoundTrip(t *testing.T) {
	in := []int16{0, 1, -1, 32767, -32768, 258}
	b := audio.EncodePCM(in)
	if got, want := b[10:12], []byte{0x02, 0x01}; string(got) != string(want) {
		t.Errorf("EncodePCM(258) = % x, want % x (little endian)", got, want)
	}

	got, err := audio.DecodePCM(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("DecodePCM(EncodePCM(x)) (-want +got):\n%s", diff)
	}
	if _, err := audio.DecodePCM([]byte{1, 2, 3}); err == nil {
		t.Error("DecodePCM(3 bytes) = nil error, want an error")
	}
}

func TestMixDown(t *testing.T) {
	tests := []struct {
		name     string
		in       []int16
		channels int
		want     []int16
	}{
		{"mono_copy", []int16{1, -2}, 1, []int16{1, -2}},
		{"stereo_mean", []int16{10, 20, -10, -21}, 2, []int16{15, -15}},
		{"full_scale_no_overflow", []int16{32767, 32767, -32768, -32768}, 2, []int16{32767, -32768}},
		{"four_channels", []int16{1, 2, 3, 6}, 4, []int16{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := audio.MixDown(tt.in, tt.channels)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("MixDown(%v, %d) (-want +got):\n%s", tt.in, tt.channels, diff)
			}
		})
	}
	if _, err := audio.MixDown([]int16{1, 2, 3}, 2); err == nil {
		t.Error("MixDown(3 samples, 2 channels) = nil error, want an error")
	}
}

func sine(freq float64, rate, frames int, amplitude float64) []int16 {
	out := make([]int16, frames)
	for i := range out {
		out[i] = int16(amplitude * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

// rms returns the root mean square of samples, skipping margin samples at
// each end where the filter reads silence outside the input.
func rms(samples []int16, margin int) float64 {
	sum := 0.0
	n := 0
	for _, s := range samples[margin : len(samples)-margin] {
		sum += float64(s) * float64(s)
		n++
	}
	return math.Sqrt(sum / float64(n))
}

func TestResample(t *testing.T) {
	tests := []struct {
		name     string
		freq     float64
		from, to int
		minGain  float64 // output rms / input rms
		maxGain  float64
	}{
		{"passband_1khz_48k_to_16k", 1000, 48000, 16000, 0.98, 1.02},
		{"passband_6khz_48k_to_16k", 6000, 48000, 16000, 0.95, 1.02},
		{"alias_12khz_48k_to_16k", 12000, 48000, 16000, 0, 0.0005},
		{"alias_9khz_48k_to_16k", 9000, 48000, 16000, 0, 0.001},
		{"passband_1khz_44k1_to_16k", 1000, 44100, 16000, 0.98, 1.02},
		{"alias_10khz_44k1_to_16k", 10000, 44100, 16000, 0, 0.001},
		{"upsample_1khz_8k_to_16k", 1000, 8000, 16000, 0.98, 1.02},
		{"many_phases_1khz", 1000, 44101, 16000, 0.98, 1.02},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := sine(tt.freq, tt.from, tt.from/2, 10000)
			out := audio.Resample(in, 1, tt.from, tt.to)

			if want := (len(in)*tt.to + tt.from - 1) / tt.from; len(out) != want {
				t.Errorf("Resample length = %d, want %d", len(out), want)
			}
			gain := rms(out, tt.to/50) / rms(in, tt.from/50)
			t.Logf("gain %.5f (%.1f dB)", gain, 20*math.Log10(gain))
			if gain < tt.minGain || gain > tt.maxGain {
				t.Errorf("Resample gain at %.0f Hz = %.5f, want %.4f to %.4f", tt.freq, gain, tt.minGain, tt.maxGain)
			}
		})
	}
}

func TestResampleChannelsIndependent(t *testing.T) {
	left := sine(500, 48000, 4800, 8000)
	in := make([]int16, 2*len(left))
	for i, s := range left {
		in[2*i] = s
	}

	out := audio.Resample(in, 2, 48000, 16000)
	for i := 1; i < len(out); i += 2 {
		if out[i] != 0 {
			t.Fatalf("Resample right channel sample %d = %d, want 0 (silent input channel)", i/2, out[i])
		}
	}
	mono := audio.Resample(left, 1, 48000, 16000)
	for i := range mono {
		if out[2*i] != mono[i] {
			t.Fatalf("Resample stereo left frame %d = %d, mono = %d, want equal", i, out[2*i], mono[i])
		}
	}
}

func TestResampleSameRateCopies(t *testing.T) {
	in := []int16{1, 2, 3}
	out := audio.Resample(in, 1, 16000, 16000)
	out[0] = 9
	if in[0] != 1 {
		t.Error("Resample at equal rates returned the input slice, want a copy")
	}
}

func BenchmarkResample48kTo16k(b *testing.B) {
	in := sine(440, 48000, 48000, 10000)
	b.ReportAllocs()
	for b.Loop() {
		audio.Resample(in, 1, 48000, 16000)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}
