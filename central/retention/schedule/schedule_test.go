package schedule

import (
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNextRunAcrossDaylightSaving(t *testing.T) {
	s := Default()
	tests := []struct {
		name string
		from string
		want string
	}{
		{"winter_time", "2026-12-01T10:00:00Z", "2026-12-04T17:00:00Z"},
		{"at_the_run", "2026-12-04T17:00:00Z", "2026-12-04T17:00:00Z"},
		{"just_after_the_run", "2026-12-04T17:00:00.000000001Z", "2026-12-11T17:00:00Z"},
		{"summer_time", "2026-06-22T10:00:00Z", "2026-06-26T16:00:00Z"},
		// Spring change on Sunday 28 March 2027: the run after Friday 26 March 18:00 CET is Friday 2 April 18:00 CEST.
		{"before_spring_change", "2027-03-26T16:59:59Z", "2027-03-26T17:00:00Z"},
		{"across_spring_change", "2027-03-26T17:00:01Z", "2027-04-02T16:00:00Z"},
		// Autumn change on Sunday 25 October 2026: 18:00 CEST on 23 October, then 18:00 CET on 30 October.
		{"before_autumn_change", "2026-10-23T15:59:59Z", "2026-10-23T16:00:00Z"},
		{"across_autumn_change", "2026-10-23T16:00:01Z", "2026-10-30T17:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.NextRun(utc(tt.from)); !got.Equal(utc(tt.want)) {
				t.Errorf("NextRun(%s) = %s, want %s", tt.from, got.UTC().Format(time.RFC3339), tt.want)
			}
			local := s.NextRun(utc(tt.from)).In(s.Location)
			if local.Weekday() != time.Friday || local.Hour() != 18 || local.Minute() != 0 {
				t.Errorf("NextRun(%s) in Stockholm = %s, want a Friday at 18:00", tt.from, local)
			}
		})
	}

	spring := utc("2027-04-02T16:00:00Z").Sub(utc("2027-03-26T17:00:00Z"))
	autumn := utc("2026-10-30T17:00:00Z").Sub(utc("2026-10-23T16:00:00Z"))
	if spring != 167*time.Hour || autumn != 169*time.Hour {
		t.Errorf("gaps across the changes = %v and %v, want 167h and 169h", spring, autumn)
	}
}

func TestNextRunSkippedWallTime(t *testing.T) {
	// Sunday 02:30 does not exist on 28 March 2027 in Stockholm; the run moves to 03:30 CEST.
	s := Default()
	s.Weekday, s.Hour, s.Minute = time.Sunday, 2, 30
	got := s.NextRun(utc("2027-03-27T12:00:00Z"))
	if want := utc("2027-03-28T01:30:00Z"); !got.Equal(want) {
		t.Errorf("NextRun on the spring-forward night = %s, want %s", got.UTC(), want)
	}
}

func TestPrevRun(t *testing.T) {
	s := Default()
	tests := []struct{ at, want string }{
		{"2026-12-04T17:00:00Z", "2026-12-04T17:00:00Z"},
		{"2026-12-04T16:59:59Z", "2026-11-27T17:00:00Z"},
		{"2027-04-01T00:00:00Z", "2027-03-26T17:00:00Z"},
		{"2027-04-02T16:00:00Z", "2027-04-02T16:00:00Z"},
	}
	for _, tt := range tests {
		if got := s.PrevRun(utc(tt.at)); !got.Equal(utc(tt.want)) {
			t.Errorf("PrevRun(%s) = %s, want %s", tt.at, got.UTC(), tt.want)
		}
	}
}

func TestWipeTimeBoundary(t *testing.T) {
	s := Default()
	run := utc("2026-12-04T17:00:00Z")
	tests := []struct {
		name  string
		start time.Time
		want  time.Time
		due   bool
	}{
		{"exactly_48h_at_the_run", run.Add(-48 * time.Hour), run, true},
		{"one_second_older", run.Add(-48*time.Hour - time.Second), run, true},
		{"one_second_too_young", run.Add(-48*time.Hour + time.Second), utc("2026-12-11T17:00:00Z"), false},
		{"created_at_the_run", run, utc("2026-12-11T17:00:00Z"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.WipeTime(tt.start); !got.Equal(tt.want) {
				t.Errorf("WipeTime(%s) = %s, want %s", tt.start, got.UTC(), tt.want)
			}
			if got := s.Due(tt.start, run); got != tt.due {
				t.Errorf("Due(%s, %s) = %v, want %v", tt.start, run, got, tt.due)
			}
			if got, want := s.PeriodOf(tt.start), PeriodID(tt.want); got != want {
				t.Errorf("PeriodOf(%s) = %s, want %s", tt.start, got, want)
			}
		})
	}
}

func TestLongestLife(t *testing.T) {
	s := Default()
	// Created one second too young for a run, it lives until the next one.
	start := utc("2026-12-02T17:00:01Z")
	life := s.WipeTime(start).Sub(start)
	if want := 9*24*time.Hour - time.Second; life != want {
		t.Errorf("life of a recording just too young = %v, want %v", life, want)
	}
	if got := s.Longest(); got != 9*24*time.Hour {
		t.Errorf("Longest() = %v, want 216h (nine days)", got)
	}
	if got := DefaultRolling().Longest(); got != 48*time.Hour+time.Minute {
		t.Errorf("rolling Longest() = %v, want 48h1m", got)
	}
}

func TestRolling(t *testing.T) {
	s := DefaultRolling()
	// 48 elapsed hours, across the spring change: the wall clock shows 49 hours.
	start := utc("2027-03-27T11:00:00Z")
	want := utc("2027-03-29T11:00:00Z")
	if got := s.WipeTime(start); !got.Equal(want) {
		t.Errorf("rolling WipeTime(%s) = %s, want %s", start, got.UTC(), want)
	}
	if s.Due(start, want.Add(-time.Second)) || !s.Due(start, want) {
		t.Errorf("rolling Due flips at %s, want exactly 48 hours after start", want)
	}
	if got, want := s.PeriodOf(utc("2027-03-27T11:20:00Z")), "2027-03-29T12:00:00Z"; got != want {
		t.Errorf("rolling PeriodOf = %s, want the end of the hour, %s", got, want)
	}
	if got, want := s.NextRun(utc("2027-03-29T11:00:30Z")), utc("2027-03-29T11:01:00Z"); !got.Equal(want) {
		t.Errorf("rolling NextRun = %s, want the next minute %s", got, want)
	}
}

func TestParsePeriodID(t *testing.T) {
	s := Default()
	tests := []struct {
		id, want string
	}{
		{"2026-12-11T17:00:00Z", "2026-12-11T17:00:00Z"},
		// Week 49 of 2026 ends on Monday 7 December 00:00 CET; 48 hours
		// later is Wednesday 9 December, so its last recordings go on Friday 11 December.
		{"2026-W49", "2026-12-11T17:00:00Z"},
		// Week 53 of 2026 ends on Monday 4 January 2027.
		{"2026-W53", "2027-01-08T17:00:00Z"},
	}
	for _, tt := range tests {
		got, err := s.ParsePeriodID(tt.id)
		if err != nil || !got.Equal(utc(tt.want)) {
			t.Errorf("ParsePeriodID(%s) = %s, %v, want %s", tt.id, got.UTC(), err, tt.want)
		}
	}
	for _, bad := range []string{"", "2026-W54", "2026-W4x", "next friday", "2026-12-11"} {
		if _, err := s.ParsePeriodID(bad); err == nil {
			t.Errorf("ParsePeriodID(%q) = nil error, want an error", bad)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
	bad := []func(*Schedule){
		func(s *Schedule) { s.MaxAge = 0 },
		func(s *Schedule) { s.Hour = 24 },
		func(s *Schedule) { s.Minute = -1 },
		func(s *Schedule) { s.Location = nil },
		func(s *Schedule) { s.Mode = 7 },
		func(s *Schedule) { s.RollingSlice = 7 * time.Minute },
		func(s *Schedule) { s.CheckEvery = 0 },
	}
	for i, change := range bad {
		s := Default()
		change(&s)
		if err := s.Validate(); err == nil {
			t.Errorf("Validate of invalid schedule %d = nil error, want an error", i)
		}
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range []Mode{Weekly, Rolling} {
		if got, err := ParseMode(m.String()); err != nil || got != m {
			t.Errorf("ParseMode(%s) = %v, %v", m, got, err)
		}
	}
	if _, err := ParseMode("daily"); err == nil {
		t.Error("ParseMode(daily) = nil error, want an error")
	}
}
