package pipeline

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkSegment measures cutting a complete 2-channel recording of about
// one minute into jobs: reading and decoding from the real store, mixing
// down, voice activity detection and storing the jobs.
func BenchmarkSegment(b *testing.B) {
	signal, _ := meeting(b)
	for len(signal) < 60*16000 {
		more, _ := meeting(b)
		signal = append(signal, more...)
	}
	e := newEnv(b)
	p, err := New(e.st, &Options{Clock: e.clock, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	audio := time.Duration(len(signal)) * time.Second / 16000

	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := newRecording(b, e, fmt.Sprintf("rec-%d", i), 2, signal)
		r.end(b, e.st)
		rec, err := e.st.Recording(ctx, r.id)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		if _, err := p.Segment(ctx, rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(audio.Seconds()*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}
