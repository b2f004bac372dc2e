package diarize

import "testing"

// maxIncrementalDER bounds the diarization error rate of the last
// incremental provisional result, scored against a full clustering of the
// same audio as the reference.
const maxIncrementalDER = 0.05

func TestProvisionalIncrementalMatchesFull(t *testing.T) {
	tests := []struct {
		fixture string
		mono    bool
	}{
		{"two-2mic-rt025-snr25", false},
		{"three-4mic-rt025-snr25", false},
		{"two-2mic-rt025-snr25", true},
	}
	for _, tt := range tests {
		name := tt.fixture
		if tt.mono {
			name += "-mono"
		}
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, tt.fixture)
			samples, channels, mics := f.samples, f.channels, f.mics
			if tt.mono {
				samples, channels, mics = f.firstChannel(), 1, nil
			}
			d, err := New(&Options{Mics: mics, Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}

			// One-second writes with a provisional result after each, so
			// that some passes come less than refitShare after a full one.
			s, err := d.NewSession(channels)
			if err != nil {
				t.Fatal(err)
			}
			step := SampleRate * channels
			var incremental Result
			extended := 0
			for i := 0; i < len(samples); i += step {
				if err := s.Write(samples[i:min(len(samples), i+step)]); err != nil {
					t.Fatal(err)
				}
				before := s.fit
				if incremental, err = s.Provisional(); err != nil {
					t.Fatal(err)
				}
				if before != nil && s.fit == before {
					extended++
				}
			}
			if extended < 2 {
				t.Fatalf("%d of the provisional passes were incremental, want at least 2", extended)
			}

			full, err := d.NewSession(channels)
			if err != nil {
				t.Fatal(err)
			}
			if err := full.Write(samples); err != nil {
				t.Fatal(err)
			}
			whole, err := full.Provisional()
			if err != nil {
				t.Fatal(err)
			}
			if got := score(t, hypothesis(whole), incremental).DER(); got > maxIncrementalDER {
				t.Errorf("DER of the incremental result against a full pass = %.3f, want at most %.2f", got, maxIncrementalDER)
			}
			t.Logf("%d incremental passes; DER against a full pass %.3f, against the reference %.3f (full pass %.3f)",
				extended, score(t, hypothesis(whole), incremental).DER(), score(t, f.ref, incremental).DER(), score(t, f.ref, whole).DER())
		})
	}
}
