package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/firmware/app"
	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/hal/sim"
)

// BenchmarkStopToComplete measures the time from the end of a recording on
// the box (the LED turns to "sending") until the central service holds every
// chunk. The 37 s two-channel meeting is captured faster than real time, so
// the whole recording is still in flight at the stop: a worst case, like a
// box catching up after a broker outage. Each iteration starts a fresh box
// with its own spool; only the stop-to-complete stretch is timed.
func BenchmarkStopToComplete(b *testing.B) {
	f := newBenchFleet(b)
	c := f.startCentral(b, "")
	ctx := context.Background()

	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		logger, _ := newLogger(b, "box")
		mic, err := sim.NewWAVMicrophone(meeting2ch, &sim.WAVOptions{AtEnd: sim.EndEOF})
		if err != nil {
			b.Fatal(err)
		}
		boxCtx, cancel := context.WithCancel(ctx)
		bx, err := app.Start(boxCtx, app.Config{EnrollmentDir: f.boxDir, SpoolPath: filepath.Join(f.root, fmt.Sprintf("spool-%d.db", i)),
			Microphone: mic, Logger: logger})
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- bx.Wait(boxCtx) }()

		uid, _ := hexBytes(badgeUID)
		bx.Board().TapBadge(uid)
		waitCtx, stop := context.WithTimeout(ctx, 30*time.Second)
		if err := bx.Board().WaitLED(waitCtx, hal.LEDConsentWaiting); err != nil {
			b.Fatal(err)
		}
		bx.Board().PressGreen()
		if err := bx.Board().WaitLED(waitCtx, hal.LEDSending); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for {
			recs, err := c.svc.Store().Recordings(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if len(recs) == i+1 && recs[0].Complete {
				break
			}
			if waitCtx.Err() != nil {
				b.Fatal("recording did not complete on the central service within 30 s")
			}
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		stop()
		cancel()
		<-done
	}
}
