// Package schedule computes when the central service wipes recordings: the
// wipe runs of a schedule in local wall time, the exact wipe time of a
// recording and the wipe period whose key protects it.
//
// It is pure time arithmetic with no clock of its own, so central/keys,
// central/store and central/retention can share one definition of the rule.
package schedule

import (
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // the default schedule needs Europe/Stockholm even where the OS has no zoneinfo
)

// Mode selects how recordings are wiped.
type Mode int

const (
	// Weekly wipes at one wall-clock time a week, every recording that is
	// MaxAge old or older at that moment. A recording therefore lives between
	// MaxAge and MaxAge plus one week.
	Weekly Mode = iota
	// Rolling wipes each recording as soon as it is MaxAge old, checked every
	// CheckEvery.
	Rolling
)

// String returns "weekly" or "rolling".
func (m Mode) String() string {
	switch m {
	case Weekly:
		return "weekly"
	case Rolling:
		return "rolling"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode parses the output of Mode.String.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "weekly":
		return Weekly, nil
	case "rolling":
		return Rolling, nil
	}
	return 0, fmt.Errorf("invalid wipe mode %q: use weekly or rolling", s)
}

// Defaults of the fields of Schedule.
const (
	DefaultMaxAge       = 48 * time.Hour
	DefaultWeekday      = time.Friday
	DefaultHour         = 18
	DefaultCheckEvery   = time.Minute
	DefaultRollingSlice = time.Hour
	DefaultLocationName = "Europe/Stockholm"
)

// Schedule is a wipe rule. Use Default or New; the zero value is not valid.
type Schedule struct {
	Mode Mode
	// MaxAge is the age at which a recording is wiped: at the first weekly
	// run when it is MaxAge old or older, or at MaxAge sharp in rolling mode.
	MaxAge time.Duration

	// Weekday, Hour and Minute are the weekly run's wall-clock time in Location.
	Weekday      time.Weekday
	Hour, Minute int
	Location     *time.Location

	// CheckEvery is how often the rolling mode looks for recordings that
	// turned MaxAge old.
	CheckEvery time.Duration
	// RollingSlice is the length of a rolling wipe period: recordings that
	// turn MaxAge old in the same slice share a period key, which is
	// destroyed when the slice ends.
	RollingSlice time.Duration
}

var stockholm = mustLoadLocation(DefaultLocationName)

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("loading time zone %s: %v", name, err))
	}
	return loc
}

// Default returns the default rule: every Friday at 18:00 Europe/Stockholm,
// wipe every recording that is 48 hours old or older.
func Default() Schedule {
	return Schedule{
		Mode:         Weekly,
		MaxAge:       DefaultMaxAge,
		Weekday:      DefaultWeekday,
		Hour:         DefaultHour,
		Location:     stockholm,
		CheckEvery:   DefaultCheckEvery,
		RollingSlice: DefaultRollingSlice,
	}
}

// DefaultRolling returns the rolling rule: wipe each recording at 48 hours sharp.
func DefaultRolling() Schedule {
	s := Default()
	s.Mode = Rolling
	return s
}

// Validate returns an error that names the first invalid field.
func (s Schedule) Validate() error {
	switch {
	case s.Mode != Weekly && s.Mode != Rolling:
		return fmt.Errorf("invalid wipe mode %d", int(s.Mode))
	case s.MaxAge <= 0:
		return fmt.Errorf("invalid maximum age %v: must be positive", s.MaxAge)
	case s.Weekday < time.Sunday || s.Weekday > time.Saturday:
		return fmt.Errorf("invalid wipe weekday %d", int(s.Weekday))
	case s.Hour < 0 || s.Hour > 23 || s.Minute < 0 || s.Minute > 59:
		return fmt.Errorf("invalid wipe time %02d:%02d", s.Hour, s.Minute)
	case s.Location == nil:
		return errors.New("missing wipe time zone")
	case s.CheckEvery <= 0:
		return fmt.Errorf("invalid rolling check interval %v: must be positive", s.CheckEvery)
	case s.RollingSlice <= 0 || time.Hour%s.RollingSlice != 0 && s.RollingSlice%time.Hour != 0:
		return fmt.Errorf("invalid rolling period %v: use a divisor or a multiple of one hour", s.RollingSlice)
	}
	return nil
}

// NextRun returns the first scheduled run at or after t. In weekly mode that
// is the next Weekday Hour:Minute in Location's wall time, so across a
// daylight-saving change the runs stay at the same local time and the gap
// between them is a week plus or minus one hour. A wall time that the clock
// skips is normalized as time.Date does (02:30 on a spring-forward night
// becomes 03:30). In rolling mode it is the next multiple of CheckEvery.
func (s Schedule) NextRun(t time.Time) time.Time {
	if s.Mode == Rolling {
		return ceil(t, s.CheckEvery)
	}

	local := t.In(s.Location)
	y, m, d := local.Date()
	for i := 0; i <= 8; i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, s.Location)
		if day.Weekday() != s.Weekday {
			continue
		}
		run := time.Date(y, m, d+i, s.Hour, s.Minute, 0, 0, s.Location)
		if !run.Before(t) {
			return run
		}
	}
	panic("unreachable: every weekday occurs within 8 days")
}

// PrevRun returns the last scheduled run at or before t.
func (s Schedule) PrevRun(t time.Time) time.Time {
	if s.Mode == Rolling {
		return t.Truncate(s.CheckEvery)
	}
	// The previous run is the next run after a moment a little more than a week earlier.
	run := s.NextRun(t.Add(-8 * 24 * time.Hour))
	for {
		next := s.NextRun(run.Add(time.Nanosecond))
		if next.After(t) {
			return run
		}
		run = next
	}
}

// Due reports whether a recording that started at start is wiped by a run at
// runAt: whether it is MaxAge old or older then.
func (s Schedule) Due(start, runAt time.Time) bool {
	return runAt.Sub(start) >= s.MaxAge
}

// WipeTime returns when a recording that started at start is wiped: in
// weekly mode the first run at or after start+MaxAge, in rolling mode
// start+MaxAge itself. The rolling wipe happens at the first check at or
// after that moment, at most CheckEvery later.
func (s Schedule) WipeTime(start time.Time) time.Time {
	deadline := start.Add(s.MaxAge)
	if s.Mode == Rolling {
		return deadline
	}
	return s.NextRun(deadline)
}

// PeriodDue returns when the key of the wipe period of a recording that
// started at start is destroyed: its weekly wipe run, or in rolling mode the
// end of the RollingSlice in which it turns MaxAge old. Every recording of
// the period is MaxAge old by then.
func (s Schedule) PeriodDue(start time.Time) time.Time {
	if s.Mode == Rolling {
		return ceil(start.Add(s.MaxAge), s.RollingSlice)
	}
	return s.WipeTime(start)
}

// Longest returns the maximum time a recording can live under the rule. In
// weekly mode it is MaxAge plus one week, because a recording that turns
// MaxAge old just after a run waits for the next. In rolling mode it is
// MaxAge plus CheckEvery.
// Daylight-saving changes move a single weekly gap by up to one hour.
func (s Schedule) Longest() time.Duration {
	if s.Mode == Rolling {
		return s.MaxAge + s.CheckEvery
	}
	return s.MaxAge + 7*24*time.Hour
}

// ceil rounds t up to a multiple of d since the Unix epoch; a t on a
// multiple stays. Multiples of an hour are the same instants in every time
// zone with whole-hour offsets.
func ceil(t time.Time, d time.Duration) time.Time {
	down := t.Truncate(d)
	if down.Equal(t) {
		return down
	}
	return down.Add(d)
}
