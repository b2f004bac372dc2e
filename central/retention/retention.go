// Package retention runs the central service's wipe. On the configured
// schedule (by default every Friday at 18:00 Europe/Stockholm) it deletes
// every recording that is 48 hours old or older with everything that
// belongs to it, and writes a receipt of each wipe to the access log.
// Under the default rule a recording lives at most nine days: one that is
// a moment too young for a Friday run waits for the next one.
//
// Deletion is key first. Each recording's key is wrapped by the key of its
// wipe period, and a period is named by the wipe run that deletes its
// recordings (see package schedule), so a run destroys whole period keys:
// copies of the content left in SQLite free pages, the WAL, flash blocks
// or backups become unreadable. Recordings whose age counts from a consent
// time earlier than their arrival can fall due before their period; they
// are deleted one by one, again key first.
//
// A recording's age counts from its Start (the earlier of the box's consent
// time and the central service's first receipt). A recording that is still
// being recorded or transcribed when it reaches the age is wiped anyway,
// because the rule is about age: the box's later chunks are answered with
// "deleted" and dropped, and a running transcription job finds the
// recording gone and discards its result.
//
// A run missed while the service was down happens at the next start: the
// time of the last run is stored in the store and Run compares it with the
// schedule before it waits.
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/retention/schedule"
	"github.com/ordagrann/ordagrann/central/store"
)

// Store is the part of *store.Store that the wipe uses.
type Store interface {
	HeldRecordings(ctx context.Context) ([]store.HeldRecording, error)
	PeriodKeys(ctx context.Context) ([]string, error)
	DestroyPeriodKey(ctx context.Context, period, reason string) ([]string, error)
	DeleteRecordings(ctx context.Context, recs []string, reason string) ([]string, error)
	LastWipeRun(ctx context.Context) (time.Time, error)
	SetLastWipeRun(ctx context.Context, t time.Time) error
}

var _ Store = (*store.Store)(nil)

// AuditLog receives wipe receipts. *audit.Log implements it.
type AuditLog interface {
	AppendBatch(ctx context.Context, entries []audit.Entry) ([]audit.Entry, error)
}

// pruner is implemented by an AuditLog whose old entries the wipe run also prunes.
type pruner interface {
	PruneExpired(ctx context.Context) (int64, error)
}

// DefaultMaxWait is the longest the run loop waits before it reads the
// clock again, so a clock that jumps (a suspended host, a corrected time)
// delays a wipe by at most this much.
const DefaultMaxWait = time.Minute

// Options configures New. Nil or zero fields mean the documented defaults.
type Options struct {
	// Schedule is the wipe rule. Default: schedule.Default(), every Friday
	// at 18:00 Europe/Stockholm. schedule.DefaultRolling() deletes at 48
	// hours sharp. The store must be opened with Schedule.PeriodOf as
	// store.Options.PeriodOf so that period keys line up with wipe runs.
	Schedule *schedule.Schedule
	// Audit receives a receipt of every wipe. Required.
	Audit AuditLog
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
	// After waits like time.After. Default: time.After.
	After func(time.Duration) <-chan time.Time
	// MaxWait is the longest wait before the loop reads the clock again. Default: DefaultMaxWait.
	MaxWait time.Duration
	// Logger receives run events with ids and counts. Default: slog.Default().
	Logger *slog.Logger
}

// Wiper runs wipes. It is safe for concurrent use; runs do not overlap.
type Wiper struct {
	st      Store
	audit   AuditLog
	sched   schedule.Schedule
	now     func() time.Time
	after   func(time.Duration) <-chan time.Time
	maxWait time.Duration
	log     *slog.Logger

	runMu     chan struct{} // a one-slot semaphore held during a run
	lastPrune time.Time     // guarded by runMu
}

// pruneEvery is how often a run also prunes the access log, which verifies its whole chain first.
const pruneEvery = 24 * time.Hour

// New returns a Wiper for st.
func New(st Store, opts *Options) (*Wiper, error) {
	if st == nil {
		return nil, errors.New("creating wiper: nil store")
	}
	if opts == nil || opts.Audit == nil {
		return nil, errors.New("creating wiper: missing Options.Audit: every wipe must leave a receipt")
	}
	w := &Wiper{
		st: st, audit: opts.Audit, sched: schedule.Default(),
		now: opts.Now, after: opts.After, maxWait: opts.MaxWait, log: opts.Logger,
		runMu: make(chan struct{}, 1),
	}
	if opts.Schedule != nil {
		w.sched = *opts.Schedule
	}
	if err := w.sched.Validate(); err != nil {
		return nil, fmt.Errorf("creating wiper: %w", err)
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.after == nil {
		w.after = time.After
	}
	if w.maxWait <= 0 {
		w.maxWait = DefaultMaxWait
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	return w, nil
}

// Schedule returns the wipe rule.
func (w *Wiper) Schedule() schedule.Schedule { return w.sched }

// WipeTime returns when rec is wiped under the rule, for display next to it.
func (w *Wiper) WipeTime(rec store.Recording) time.Time {
	return w.sched.WipeTime(rec.Start())
}

// By identifies who started a wipe: the schedule, or a person wiping by hand.
type By struct {
	Actor  string
	Role   audit.Role
	Device string
	Reason string
}

// bySchedule is the actor of scheduled runs.
var bySchedule = By{Actor: "schedule", Role: audit.RoleSystem}

// Receipt lists the deletions of one wipe run. It holds no content.
type Receipt struct {
	RunAt time.Time
	By    By
	// Missed is the scheduled run that this one makes up for, or zero.
	Missed time.Time
	// Periods are the wipe periods whose keys were destroyed.
	Periods    []string
	Recordings []store.HeldRecording
	// Totals over Recordings.
	Chunks, Events, Segments, SealedBytes int64
}

// Run waits for each scheduled run and wipes, until ctx is done. Before it
// first waits, it makes up for a run missed while the service was down. A
// failed run is logged and retried at the next wake-up, at most MaxWait
// later. It returns ctx's error.
func (w *Wiper) Run(ctx context.Context) error {
	w.log.Info("wipe schedule started", "mode", w.sched.Mode.String(), "max_age", w.sched.MaxAge,
		"next_run", w.sched.NextRun(w.now()).UTC())
	for {
		due, missed, err := w.due(ctx)
		if err != nil {
			w.log.Error("wipe schedule check failed", "error", err)
		}
		wait := w.maxWait
		if err == nil && !due.After(w.now()) {
			_, err = w.run(ctx, bySchedule, missed)
			if err == nil {
				continue
			}
			if ctx.Err() == nil {
				w.log.Error("wipe failed", "error", err) // retried after MaxWait
			}
		} else if err == nil {
			wait = min(due.Sub(w.now()), w.maxWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.after(wait):
		}
	}
}

// missedAfter is how late a run may start and still count as on time.
const missedAfter = time.Minute

// due returns the next scheduled run after the last one, and that run
// itself as missed when it is already more than missedAfter past.
func (w *Wiper) due(ctx context.Context) (due, missed time.Time, err error) {
	last, err := w.st.LastWipeRun(ctx)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	now := w.now()
	if last.IsZero() {
		// A new store: the first run happens at once and finds little to do.
		return now, time.Time{}, nil
	}
	due = w.sched.NextRun(last.Add(time.Nanosecond))
	if now.Sub(due) > missedAfter {
		missed = due
	}
	return due, missed, nil
}

// WipeNow runs a wipe at once on behalf of by, as the schedule would.
func (w *Wiper) WipeNow(ctx context.Context, by By) (Receipt, error) {
	if by.Actor == "" || by.Role == "" {
		return Receipt{}, errors.New("wiping: missing actor or role")
	}
	return w.run(ctx, by, time.Time{})
}

// run deletes everything due now: the keys of due periods with their
// recordings, then the due recordings of later periods. It stores the run
// time and writes the receipt.
func (w *Wiper) run(ctx context.Context, by By, missed time.Time) (Receipt, error) {
	select {
	case w.runMu <- struct{}{}:
	case <-ctx.Done():
		return Receipt{}, ctx.Err()
	}
	defer func() { <-w.runMu }()

	now := w.now()
	r := Receipt{RunAt: now, By: by, Missed: missed}
	if !missed.IsZero() {
		w.log.Warn("making up for missed wipe", "missed_run", missed.UTC())
	}
	held, err := w.st.HeldRecordings(ctx)
	if err != nil {
		return Receipt{}, fmt.Errorf("wiping: %w", err)
	}
	periods, err := w.st.PeriodKeys(ctx)
	if err != nil {
		return Receipt{}, fmt.Errorf("wiping: %w", err)
	}

	plan := w.plan(now, held, periods)
	reason := "wipe:" + by.Actor
	for _, p := range plan.periods {
		ids, err := w.st.DestroyPeriodKey(ctx, p, reason)
		if err != nil {
			return Receipt{}, w.partial(ctx, r, fmt.Errorf("wiping period %s: %w", p, err))
		}
		r.Periods = append(r.Periods, p)
		r.addDeleted(ids, plan.byID)
	}
	if len(plan.single) > 0 {
		ids, err := w.st.DeleteRecordings(ctx, plan.single, reason)
		if err != nil {
			return Receipt{}, w.partial(ctx, r, fmt.Errorf("wiping %d recordings: %w", len(plan.single), err))
		}
		r.addDeleted(ids, plan.byID)
	}

	// A rolling check that deleted nothing leaves no receipt, or the log
	// would fill with one entry a minute; every other run leaves one.
	empty := len(r.Recordings) == 0 && len(r.Periods) == 0
	if !empty || w.sched.Mode == schedule.Weekly || by != bySchedule {
		if err := w.writeReceipt(ctx, r); err != nil {
			return r, err
		}
	}
	if err := w.st.SetLastWipeRun(ctx, now); err != nil {
		return r, fmt.Errorf("wiping: %w", err)
	}
	level := slog.LevelInfo
	if empty && w.sched.Mode == schedule.Rolling {
		level = slog.LevelDebug
	}
	w.log.Log(ctx, level, "wipe finished", "recordings", len(r.Recordings), "periods", len(r.Periods),
		"chunks", r.Chunks, "segments", r.Segments, "sealed_bytes", r.SealedBytes, "actor", by.Actor)

	if now.Sub(w.lastPrune) >= pruneEvery {
		w.lastPrune = now
		w.pruneAudit(ctx)
	}
	return r, nil
}

// partial writes the receipt of what a failed run deleted before err, and returns err.
func (w *Wiper) partial(ctx context.Context, r Receipt, err error) error {
	if len(r.Recordings) > 0 {
		if rerr := w.writeReceipt(ctx, r); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}
	return err
}

// wipePlan lists the period keys and recordings that a run deletes.
type wipePlan struct {
	periods []string // period keys to destroy
	single  []string // recordings of other periods that are due
	byID    map[string]store.HeldRecording
}

// plan chooses the periods and recordings that are due at now. A period is
// destroyed when its wipe time has come and every recording in it is due.
// A period that contains a recording that is not due yet (after the rule
// was made laxer) keeps its key, and its due recordings are deleted one by one.
func (w *Wiper) plan(now time.Time, held []store.HeldRecording, periods []string) wipePlan {
	p := wipePlan{byID: make(map[string]store.HeldRecording, len(held))}
	youngIn := map[string]bool{} // periods holding a recording that is not due
	for _, h := range held {
		p.byID[h.ID] = h
		if !w.sched.Due(h.Start(), now) {
			youngIn[h.Period] = true
		}
	}

	destroy := map[string]bool{}
	for _, id := range periods {
		due, err := w.sched.ParsePeriodID(id)
		if err != nil {
			w.log.Warn("wipe period id not understood, key kept", "period", id, "error", err)
			continue
		}
		if due.After(now) {
			continue
		}
		if youngIn[id] {
			w.log.Warn("wipe period contains recordings that are not due, key kept", "period", id)
			continue
		}
		destroy[id] = true
		p.periods = append(p.periods, id)
	}
	slices.Sort(p.periods)

	for _, h := range held {
		if !destroy[h.Period] && w.sched.Due(h.Start(), now) {
			p.single = append(p.single, h.ID)
		}
	}
	return p
}

func (r *Receipt) addDeleted(ids []string, byID map[string]store.HeldRecording) {
	for _, id := range ids {
		h := byID[id]
		h.ID = id
		r.Recordings = append(r.Recordings, h)
		r.Chunks += h.Chunks
		r.Events += h.Events
		r.Segments += h.Segments
		r.SealedBytes += h.SealedBytes
	}
}

// writeReceipt appends one wipe entry per deleted recording and one for the
// run, in one transaction.
func (w *Wiper) writeReceipt(ctx context.Context, r Receipt) error {
	runID := r.RunAt.UTC().Format(time.RFC3339Nano)
	entries := make([]audit.Entry, 0, len(r.Recordings)+1)
	for _, h := range r.Recordings {
		entries = append(entries, audit.Entry{
			Time: r.RunAt, Actor: r.By.Actor, Role: r.By.Role, Action: audit.ActionWipe, Device: r.By.Device,
			Reason: r.By.Reason, RecordingID: h.ID, BoxID: h.BoxID,
			Detail: map[string]string{
				"run":          runID,
				"period":       h.Period,
				"state":        string(h.State),
				"started":      h.Start().UTC().Format(time.RFC3339),
				"chunks":       strconv.FormatInt(h.Chunks, 10),
				"events":       strconv.FormatInt(h.Events, 10),
				"segments":     strconv.FormatInt(h.Segments, 10),
				"sealed_bytes": strconv.FormatInt(h.SealedBytes, 10),
			},
		})
	}

	detail := map[string]string{
		"run":          runID,
		"mode":         w.sched.Mode.String(),
		"max_age":      w.sched.MaxAge.String(),
		"recordings":   strconv.Itoa(len(r.Recordings)),
		"chunks":       strconv.FormatInt(r.Chunks, 10),
		"events":       strconv.FormatInt(r.Events, 10),
		"segments":     strconv.FormatInt(r.Segments, 10),
		"sealed_bytes": strconv.FormatInt(r.SealedBytes, 10),
	}
	if len(r.Periods) > 0 {
		detail["periods"] = strings.Join(r.Periods, ",")
	}
	if !r.Missed.IsZero() {
		detail["missed_run"] = r.Missed.UTC().Format(time.RFC3339)
	}
	entries = append(entries, audit.Entry{
		Time: r.RunAt, Actor: r.By.Actor, Role: r.By.Role, Action: audit.ActionWipe, Device: r.By.Device,
		Reason: r.By.Reason, Detail: detail,
	})

	if _, err := w.audit.AppendBatch(ctx, entries); err != nil {
		// The deletion is done, so the ids in this log line are all that is left of the receipt.
		ids := make([]string, len(r.Recordings))
		for i, h := range r.Recordings {
			ids[i] = h.ID
		}
		w.log.Error("wipe receipt not written", "run", runID, "recording_ids", ids, "error", err)
		return fmt.Errorf("writing wipe receipt: %w", err)
	}
	return nil
}

func (w *Wiper) pruneAudit(ctx context.Context) {
	p, ok := w.audit.(pruner)
	if !ok {
		return
	}
	if _, err := p.PruneExpired(ctx); err != nil {
		w.log.Error("audit log prune failed", "error", err)
	}
}
