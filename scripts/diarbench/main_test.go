package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// The committed fixtures form a small evaluation set in the same layout.
func TestRunOnFixtures(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, "../../testdata/diarization", 0.25, ""); err != nil {
		t.Fatal(err)
	}
	text := out.String()

	for _, name := range []string{"two-2mic-rt025-snr25", "two-2mic-rt025-snr25/ch0", "three-4mic-rt025-snr25", "real-mono"} {
		if !containsRow(text, name) {
			t.Errorf("table has no row for %s:\n%s", name, text)
		}
	}

	der := column(t, text, "two-2mic-rt025-snr25", 8)
	if der > 5 {
		t.Errorf("two-2mic-rt025-snr25 DER = %v %%, want at most 5", der)
	}
	if f := strings.Fields(rowOf(text, "two-2mic-rt025-snr25")); len(f) < 14 || f[13] != "yes" {
		t.Errorf("two-2mic-rt025-snr25 row %q, want caseworker column yes", f)
	}
	rtf := column(t, text, "two-2mic-rt025-snr25", 12)
	if rtf <= 0 || rtf > 0.1 {
		t.Errorf("two-2mic-rt025-snr25 RTF = %v, want between 0 and 0.1", rtf)
	}
	if !strings.Contains(text, "two speakers, 2-mic") {
		t.Errorf("summary has no two-speaker 2-mic group:\n%s", text)
	}
}

func TestRunWithoutConditions(t *testing.T) {
	err := run(&bytes.Buffer{}, t.TempDir(), 0.25, "")
	if err == nil || !strings.Contains(err.Error(), "go run ./scripts/evalset") {
		t.Errorf("run on an empty directory error = %v, want one that says how to generate the set", err)
	}
}

func containsRow(text, name string) bool { return rowOf(text, name) != "" }

func rowOf(text, name string) string {
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return line
		}
	}
	return ""
}

// column returns field i (from 0) of the row named name as a number.
func column(t *testing.T, text, name string, i int) float64 {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) > i && f[0] == name {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				t.Fatalf("row %s field %d = %q: %v", name, i, f[i], err)
			}
			return v
		}
	}
	t.Fatalf("no row %s in:\n%s", name, text)
	return 0
}
