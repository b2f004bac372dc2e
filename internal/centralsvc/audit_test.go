package centralsvc

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/ui"
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
