package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// seed appends a small week of activity and returns the stored entries.
func seed(t *testing.T, e *env) []Entry {
	t.Helper()
	at := func(day, hour int) time.Time { return time.Date(2026, 11, 30+day, hour, 0, 0, 0, time.UTC) }
	entries := []Entry{
		{Time: at(0, 9), Actor: "anna", Role: RoleCaseworker, Action: ActionRead, RecordingID: "rec-1", BoxID: "rum-12", Device: "tablet-1"},
		{Time: at(0, 10), Actor: "anna", Role: RoleCaseworker, Action: ActionCopy, RecordingID: "rec-1", BoxID: "rum-12", Device: "tablet-1"},
		{Time: at(0, 11), Actor: "anna", Role: RoleCaseworker, Action: ActionDelete, RecordingID: "rec-1", BoxID: "rum-12", Device: "tablet-1"},
		{Time: at(1, 9), Actor: "bo", Role: RoleCaseworker, Action: ActionCopy, RecordingID: "rec-2", BoxID: "rum-3", Device: "tablet-2"},
		{Time: at(1, 21), Actor: "bo", Role: RoleCaseworker, Action: ActionRead, RecordingID: "rec-2", BoxID: "rum-3", Device: "tablet-2"},
		{Time: at(2, 8), Actor: "it-1", Role: RoleIT, Action: ActionBoxCommand, BoxID: "rum-3", Detail: map[string]string{"command": "identify"}},
		{Time: at(4, 17), Actor: "schedule", Role: RoleSystem, Action: ActionWipe, RecordingID: "rec-2", BoxID: "rum-3", Detail: map[string]string{"chunks": "12"}},
	}
	out, err := e.log.AppendBatch(context.Background(), entries)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestQueryFilters(t *testing.T) {
	e := newEnv(t, nil)
	all := seed(t, e)
	pick := func(seqs ...uint64) []Entry {
		var out []Entry
		for _, s := range seqs {
			out = append(out, all[s-1])
		}
		return out
	}
	tests := []struct {
		name   string
		filter Filter
		want   []Entry
	}{
		{"all", Filter{}, all},
		{"person", Filter{Actor: "bo"}, pick(4, 5)},
		{"recording", Filter{RecordingID: "rec-2"}, pick(4, 5, 7)},
		{"box", Filter{BoxID: "rum-12"}, pick(1, 2, 3)},
		{"actions", Filter{Actions: []Action{ActionCopy, ActionWipe}}, pick(2, 4, 7)},
		{"role", Filter{Role: RoleIT}, pick(6)},
		{"time", Filter{From: all[2].Time, To: all[5].Time}, pick(3, 4, 5)},
		{"limit", Filter{Limit: 2}, pick(1, 2)},
		{"combined", Filter{Actor: "anna", Actions: []Action{ActionRead}}, pick(1)},
		{"none", Filter{Actor: "nobody"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.log.Query(context.Background(), tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Query(%+v) (-want +got):\n%s", tt.filter, diff)
			}
		})
	}
}

func TestExportFormats(t *testing.T) {
	e := newEnv(t, nil)
	all := seed(t, e)
	ctx := context.Background()
	auditor := Entry{Actor: "dpo-1", Role: RoleAuditor, Device: "browser-7"}

	var jsonOut bytes.Buffer
	n, err := e.log.Export(ctx, auditor, Filter{BoxID: "rum-3"}, FormatJSON, &jsonOut)
	if err != nil || n != 4 {
		t.Fatalf("Export JSON = %d, %v, want 4 entries", n, err)
	}
	var decoded []Entry
	if err := json.Unmarshal(jsonOut.Bytes(), &decoded); err != nil {
		t.Fatalf("decoding exported JSON: %v", err)
	}
	if diff := cmp.Diff([]Entry{all[3], all[4], all[5], all[6]}, decoded); diff != "" {
		t.Errorf("exported JSON (-want +got):\n%s", diff)
	}

	var csvOut bytes.Buffer
	if _, err := e.log.Export(ctx, auditor, Filter{Actor: "anna"}, FormatCSV, &csvOut); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil {
		t.Fatalf("reading exported CSV: %v", err)
	}
	want := [][]string{
		csvHeader,
		{"1", "2026-11-30T09:00:00Z", "anna", "caseworker", "read", "rec-1", "rum-12", "tablet-1", "", ""},
		{"2", "2026-11-30T10:00:00Z", "anna", "caseworker", "copy", "rec-1", "rum-12", "tablet-1", "", ""},
		{"3", "2026-11-30T11:00:00Z", "anna", "caseworker", "delete", "rec-1", "rum-12", "tablet-1", "", ""},
	}
	if diff := cmp.Diff(want, records); diff != "" {
		t.Errorf("exported CSV (-want +got):\n%s", diff)
	}

	exports, err := e.log.Query(ctx, Filter{Actions: []Action{ActionAuditExport}})
	if err != nil {
		t.Fatal(err)
	}
	if len(exports) != 2 || exports[0].Actor != "dpo-1" || exports[0].Detail["filter_box_id"] != "rum-3" || exports[0].Detail["entries"] != "4" {
		t.Errorf("audit_export entries = %+v, want two by dpo-1, the first with filter_box_id=rum-3 and entries=4", exports)
	}
	if _, err := e.log.Export(ctx, auditor, Filter{}, "xml", &csvOut); err == nil {
		t.Error("Export in an unknown format = nil error, want an error")
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	var out bytes.Buffer
	err := WriteCSV(&out, []Entry{{Seq: 1, Time: time.Unix(0, 0), Actor: "anna", Role: RoleCaseworker, Action: ActionRead, Reason: "=HYPERLINK(\"x\")"}})
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := records[1][8], "'=HYPERLINK(\"x\")"; got != want {
		t.Errorf("reason in CSV = %q, want %q", got, want)
	}
}
