package centralsvc

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/ui"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// TestAdminDetailIsValidEntry: the detail of every admin change, and a
// manager's reason, pass the access log's validation.
func TestAdminDetailIsValidEntry(t *testing.T) {
	const target = "01a242e4-b83a-7c9f-98e7-2b6ff38d5353"
	tests := []struct {
		name   string
		detail ui.AccessDetail
		action audit.Action
		want   map[string]string
	}{
		{"read", ui.AccessDetail{}, audit.ActionRead, nil},
		{"read_with_reason", ui.AccessDetail{Reason: "Anna är sjuk och utredningen ska lämnas i dag."}, audit.ActionRead, nil},
		{"create_account", ui.AccessDetail{Op: "create_account", AccountID: target, Role: auth.RoleManager}, audit.ActionAdmin,
			map[string]string{"op": "create_account", "account_id": target, "role": "manager"}},
		{"set_badges", ui.AccessDetail{Op: "set_badges", AccountID: target, Badges: []string{"anna-1", "anna-2"}}, audit.ActionAdmin,
			map[string]string{"op": "set_badges", "account_id": target, "badges": "anna-1,anna-2"}},
		{"remove_badges", ui.AccessDetail{Op: "set_badges", AccountID: target}, audit.ActionAdmin,
			map[string]string{"op": "set_badges", "account_id": target, "badges": ""}},
		{"disable_account", ui.AccessDetail{Op: "disable_account", AccountID: target}, audit.ActionAdmin,
			map[string]string{"op": "disable_account", "account_id": target}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := adminDetail(tt.detail)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("adminDetail(%+v) mismatch (-want +got):\n%s", tt.detail, diff)
			}
			e := audit.Entry{Actor: "admin-1", Role: audit.RoleIT, Action: tt.action, Device: "web", Reason: tt.detail.Reason, Detail: got}
			if err := e.Validate(); err != nil {
				t.Errorf("entry with %+v: Validate() = %v, want nil", tt.detail, err)
			}
		})
	}
}

// TestFailedSignInWithUnknownUserIsLogged: failures on user names that no
// account has reach the access log as actor "unknown" with the unknown
// role, next to a known account's failure, and the weekly report counts them.
func TestFailedSignInWithUnknownUserIsLogged(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC) // a Wednesday, within working hours
	clock := func() time.Time { return now }
	dir := t.TempDir()
	log, err := audit.Open(filepath.Join(dir, "audit.db"), filepath.Join(dir, "keys"), &audit.Options{Now: clock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("audit.Open: %v", err)
	}
	t.Cleanup(func() { log.Close() })
	s := &Service{log: slog.New(slog.DiscardHandler), audit: log}
	s.accounts = authtest.Open(t, &auth.Options{Now: clock, OnEvent: s.logAuthEvent})
	anna := authtest.Enrolled(t, s.accounts, now, auth.NewAccount{UserName: "anna", Role: auth.RoleCaseworker})

	for range 5 {
		if _, _, err := s.accounts.SignIn(ctx, "gissat-namn", "fel lösenord 123"); err == nil {
			t.Fatal("SignIn(unknown user) succeeded")
		}
	}
	if _, _, err := s.accounts.SignIn(ctx, "anna", "fel lösenord 123"); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("SignIn(anna, wrong password) error = %v, want ErrInvalidCredentials", err)
	}

	entries, err := log.Query(ctx, audit.Filter{Actions: []audit.Action{audit.ActionLoginFailed}})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Actor  string
		Role   audit.Role
		Detail map[string]string
	}
	var got []row
	for _, e := range entries {
		got = append(got, row{e.Actor, e.Role, e.Detail})
	}
	unknownFailure := row{"unknown", audit.RoleUnknown, map[string]string{"factor": "password"}}
	want := []row{
		unknownFailure, unknownFailure, unknownFailure, unknownFailure,
		{"unknown", audit.RoleUnknown, map[string]string{"factor": "password", "locked": "true"}},
		{anna.ID, audit.RoleCaseworker, map[string]string{"factor": "password"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("login_failed entries mismatch (-want +got):\n%s", diff)
	}

	rep, err := log.WeeklyReport(ctx, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, f := range rep.Findings {
		if f.Kind == audit.FindingFailedSignIns && f.Actor == "unknown" && f.Role == audit.RoleUnknown && f.Count == 5 {
			found = true
		}
	}
	if !found {
		t.Errorf("WeeklyReport().Findings = %+v, want repeated_failed_sign_ins for actor unknown with 5 entries", rep.Findings)
	}
}
