package ingest_test

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// BenchmarkChunkToAck measures one 5-second chunk of 16 kHz mono PCM from a
// paho publish over loopback TCP, through the broker, decryption and a
// synchronous SQLite commit, to the ack at the box.
func BenchmarkChunkToAck(b *testing.B) {
	h := newHarness(b, harnessOptions{})
	frames := int(protocol.MaxChunkDuration/time.Second) * format.SampleRate
	audio := make([]byte, 2*frames)
	rand.Read(audio)

	messages := make([][]byte, b.N)
	for i := range messages {
		seq := uint64(i)
		header := protocol.ChunkHeader{Format: format, FirstFrame: seq * uint64(frames), Frames: frames, CapturedAt: time.Now()}
		msg, err := h.sealer.Seal("rec-bench", seq, header, audio)
		if err != nil {
			b.Fatal(err)
		}
		messages[i] = msg
	}

	b.SetBytes(int64(len(audio)))
	b.ResetTimer()
	for i, msg := range messages {
		h.publish(b, protocol.ChunkTopic("box-a", "rec-bench", uint64(i)), msg)
		if ack := h.nextAck(b); len(ack.Chunks) != 1 {
			b.Fatalf("ack = %+v, want chunk %d", ack, i)
		}
	}
	b.StopTimer()

	audioSeconds := float64(b.N) * protocol.MaxChunkDuration.Seconds()
	b.ReportMetric(audioSeconds/b.Elapsed().Seconds(), "x_realtime")
}
