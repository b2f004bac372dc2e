package audit

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// BenchmarkVerify1M measures Verify over a chain of one million entries in a
// SQLite file, each like an ordinary read entry with a small detail.
func BenchmarkVerify1M(b *testing.B) {
	const total, batch = 1_000_000, 10_000
	e := newEnv(b, &Options{SignAfter: batch})
	ctx := context.Background()
	entries := make([]Entry, batch)
	for n := 0; n < total; n += batch {
		for i := range entries {
			e.clock.Advance(time.Second)
			entries[i] = readEntry("user-"+strconv.Itoa(i%50), "rec-"+strconv.Itoa((n+i)/20))
			entries[i].Detail = map[string]string{"segment": strconv.Itoa(i % 300)}
		}
		if _, err := e.log.AppendBatch(ctx, entries); err != nil {
			b.Fatal(err)
		}
	}
	if err := e.log.SignHead(ctx); err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	for b.Loop() {
		res, err := e.log.Verify(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !res.OK() || res.Entries != total {
			b.Fatalf("Verify = %d entries, %d breaks, want %d intact", res.Entries, len(res.Breaks), total)
		}
	}
}

// BenchmarkAppend measures appending one entry in its own transaction.
func BenchmarkAppend(b *testing.B) {
	e := newEnv(b, nil)
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.log.Append(ctx, readEntry("anna", "rec-1")); err != nil {
			b.Fatal(err)
		}
	}
}
