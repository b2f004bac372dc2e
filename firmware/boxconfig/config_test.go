package boxconfig_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ordagrann/ordagrann/firmware/boxconfig"
)

const validConfigJSON = `{
  "version": 1,
  "box_id": "room-12",
  "issued_at": "2026-12-04T09:00:00Z",
  "board": "sim",
  "consent_timeout": "60s",
  "badges": [{"uid": "04a1b2c3", "id": "cw-0001"}]
}`

func TestParseConfig(t *testing.T) {
	got, err := boxconfig.ParseConfig([]byte(validConfigJSON))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	want := &boxconfig.Config{
		Version:        1,
		BoxID:          "room-12",
		IssuedAt:       time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC),
		Board:          "sim",
		ConsentTimeout: boxconfig.Duration(time.Minute),
		Badges:         []boxconfig.Badge{{UID: "04a1b2c3", ID: "cw-0001"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseConfig() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"04a1b2c3": "cw-0001"}, got.BadgeMap()); diff != "" {
		t.Errorf("BadgeMap() mismatch (-want +got):\n%s", diff)
	}
}

// invalidConfigs are configurations ParseConfig must reject, with a part of
// the expected error. The fuzz test seeds its corpus from them.
var invalidConfigs = []struct {
	name, json, want string
}{
	{"empty", ``, "invalid configuration"},
	{"null", `null`, "invalid version 0"},
	{"not_object", `[1]`, "cannot unmarshal"},
	{"unknown_field", strings.Replace(validConfigJSON, `"board"`, `"wifi_password": "x", "board"`, 1), "unknown field"},
	{"trailing_data", validConfigJSON + `{}`, "data after the JSON object"},
	{"version_zero", strings.Replace(validConfigJSON, `"version": 1`, `"version": 0`, 1), "invalid version 0"},
	{"bad_box_id", strings.Replace(validConfigJSON, `"room-12"`, `"Room 12"`, 1), "invalid box id"},
	{"missing_issued_at", strings.Replace(validConfigJSON, `"issued_at": "2026-12-04T09:00:00Z",`, ``, 1), "missing issued_at"},
	{"bad_board", strings.Replace(validConfigJSON, `"sim"`, `"../sim"`, 1), "invalid board"},
	{"timeout_number", strings.Replace(validConfigJSON, `"60s"`, `60`, 1), "invalid duration 60"},
	{"timeout_garbage", strings.Replace(validConfigJSON, `"60s"`, `"soon"`, 1), `invalid duration "soon"`},
	{"timeout_too_short", strings.Replace(validConfigJSON, `"60s"`, `"1s"`, 1), "invalid consent timeout 1s"},
	{"timeout_too_long", strings.Replace(validConfigJSON, `"60s"`, `"1h"`, 1), "invalid consent timeout 1h0m0s"},
	{"uid_upper_case", strings.Replace(validConfigJSON, `04a1b2c3`, `04A1B2C3`, 1), "lowercase hex"},
	{"uid_wrong_length", strings.Replace(validConfigJSON, `04a1b2c3`, `04a1b2`, 1), "8, 14 or 20"},
	{"badge_id_invalid", strings.Replace(validConfigJSON, `"cw-0001"`, `"Anna Andersson"`, 1), "invalid badge id"},
	{"duplicate_uid", strings.Replace(validConfigJSON, `{"uid": "04a1b2c3", "id": "cw-0001"}`, `{"uid": "04a1b2c3", "id": "cw-0001"}, {"uid": "04a1b2c3", "id": "cw-0002"}`, 1), "listed twice"},
	{"too_large", validConfigJSON + strings.Repeat(" ", boxconfig.MaxConfigSize), "exceed the limit"},
}

func TestParseConfigRejectsInvalid(t *testing.T) {
	for _, tt := range invalidConfigs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := boxconfig.ParseConfig([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseConfig() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDurationJSON(t *testing.T) {
	b, err := json.Marshal(boxconfig.Duration(90 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `"1m30s"`; got != want {
		t.Errorf("json.Marshal(Duration(90s)) = %s, want %s", got, want)
	}
	var d boxconfig.Duration
	if err := json.Unmarshal([]byte(`"2m"`), &d); err != nil {
		t.Fatal(err)
	}
	if got, want := time.Duration(d), 2*time.Minute; got != want {
		t.Errorf("json.Unmarshal(\"2m\") = %s, want %s", got, want)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(validConfigJSON))
	for _, tt := range invalidConfigs {
		if len(tt.json) < 4096 {
			f.Add([]byte(tt.json))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := boxconfig.ParseConfig(data)
		if err != nil {
			return
		}

		// Whatever ParseConfig accepts is valid and survives a round trip.
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseConfig accepted a configuration that Validate rejects: %v", err)
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("json.Marshal(parsed config): %v", err)
		}
		again, err := boxconfig.ParseConfig(b)
		if err != nil {
			t.Fatalf("ParseConfig(json.Marshal(parsed config)) = %v, want nil", err)
		}
		if diff := cmp.Diff(c, again); diff != "" {
			t.Errorf("round trip mismatch (-first +second):\n%s", diff)
		}
	})
}
