package audit

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
	_ "time/tzdata" // working hours default to Europe/Stockholm even where the OS has no zoneinfo
)

// ReportOptions sets the thresholds of WeeklyReport. Zero fields mean the
// documented defaults.
type ReportOptions struct {
	// Location is the time zone of the week and of working hours. Default: Europe/Stockholm.
	Location *time.Location
	// WorkStart and WorkEnd are the first and the first non-working hour of
	// a working day, Monday to Friday. Defaults: 7 and 18.
	WorkStart, WorkEnd int
	// ManagerRecordings is the number of distinct recordings a manager may
	// open in a week before it is reported. Default: 5.
	ManagerRecordings int
	// FailedSignIns within FailedWindow by one actor are reported. Defaults: 5 and one hour.
	FailedSignIns int
	FailedWindow  time.Duration
}

func (o *ReportOptions) withDefaults() (ReportOptions, error) {
	var r ReportOptions
	if o != nil {
		r = *o
	}
	if r.Location == nil {
		loc, err := time.LoadLocation("Europe/Stockholm")
		if err != nil {
			return r, fmt.Errorf("loading time zone: %w", err)
		}
		r.Location = loc
	}
	if r.WorkStart == 0 && r.WorkEnd == 0 {
		r.WorkStart, r.WorkEnd = 7, 18
	}
	if r.WorkStart < 0 || r.WorkEnd > 24 || r.WorkStart >= r.WorkEnd {
		return r, fmt.Errorf("invalid working hours %d to %d", r.WorkStart, r.WorkEnd)
	}
	if r.ManagerRecordings <= 0 {
		r.ManagerRecordings = 5
	}
	if r.FailedSignIns <= 0 {
		r.FailedSignIns = 5
	}
	if r.FailedWindow <= 0 {
		r.FailedWindow = time.Hour
	}
	return r, nil
}

// FindingKind names a kind of unusual access.
type FindingKind string

// Kinds of findings in a weekly report.
const (
	// FindingManagerMany: a manager opened more distinct recordings than ManagerRecordings.
	FindingManagerMany FindingKind = "manager_many_recordings"
	// FindingOutsideHours: a person touched content outside working hours.
	FindingOutsideHours FindingKind = "outside_working_hours"
	// FindingFailedSignIns: FailedSignIns or more failed sign-ins within FailedWindow.
	FindingFailedSignIns FindingKind = "repeated_failed_sign_ins"
	// FindingCopyNotDeleted: a copy of a recording's content that no later
	// manual deletion or withdrawal of the recording followed. A recording
	// left for the scheduled wipe after a copy is reported.
	FindingCopyNotDeleted FindingKind = "copy_without_deletion"
)

// Finding is one item of a weekly report, with the entries it rests on.
type Finding struct {
	Kind        FindingKind `json:"kind"`
	Actor       string      `json:"actor"`
	Role        Role        `json:"role"`
	RecordingID string      `json:"recording_id,omitempty"`
	Count       int         `json:"count"`
	First       time.Time   `json:"first"`
	Last        time.Time   `json:"last"`
	Seqs        []uint64    `json:"seqs"`
}

// Report is the weekly follow-up of unusual access.
type Report struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Findings []Finding `json:"findings"`
}

// WeeklyReport reports unusual access in the week that starts on the
// Monday at 00:00 (in opts.Location) of the week containing day.
func (l *Log) WeeklyReport(ctx context.Context, day time.Time, opts *ReportOptions) (Report, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return Report{}, fmt.Errorf("weekly report: %w", err)
	}
	local := day.In(o.Location)
	offset := (int(local.Weekday()) + 6) % 7
	from := time.Date(local.Year(), local.Month(), local.Day()-offset, 0, 0, 0, 0, o.Location)
	to := time.Date(local.Year(), local.Month(), local.Day()-offset+7, 0, 0, 0, 0, o.Location)

	week, err := l.Query(ctx, Filter{From: from, To: to})
	if err != nil {
		return Report{}, fmt.Errorf("weekly report: %w", err)
	}
	deletions, err := l.Query(ctx, Filter{From: from, Actions: []Action{ActionDelete, ActionWithdraw}})
	if err != nil {
		return Report{}, fmt.Errorf("weekly report: %w", err)
	}

	r := Report{From: from, To: to}
	r.Findings = append(r.Findings, managerFindings(week, o)...)
	r.Findings = append(r.Findings, outsideHoursFindings(week, o)...)
	r.Findings = append(r.Findings, failedSignInFindings(week, o)...)
	r.Findings = append(r.Findings, copyFindings(week, deletions)...)
	return r, nil
}

// isPerson reports whether the role is a known person's, not the
// service's, a box's or an unidentified actor's.
func isPerson(r Role) bool {
	return r != RoleSystem && r != RoleBox && r != RoleClient && r != RoleUnknown
}

func (f *Finding) add(e Entry) {
	if f.Count == 0 || e.Time.Before(f.First) {
		f.First = e.Time
	}
	if e.Time.After(f.Last) {
		f.Last = e.Time
	}
	f.Count++
	f.Seqs = append(f.Seqs, e.Seq)
}

// groupFindings collects one finding per actor from the entries that match.
func groupFindings(entries []Entry, kind FindingKind, match func(Entry) bool) map[string]*Finding {
	by := map[string]*Finding{}
	for _, e := range entries {
		if !match(e) {
			continue
		}
		f := by[e.Actor]
		if f == nil {
			f = &Finding{Kind: kind, Actor: e.Actor, Role: e.Role}
			by[e.Actor] = f
		}
		f.add(e)
	}
	return by
}

func sortedFindings(by map[string]*Finding, keep func(*Finding) bool) []Finding {
	var out []Finding
	for _, f := range by {
		if keep(f) {
			out = append(out, *f)
		}
	}
	slices.SortFunc(out, func(a, b Finding) int { return cmp.Compare(a.Actor, b.Actor) })
	return out
}

func managerFindings(week []Entry, o ReportOptions) []Finding {
	opened := map[string]map[string]bool{}
	by := groupFindings(week, FindingManagerMany, func(e Entry) bool {
		if e.Role != RoleManager || e.RecordingID == "" || !e.Action.TouchesContent() {
			return false
		}
		if opened[e.Actor] == nil {
			opened[e.Actor] = map[string]bool{}
		}
		opened[e.Actor][e.RecordingID] = true
		return true
	})
	return sortedFindings(by, func(f *Finding) bool {
		if len(opened[f.Actor]) <= o.ManagerRecordings {
			return false
		}
		f.Count = len(opened[f.Actor]) // distinct recordings, not entries
		return true
	})
}

func outsideHoursFindings(week []Entry, o ReportOptions) []Finding {
	by := groupFindings(week, FindingOutsideHours, func(e Entry) bool {
		if !isPerson(e.Role) || !e.Action.TouchesContent() {
			return false
		}
		t := e.Time.In(o.Location)
		weekend := t.Weekday() == time.Saturday || t.Weekday() == time.Sunday
		return weekend || t.Hour() < o.WorkStart || t.Hour() >= o.WorkEnd
	})
	return sortedFindings(by, func(*Finding) bool { return true })
}

func failedSignInFindings(week []Entry, o ReportOptions) []Finding {
	times := map[string][]Entry{}
	for _, e := range week {
		if e.Action == ActionLoginFailed {
			times[e.Actor] = append(times[e.Actor], e)
		}
	}

	var out []Finding
	for actor, es := range times {
		// Slide a window over the failures, which are in seq and so in time order.
		worst, start := 0, 0
		for i := range es {
			for es[i].Time.Sub(es[start].Time) > o.FailedWindow {
				start++
			}
			worst = max(worst, i-start+1)
		}
		if worst < o.FailedSignIns {
			continue
		}
		f := Finding{Kind: FindingFailedSignIns, Actor: actor, Role: es[0].Role}
		for _, e := range es {
			f.add(e)
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b Finding) int { return cmp.Compare(a.Actor, b.Actor) })
	return out
}

func copyFindings(week, deletions []Entry) []Finding {
	deletedAt := map[string]time.Time{} // last deletion per recording
	for _, d := range deletions {
		if d.RecordingID != "" && d.Time.After(deletedAt[d.RecordingID]) {
			deletedAt[d.RecordingID] = d.Time
		}
	}

	var out []Finding
	for _, e := range week {
		if e.Action != ActionCopy || e.RecordingID == "" {
			continue
		}
		if d, ok := deletedAt[e.RecordingID]; ok && !d.Before(e.Time) {
			continue
		}
		f := Finding{Kind: FindingCopyNotDeleted, Actor: e.Actor, Role: e.Role, RecordingID: e.RecordingID}
		f.add(e)
		out = append(out, f)
	}
	return out
}
