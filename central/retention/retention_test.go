package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/retention/schedule"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// startLoop runs the wiper's loop until the test ends.
func (e *env) startLoop(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.wiper.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	})
}

// fireAt sets the clock to at and ends the loop's current wait.
func (e *env) fireAt(t *testing.T, at time.Time) {
	t.Helper()
	e.clock.Set(at)
	select {
	case e.timer.fire <- at:
	case <-time.After(10 * time.Second):
		t.Fatal("run loop did not take the timer within 10s")
	}
}

func (e *env) setLastRun(t *testing.T, at time.Time) {
	t.Helper()
	if err := e.st.SetLastWipeRun(context.Background(), at); err != nil {
		t.Fatal(err)
	}
}

func TestWeeklyWipeBoundaryToTheSecond(t *testing.T) {
	run := utc("2026-12-04T17:00:00Z") // Friday 18:00 in Stockholm
	e := newEnv(t, schedule.Default(), run)
	e.record(t, "rec-old", run.Add(-72*time.Hour), recOpts{end: true, transcript: true})
	e.record(t, "rec-exact", run.Add(-48*time.Hour), recOpts{end: true})
	e.record(t, "rec-young", run.Add(-48*time.Hour+time.Second), recOpts{end: true})
	e.record(t, "rec-new", run.Add(-time.Hour), recOpts{})
	e.setLastRun(t, utc("2026-11-27T17:00:00Z"))

	e.clock.Set(run.Add(-time.Hour))
	e.startLoop(t)
	if got := e.timer.nextWait(t); got != time.Hour {
		t.Fatalf("first wait = %v, want 1h until the Friday run", got)
	}
	if got := len(e.wipeEntries(t)); got != 0 {
		t.Fatalf("wipe entries before the run = %d, want 0", got)
	}

	e.fireAt(t, run)
	if got, want := e.timer.nextWait(t), 7*24*time.Hour; got != want {
		t.Errorf("wait after the run = %v, want %v", got, want)
	}

	if diff := cmp.Diff([]string{"rec-young", "rec-new"}, e.heldIDs(t)); diff != "" {
		t.Errorf("held after the run (-want +got):\n%s", diff)
	}
	for _, rec := range []string{"rec-old", "rec-exact"} {
		if _, err := e.st.Recording(context.Background(), rec); !errors.Is(err, store.ErrDeleted) {
			t.Errorf("Recording(%s) after the run = %v, want ErrDeleted", rec, err)
		}
	}
	periods, err := e.st.PeriodKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"2026-12-11T17:00:00Z"}, periods); diff != "" {
		t.Errorf("period keys after the run (-want +got):\n%s", diff)
	}
	if last, err := e.st.LastWipeRun(context.Background()); err != nil || !last.Equal(run) {
		t.Errorf("LastWipeRun = %v, %v, want %v", last, err, run)
	}

	entries := e.wipeEntries(t)
	if len(entries) != 3 {
		t.Fatalf("wipe entries = %d, want one per recording and one for the run: %+v", len(entries), entries)
	}
	old := entries[0]
	if old.RecordingID != "rec-old" || old.Actor != "schedule" || old.Role != audit.RoleSystem || old.BoxID != "rum-12" {
		t.Errorf("first receipt entry = %+v, want rec-old by the schedule", old)
	}
	if old.Detail["chunks"] != "2" || old.Detail["segments"] != "1" || old.Detail["events"] != "2" || old.Detail["sealed_bytes"] == "0" {
		t.Errorf("receipt detail of rec-old = %v, want 2 chunks, 1 segment, 2 events and sealed bytes", old.Detail)
	}
	summary := entries[2]
	if summary.RecordingID != "" || summary.Detail["recordings"] != "2" || summary.Detail["chunks"] != "4" ||
		summary.Detail["periods"] != "2026-12-04T17:00:00Z" || summary.Detail["missed_run"] != "" {
		t.Errorf("run receipt = %+v, want 2 recordings, 4 chunks, period 2026-12-04T17:00:00Z and no missed run", summary)
	}
}

func TestMissedRunHappensAtStart(t *testing.T) {
	e := newEnv(t, schedule.Default(), utc("2026-12-01T09:00:00Z"))
	e.record(t, "rec-1", utc("2026-12-01T09:00:00Z"), recOpts{end: true})
	e.record(t, "rec-2", utc("2026-12-10T09:00:00Z"), recOpts{end: true})
	e.setLastRun(t, utc("2026-11-27T17:00:00Z"))

	// The service was down over the runs of 4 and 11 December.
	restart := utc("2026-12-14T07:00:00Z")
	e.clock.Set(restart)
	e.startLoop(t)
	if got, want := e.timer.nextWait(t), utc("2026-12-18T17:00:00Z").Sub(restart); got != want {
		t.Errorf("wait after the make-up run = %v, want %v until Friday 18 December", got, want)
	}

	if held := e.heldIDs(t); len(held) != 0 {
		t.Errorf("held after the make-up run = %v, want none", held)
	}
	entries := e.wipeEntries(t)
	if len(entries) != 3 {
		t.Fatalf("wipe entries = %d, want 3", len(entries))
	}
	if got := entries[2].Detail["missed_run"]; got != "2026-12-04T17:00:00Z" {
		t.Errorf("missed_run = %q, want the first missed run 2026-12-04T17:00:00Z", got)
	}
	if !entries[2].Time.Equal(restart) {
		t.Errorf("receipt time = %v, want the restart %v", entries[2].Time, restart)
	}
}

func TestFirstStartRunsAtOnce(t *testing.T) {
	start := utc("2026-12-02T10:00:00Z")
	e := newEnv(t, schedule.Default(), start)
	e.startLoop(t)
	if got, want := e.timer.nextWait(t), utc("2026-12-04T17:00:00Z").Sub(start); got != want {
		t.Errorf("wait after the first run = %v, want %v", got, want)
	}
	if last, err := e.st.LastWipeRun(context.Background()); err != nil || !last.Equal(start) {
		t.Errorf("LastWipeRun after first start = %v, %v, want %v", last, err, start)
	}
}

func TestScheduleAcrossDaylightSaving(t *testing.T) {
	tests := []struct {
		name     string
		lastRun  string
		runs     []string // consecutive Friday 18:00 runs in UTC
		wantGaps []time.Duration
	}{
		{
			name:     "spring_change_28_march_2027",
			lastRun:  "2027-03-19T17:00:00Z",
			runs:     []string{"2027-03-26T17:00:00Z", "2027-04-02T16:00:00Z", "2027-04-09T16:00:00Z"},
			wantGaps: []time.Duration{167 * time.Hour, 168 * time.Hour},
		},
		{
			name:     "autumn_change_25_october_2026",
			lastRun:  "2026-10-16T16:00:00Z",
			runs:     []string{"2026-10-23T16:00:00Z", "2026-10-30T17:00:00Z", "2026-11-06T17:00:00Z"},
			wantGaps: []time.Duration{169 * time.Hour, 168 * time.Hour},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, second := utc(tt.runs[0]), utc(tt.runs[1])
			e := newEnv(t, schedule.Default(), first)
			// Exactly 48 hours old at the run across the change, and one second younger.
			e.record(t, "rec-due", second.Add(-48*time.Hour), recOpts{end: true})
			e.record(t, "rec-next", second.Add(-48*time.Hour+time.Second), recOpts{end: true})
			e.setLastRun(t, utc(tt.lastRun))

			e.clock.Set(first.Add(-time.Minute))
			e.startLoop(t)
			if got := e.timer.nextWait(t); got != time.Minute {
				t.Fatalf("first wait = %v, want 1m", got)
			}
			e.fireAt(t, first)
			for i, gap := range tt.wantGaps {
				if got := e.timer.nextWait(t); got != gap {
					t.Errorf("wait after run %s = %v, want %v", tt.runs[i], got, gap)
				}
				if i == 1 {
					if diff := cmp.Diff([]string{"rec-next"}, e.heldIDs(t)); diff != "" {
						t.Errorf("held after the run across the change (-want +got):\n%s", diff)
					}
				}
				e.fireAt(t, utc(tt.runs[i+1]))
			}
			e.timer.nextWait(t)
			if held := e.heldIDs(t); len(held) != 0 {
				t.Errorf("held after the third run = %v, want none", held)
			}

			var runTimes []string
			for _, en := range e.wipeEntries(t) {
				if en.RecordingID == "" {
					runTimes = append(runTimes, en.Time.UTC().Format(time.RFC3339))
				}
			}
			if diff := cmp.Diff(tt.runs, runTimes); diff != "" {
				t.Errorf("run receipts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecordingInProgressIsWiped(t *testing.T) {
	run := utc("2026-12-04T17:00:00Z")
	e := newEnv(t, schedule.Default(), run)
	// Consent 50 hours before the run; the box is still recording and a transcription job is open.
	e.record(t, "rec-open", run.Add(-50*time.Hour), recOpts{pendingJob: true})
	ctx := context.Background()
	jobs, err := e.st.Jobs(ctx, "rec-open")
	if err != nil || len(jobs) != 1 {
		t.Fatalf("Jobs = %v, %v, want one open job", jobs, err)
	}

	e.clock.Set(run)
	if _, err := e.wiper.run(ctx, bySchedule, time.Time{}); err != nil {
		t.Fatal(err)
	}

	entries := e.wipeEntries(t)
	if len(entries) != 2 || entries[0].Detail["state"] != string(store.StateRecording) {
		t.Errorf("receipt = %+v, want rec-open wiped in state recording", entries)
	}
	h := protocol.ChunkHeader{Format: pcmMono, FirstFrame: 3200, Frames: 1600, CapturedAt: run}
	if _, err := e.st.PutChunk(ctx, "rum-12", "rec-open", 2, h, audioOf("rec-open", 1600)); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("PutChunk after the wipe = %v, want ErrDeleted (the box is told the recording is deleted)", err)
	}
	seg := store.Segment{Start: 0, End: time.Second, Text: transcriptOf("rec-open"), Engine: "whisper-server"}
	if err := e.st.FinishJob(ctx, jobs[0].ID, []store.Segment{seg}); err == nil {
		t.Error("FinishJob of the open job after the wipe = nil error, want an error")
	}
	if _, _, err := e.st.ReadAudio(ctx, "rec-open", 0, 1600); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("ReadAudio after the wipe = %v, want ErrDeleted", err)
	}
}

func TestRollingWipesAtMaxAge(t *testing.T) {
	start := utc("2026-12-01T10:20:00Z")
	e := newEnv(t, schedule.DefaultRolling(), start)
	e.record(t, "rec-1", start, recOpts{end: true})
	e.record(t, "rec-2", start.Add(time.Minute), recOpts{end: true})
	deadline := start.Add(48 * time.Hour)
	e.setLastRun(t, deadline.Add(-time.Minute))

	e.clock.Set(deadline.Add(-time.Second))
	e.startLoop(t)
	if got := e.timer.nextWait(t); got != time.Second {
		t.Fatalf("wait before the deadline = %v, want 1s", got)
	}
	if diff := cmp.Diff([]string{"rec-1", "rec-2"}, e.heldIDs(t)); diff != "" {
		t.Errorf("held one second before 48 hours (-want +got):\n%s", diff)
	}

	e.fireAt(t, deadline)
	if got := e.timer.nextWait(t); got != time.Minute {
		t.Errorf("wait after the check = %v, want 1m", got)
	}
	if diff := cmp.Diff([]string{"rec-2"}, e.heldIDs(t)); diff != "" {
		t.Errorf("held at 48 hours sharp (-want +got):\n%s", diff)
	}
	// rec-1 was deleted key first; its period key goes when the hour ends.
	periods, _ := e.st.PeriodKeys(context.Background())
	if diff := cmp.Diff([]string{"2026-12-03T11:00:00Z"}, periods); diff != "" {
		t.Errorf("period keys before the hour ends (-want +got):\n%s", diff)
	}

	e.fireAt(t, deadline.Add(time.Minute))
	e.timer.nextWait(t)
	if held := e.heldIDs(t); len(held) != 0 {
		t.Errorf("held after rec-2 turned 48 hours = %v, want none", held)
	}
	e.fireAt(t, utc("2026-12-03T11:00:00Z"))
	e.timer.nextWait(t)
	if periods, _ := e.st.PeriodKeys(context.Background()); len(periods) != 0 {
		t.Errorf("period keys after the hour ended = %v, want none", periods)
	}

	// Checks that deleted nothing leave no receipt.
	var runs int
	for _, en := range e.wipeEntries(t) {
		if en.RecordingID == "" {
			runs++
		}
	}
	if runs != 3 {
		t.Errorf("run receipts = %d, want 3 (two deletions and one period key)", runs)
	}
}

func TestWipeNowByPerson(t *testing.T) {
	run := utc("2026-12-02T12:00:00Z")
	e := newEnv(t, schedule.Default(), run)
	e.record(t, "rec-1", run.Add(-49*time.Hour), recOpts{end: true})
	e.record(t, "rec-2", run.Add(-47*time.Hour), recOpts{end: true})
	e.clock.Set(run)

	r, err := e.wiper.WipeNow(context.Background(), By{Actor: "it-1", Role: audit.RoleIT, Device: "browser-3", Reason: "extra gallring"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Recordings) != 1 || r.Recordings[0].ID != "rec-1" || len(r.Periods) != 0 {
		t.Errorf("receipt = %+v, want rec-1 deleted alone, its period key kept", r)
	}
	entries := e.wipeEntries(t)
	if len(entries) != 2 || entries[1].Actor != "it-1" || entries[1].Role != audit.RoleIT || entries[1].Reason != "extra gallring" {
		t.Errorf("receipt entries = %+v, want two by it-1 with the reason", entries)
	}
	if _, err := e.wiper.WipeNow(context.Background(), By{}); err == nil {
		t.Error("WipeNow without actor = nil error, want an error")
	}
}

func TestFailedReceiptKeepsRunDue(t *testing.T) {
	run := utc("2026-12-04T17:00:00Z")
	e := newEnv(t, schedule.Default(), run)
	e.record(t, "rec-1", run.Add(-72*time.Hour), recOpts{end: true})
	e.clock.Set(run)
	if err := e.audit.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := e.wiper.run(context.Background(), bySchedule, time.Time{}); err == nil {
		t.Fatal("run with a closed access log = nil error, want an error")
	}
	if last, err := e.st.LastWipeRun(context.Background()); err != nil || !last.IsZero() {
		t.Errorf("LastWipeRun after a failed receipt = %v, %v, want zero so the run repeats", last, err)
	}
}

func TestWipeTimeForDisplay(t *testing.T) {
	e := newEnv(t, schedule.Default(), utc("2026-12-01T00:00:00Z"))
	tests := []struct {
		name string
		rec  store.Recording
		want string
	}{
		{"consent_counts", store.Recording{FirstSeen: utc("2026-12-02T17:00:05Z"), ConsentAt: utc("2026-12-02T17:00:00Z")}, "2026-12-04T17:00:00Z"},
		{"box_clock_ahead", store.Recording{FirstSeen: utc("2026-12-02T17:00:00Z"), ConsentAt: utc("2026-12-02T18:00:00Z")}, "2026-12-04T17:00:00Z"},
		{"no_consent_yet", store.Recording{FirstSeen: utc("2026-12-02T17:00:01Z")}, "2026-12-11T17:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.wiper.WipeTime(tt.rec); !got.Equal(utc(tt.want)) {
				t.Errorf("WipeTime(%+v) = %s, want %s", tt.rec, got.UTC(), tt.want)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	e := newEnv(t, schedule.Default(), utc("2026-12-01T00:00:00Z"))
	if _, err := New(e.st, nil); err == nil {
		t.Error("New without an access log = nil error, want an error")
	}
	bad := schedule.Default()
	bad.Hour = 25
	if _, err := New(e.st, &Options{Audit: e.audit, Schedule: &bad}); err == nil {
		t.Error("New with hour 25 = nil error, want an error")
	}
}

func TestLegacyWeekPeriodIsWiped(t *testing.T) {
	e := newEnv(t, schedule.Default(), utc("2026-12-01T09:00:00Z"))
	// Reopen the store as an earlier version wrote it: period keys named by ISO week.
	e.st.Close()
	week := func(t time.Time) string {
		y, w := t.In(e.sched.Location).ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	}
	st, err := store.Open(e.dbPath, e.keys, &store.Options{Now: e.clock.Now, Logger: slog.New(slog.DiscardHandler), PeriodOf: week})
	if err != nil {
		t.Fatal(err)
	}
	e.st = st
	t.Cleanup(func() { st.Close() })
	if e.wiper, err = New(e.st, &Options{Audit: e.audit, Now: e.clock.Now, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	e.record(t, "rec-mon", utc("2026-11-30T09:00:00Z"), recOpts{end: true}) // Monday of week 49
	e.record(t, "rec-sun", utc("2026-12-06T22:00:00Z"), recOpts{end: true}) // Sunday 23:00 of week 49

	// On 4 December rec-mon is due but its week still holds a younger recording.
	e.clock.Set(utc("2026-12-04T17:00:00Z"))
	if _, err := e.wiper.run(context.Background(), bySchedule, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"rec-sun"}, e.heldIDs(t)); diff != "" {
		t.Errorf("held after 4 December (-want +got):\n%s", diff)
	}
	if periods, _ := e.st.PeriodKeys(context.Background()); len(periods) != 1 || periods[0] != "2026-W49" {
		t.Errorf("period keys after 4 December = %v, want [2026-W49] kept", periods)
	}

	// On 11 December the whole week is due and its key goes.
	e.clock.Set(utc("2026-12-11T17:00:00Z"))
	r, err := e.wiper.run(context.Background(), bySchedule, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"2026-W49"}, r.Periods); diff != "" {
		t.Errorf("periods destroyed on 11 December (-want +got):\n%s", diff)
	}
	if held := e.heldIDs(t); len(held) != 0 {
		t.Errorf("held after 11 December = %v, want none", held)
	}
}
