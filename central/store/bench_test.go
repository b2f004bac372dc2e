package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// BenchmarkPutChunk stores 5-second chunks, each committed with
// synchronous=FULL. The figure it reports is the multiple of real time.
func BenchmarkPutChunk(b *testing.B) {
	for _, f := range []protocol.AudioFormat{pcmMono, flac2ch} {
		b.Run(fmt.Sprintf("%s-%dch", f.Codec, f.Channels), func(b *testing.B) {
			e := newEnv(b)
			ctx := context.Background()
			const frames = 5 * 16000
			h, audio := chunk(b, f, 0, frames)
			b.SetBytes(int64(len(audio)))
			b.ReportAllocs()

			b.ResetTimer()
			for i := range b.N {
				h.FirstFrame = uint64(i) * frames
				if _, err := e.s.PutChunk(ctx, "box-1", "rec-bench", uint64(i), h, audio); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()

			perChunk := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(5*time.Second)/float64(perChunk), "x_realtime")
		})
	}
}

func TestConcurrentWritesAndReads(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const boxes, chunks = 4, 5

	var wg sync.WaitGroup
	errs := make(chan error, boxes*chunks+boxes)
	for b := range boxes {
		box, rec := fmt.Sprintf("box-%d", b), fmt.Sprintf("rec-%d", b)
		wg.Add(2)
		go func() {
			defer wg.Done()
			for seq := range uint64(chunks) {
				h, audio := chunk(t, pcmMono, seq*1600, 1600)
				if _, err := e.s.PutChunk(ctx, box, rec, seq, h, audio); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range chunks {
				if _, err := e.s.Recordings(ctx); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	recs, err := e.s.Recordings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != boxes {
		t.Fatalf("Recordings = %d recordings, want %d", len(recs), boxes)
	}
	for _, r := range recs {
		if r.ChunksReceived != chunks || r.ContiguousFrames != chunks*1600 {
			t.Errorf("recording %s: %d chunks, %d contiguous frames, want %d, %d", r.ID, r.ChunksReceived, r.ContiguousFrames, chunks, chunks*1600)
		}
	}
}
