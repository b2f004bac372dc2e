package diarize

import (
	"fmt"
	"slices"
	"testing"
)

// A cluster that matches no earlier speaker gets a new stable id, so a
// session with a fixed count must reuse free ids to list no more speakers
// than the count over many provisional passes.
func TestSessionKeepsFixedCount(t *testing.T) {
	tests := []struct {
		fixture string
		mono    bool
		fixed   int
		want    int // speakers of the final result
	}{
		{"real-mono", true, 3, 3},
		{"real-mono", true, 6, 6},
		{"two-2mic-rt025-snr25", true, 3, 3},
		{"two-2mic-rt025-snr25", true, 6, 6},
		{"three-4mic-rt025-snr25", true, 4, 4},
		{"three-4mic-rt025-snr25", false, 3, 3},
		// Three directions heard, so the spatial method finds at most three.
		{"three-4mic-rt025-snr25", false, 5, 3},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/mono=%v/%d", tt.fixture, tt.mono, tt.fixed)
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, tt.fixture)
			samples, channels, mics := f.samples, f.channels, f.mics
			if tt.mono {
				samples, channels, mics = f.firstChannel(), 1, nil
			}
			samples = slices.Concat(samples, samples, samples)
			d, err := New(&Options{Mics: mics, Speakers: tt.fixed, Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			s, err := d.NewSession(channels)
			if err != nil {
				t.Fatal(err)
			}

			step := 2 * SampleRate * channels
			for a := 0; a < len(samples); a += step {
				if err := s.Write(samples[a:min(a+step, len(samples))]); err != nil {
					t.Fatal(err)
				}
				res, err := s.Provisional()
				if err != nil {
					t.Fatal(err)
				}
				if got := len(res.Speakers); got > tt.fixed {
					t.Errorf("provisional result after %d s lists %d speakers, want at most %d", (a+step)/channels/SampleRate, got, tt.fixed)
				}
			}
			res, err := s.Final()
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.Speakers); got != tt.want {
				t.Errorf("final result lists %d speakers, want %d", got, tt.want)
			}
			for i, sp := range res.Speakers {
				if sp.Speech == 0 {
					t.Errorf("final speaker %d (%s) has no speech", i, sp.Label)
				}
			}
		})
	}
}
