package audit

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestWeeklyReport(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	// Monday 30 November 2026, in Stockholm (UTC+1).
	at := func(day, hour, minute int) time.Time {
		return time.Date(2026, 11, 30+day, hour-1, minute, 0, 0, time.UTC)
	}
	var entries []Entry
	add := func(t time.Time, actor string, role Role, action Action, rec string) {
		entries = append(entries, Entry{Time: t, Actor: actor, Role: role, Action: action, RecordingID: rec})
	}

	// A manager opens six distinct recordings (seven reads), another opens five.
	for i, rec := range []string{"r1", "r2", "r3", "r4", "r5", "r6", "r6"} {
		add(at(1, 10, i), "chef-1", RoleManager, ActionRead, rec)
	}
	for i, rec := range []string{"r1", "r2", "r3", "r4", "r5"} {
		add(at(1, 11, i), "chef-2", RoleManager, ActionRead, rec)
	}
	// Outside working hours: 06:59 and 18:00 on a weekday, and Saturday noon.
	add(at(2, 6, 59), "anna", RoleCaseworker, ActionRead, "r7")
	add(at(2, 18, 0), "anna", RoleCaseworker, ActionEdit, "r7")
	add(at(5, 12, 0), "bo", RoleCaseworker, ActionRead, "r8")
	add(at(2, 17, 59), "bo", RoleCaseworker, ActionRead, "r8")  // inside
	add(at(5, 18, 0), "schedule", RoleSystem, ActionWipe, "r8") // not a person
	// Failed sign-ins: five within an hour for "eve", five spread over a day for "carl".
	for i := 0; i < 5; i++ {
		add(at(3, 9, 10*i), "eve", RoleCaseworker, ActionLoginFailed, "")
		add(at(3, 8+3*i, 0), "carl", RoleCaseworker, ActionLoginFailed, "")
	}
	// Copies: r7 copied then deleted, r9 copied and left.
	add(at(3, 10, 0), "anna", RoleCaseworker, ActionCopy, "r7")
	add(at(3, 10, 5), "anna", RoleCaseworker, ActionDelete, "r7")
	add(at(3, 11, 0), "bo", RoleCaseworker, ActionCopy, "r9")
	// The following week does not count.
	add(at(7, 3, 0), "anna", RoleCaseworker, ActionRead, "r10")

	if _, err := e.log.AppendBatch(ctx, entries); err != nil {
		t.Fatal(err)
	}
	r, err := e.log.WeeklyReport(ctx, at(2, 12, 0), nil)
	if err != nil {
		t.Fatal(err)
	}

	if want := at(0, 0, 0); !r.From.Equal(want) {
		t.Errorf("From = %v, want %v", r.From, want)
	}
	type short struct {
		Kind        FindingKind
		Actor       string
		RecordingID string
		Count       int
	}
	var got []short
	for _, f := range r.Findings {
		got = append(got, short{f.Kind, f.Actor, f.RecordingID, f.Count})
		if len(f.Seqs) == 0 {
			t.Errorf("finding %+v lists no entries", f)
		}
	}
	want := []short{
		{FindingManagerMany, "chef-1", "", 6},
		{FindingOutsideHours, "anna", "", 2},
		{FindingOutsideHours, "bo", "", 1},
		{FindingFailedSignIns, "eve", "", 5},
		{FindingCopyNotDeleted, "bo", "r9", 1},
	}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b short) bool { return a.Kind+FindingKind(a.Actor) < b.Kind+FindingKind(b.Actor) })); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	strict, err := e.log.WeeklyReport(ctx, at(2, 12, 0), &ReportOptions{ManagerRecordings: 4, FailedSignIns: 5, FailedWindow: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[FindingKind]int{}
	for _, f := range strict.Findings {
		counts[f.Kind]++
	}
	if counts[FindingManagerMany] != 2 || counts[FindingFailedSignIns] != 2 {
		t.Errorf("findings with lower thresholds = %v, want 2 managers and 2 failed sign-in series", counts)
	}
}
