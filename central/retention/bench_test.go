package retention

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/retention/schedule"
)

// BenchmarkWipe1000 measures one scheduled run that wipes 1,000 recordings,
// each with consent and end events, two 0.1 s PCM chunks and one transcript
// segment, spread over three wipe periods, and writes 1,001 receipt entries.
func BenchmarkWipe1000(b *testing.B) {
	run := utc("2026-12-04T17:00:00Z")
	n := 0
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b, schedule.Default(), run)
		for i := 0; i < 1000; i++ {
			start := run.Add(-48*time.Hour - time.Duration(i)*10*time.Minute)
			e.record(b, fmt.Sprintf("rec-%d-%04d", n, i), start, recOpts{end: true, transcript: true})
		}
		n++
		e.clock.Set(run)
		b.StartTimer()

		r, err := e.wiper.run(context.Background(), bySchedule, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Recordings) != 1000 {
			b.Fatalf("wiped %d recordings, want 1000", len(r.Recordings))
		}
	}
}
