package speakers

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/board"
	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// memStore serves one recording's audio from memory, so that the
// benchmark measures diarization and not SQLite.
type memStore struct {
	rec     store.Recording
	samples []int16
	stored  store.Diarization
	hasDiar bool
}

func (m *memStore) Recordings(context.Context) ([]store.Recording, error) {
	return []store.Recording{m.rec}, nil
}

func (m *memStore) Recording(context.Context, string) (store.Recording, error) { return m.rec, nil }

func (m *memStore) ReadAudio(_ context.Context, _ string, from, to uint64) ([]int16, protocol.AudioFormat, error) {
	ch := uint64(m.rec.Format.Channels)
	return m.samples[from*ch : to*ch], m.rec.Format, nil
}

func (m *memStore) PutDiarization(_ context.Context, _ string, final bool, result []byte) error {
	m.stored, m.hasDiar = store.Diarization{Final: final, Result: result}, true
	return nil
}

func (m *memStore) Diarization(context.Context, string) (store.Diarization, error) {
	if !m.hasDiar {
		return store.Diarization{}, store.ErrNotFound
	}
	return m.stored, nil
}

func (m *memStore) Events(context.Context, string) ([]protocol.Event, error) { return nil, nil }

func (m *memStore) SpeakerCount(context.Context, string) (store.SpeakerCount, error) {
	return store.SpeakerCount{}, nil
}

func (m *memStore) PendingSpeakerCounts(context.Context) ([]string, error) { return nil, nil }

func (m *memStore) PutRediarization(ctx context.Context, rec string, final bool, result []byte, _ map[int]int, _ int64) error {
	return m.PutDiarization(ctx, rec, final, result)
}

// longRecording returns two hours of the two-speaker 2-mic fixture,
// repeated.
func longRecording(b *testing.B) *memStore {
	b.Helper()
	raw, err := os.ReadFile(fixture + ".flac")
	if err != nil {
		b.Fatal(err)
	}
	clip, rate, channels, err := audio.DecodeFLAC(raw)
	if err != nil {
		b.Fatal(err)
	}
	frames := 2 * 3600 * rate
	samples := make([]int16, 0, frames*channels)
	for len(samples) < frames*channels {
		samples = append(samples, clip[:min(len(clip), frames*channels-len(samples))]...)
	}
	format := protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: rate, Channels: channels, Bits: 16}
	return &memStore{rec: store.Recording{ID: "rec-long", Board: "respeaker-2mic", Format: format}, samples: samples}
}

// BenchmarkProvisionalPass measures one provisional pass over a two-hour
// 2-mic recording after 5 s of new audio arrived. "reread" is the pass
// as the runner made it before it kept sessions: read all audio and
// diarize it from the start. "kept" continues the recording's session.
// Audio comes from memory, so neither includes reading SQLite.
func BenchmarkProvisionalPass(b *testing.B) {
	const newFrames = 5 * 16000
	m := longRecording(b)
	total := uint64(len(m.samples) / m.rec.Format.Channels)
	quiet := slog.New(slog.DiscardHandler)

	b.Run("reread", func(b *testing.B) {
		profile, err := board.Lookup(m.rec.Board)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			samples, format, err := m.ReadAudio(context.Background(), m.rec.ID, 0, total)
			if err != nil {
				b.Fatal(err)
			}
			d, err := diarize.New(&diarize.Options{Mics: profile.Mics, Logger: quiet})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := d.Diarize(samples, format.Channels); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("kept", func(b *testing.B) {
		now := time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC)
		r, err := New(m, &Options{Now: func() time.Time { return now }, SessionMemory: 1 << 30, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		rec := m.rec
		rec.ContiguousFrames = total - uint64(b.N+1)*newFrames
		if _, err := r.Process(ctx, rec); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			now = now.Add(time.Minute)
			rec.ContiguousFrames += newFrames
			if ran, err := r.Process(ctx, rec); err != nil || !ran {
				b.Fatalf("Process = %v, %v", ran, err)
			}
		}
	})
}
