package schedule

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// A wipe period is named by the instant its key is destroyed, in UTC and
// RFC 3339, such as "2026-12-11T17:00:00Z" for the default run on Friday
// 11 December 2026 at 18:00 in Stockholm. Stores written before periods were
// tied to wipe runs name a period by its ISO week in Stockholm, such as
// "2026-W49"; ParsePeriodID still reads those.

// PeriodID returns the id of the wipe period whose key is destroyed at due.
func PeriodID(due time.Time) string {
	return due.UTC().Format(time.RFC3339)
}

// PeriodOf returns the id of the wipe period of a recording that started at start.
func (s Schedule) PeriodOf(start time.Time) string {
	return PeriodID(s.PeriodDue(start))
}

// ParsePeriodID returns when the key of period id may be destroyed. For a
// time id that is the time itself. For an ISO-week id it is the moment
// when the last recording of that week, created just before Monday 00:00
// in Stockholm, is due under s.
func (s Schedule) ParsePeriodID(id string) (time.Time, error) {
	if due, err := time.Parse(time.RFC3339, id); err == nil {
		return due, nil
	}

	m := isoWeekID.FindStringSubmatch(id)
	if m == nil {
		return time.Time{}, fmt.Errorf("invalid wipe period id %q: want an RFC 3339 UTC time or an ISO week such as 2026-W49", id)
	}
	year, _ := strconv.Atoi(m[1])
	week, _ := strconv.Atoi(m[2])
	if week < 1 || week > 53 {
		return time.Time{}, fmt.Errorf("invalid wipe period id %q: week %d is not 1 to 53", id, week)
	}
	end := isoWeekStart(year, week).AddDate(0, 0, 7)
	return s.PeriodDue(end), nil
}

var isoWeekID = regexp.MustCompile(`^([0-9]{4})-W([0-9]{2})$`)

// isoWeekStart returns Monday 00:00 in Stockholm of ISO week (year, week).
// ISO week 1 is the week that contains 4 January.
func isoWeekStart(year, week int) time.Time {
	jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, stockholm)
	offset := (int(jan4.Weekday()) + 6) % 7 // days since Monday
	return time.Date(year, time.January, 4-offset+7*(week-1), 0, 0, 0, 0, stockholm)
}
