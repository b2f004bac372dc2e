package diarize

import (
	"testing"

	"github.com/ordagrann/ordagrann/board"
)

// BenchmarkProvisionalTwoHours measures Session.Provisional on two hours
// of the two-speaker 2-mic fixture, repeated. "extend" assigns 5 s of new
// audio to the speakers found before, as most provisional passes do.
// "refit" clusters all speech again, as a pass does once the new speech
// exceeds refitShare of the speech clustered before. Writing the new
// audio, which computes its features, is part of both.
func BenchmarkProvisionalTwoHours(b *testing.B) {
	f := loadFixture(b, "two-2mic-rt025-snr25")
	profile, err := board.Lookup("respeaker-2mic")
	if err != nil {
		b.Fatal(err)
	}
	d, err := New(&Options{Mics: profile.Mics, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	s, err := d.NewSession(f.channels)
	if err != nil {
		b.Fatal(err)
	}
	block := 5 * SampleRate * f.channels
	next := 0
	// write appends the next 5 s of the repeated fixture.
	write := func() {
		piece := make([]int16, 0, block)
		for len(piece) < block {
			n := min(block-len(piece), len(f.samples)-next)
			piece = append(piece, f.samples[next:next+n]...)
			next = (next + n) % len(f.samples)
		}
		if err := s.Write(piece); err != nil {
			b.Fatal(err)
		}
	}
	for range 2 * 3600 / 5 {
		write()
	}
	if _, err := s.Provisional(); err != nil {
		b.Fatal(err)
	}

	for _, mode := range []string{"extend", "refit"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				write()
				if mode == "refit" {
					s.fit = nil
				}
				if _, err := s.Provisional(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
