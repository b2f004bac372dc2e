package der

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The expected values below were computed by hand from the turns.
func TestScoreHandComputed(t *testing.T) {
	tests := []struct {
		name     string
		ref, hyp []Turn
		collar   float64
		want     Result
	}{
		{
			name: "perfect_with_other_names",
			ref:  []Turn{{"A", 0, 10}, {"B", 10, 20}},
			hyp:  []Turn{{"x", 0, 10}, {"y", 10, 20}},
			want: Result{Scored: 20, Mapping: map[string]string{"x": "A", "y": "B"}},
		},
		{
			// Hypothesis B starts 2 s early: 2 s of A are called y.
			name: "late_change_confusion",
			ref:  []Turn{{"A", 0, 10}, {"B", 10, 20}},
			hyp:  []Turn{{"x", 0, 8}, {"y", 8, 20}},
			want: Result{Scored: 20, Confusion: 2, Mapping: map[string]string{"x": "A", "y": "B"}},
		},
		{
			// The same 2 s error with a 0.25 s collar: 1.75 s of A are
			// confused. The collars leave 0.25 s at 0 s, 0.5 s around
			// 10 s and 0.25 s at 20 s unscored.
			name:   "late_change_with_collar",
			ref:    []Turn{{"A", 0, 10}, {"B", 10, 20}},
			hyp:    []Turn{{"x", 0, 8}, {"y", 8, 20}},
			collar: 0.25,
			want:   Result{Scored: 19, Confusion: 1.75, Mapping: map[string]string{"x": "A", "y": "B"}},
		},
		{
			// 1 s of speech is missed and 3 s of silence called speech.
			name: "missed_and_false_alarm",
			ref:  []Turn{{"A", 0, 5}, {"B", 8, 12}},
			hyp:  []Turn{{"x", 1, 5}, {"y", 5, 12}},
			want: Result{Scored: 9, Missed: 1, FalseAlarm: 3, Mapping: map[string]string{"x": "A", "y": "B"}},
		},
		{
			// Overlap 4..6 counts twice; the hypothesis has one speaker
			// there, so 2 s are missed.
			name: "overlap_counts_per_speaker",
			ref:  []Turn{{"A", 0, 6}, {"B", 4, 10}},
			hyp:  []Turn{{"x", 0, 5}, {"y", 5, 10}},
			// 0..4: A/x correct. 4..5: A,B vs x: 1 missed (B). 5..6:
			// A,B vs y: 1 missed (A). 6..10: B/y correct.
			want: Result{Scored: 12, Missed: 2, Mapping: map[string]string{"x": "A", "y": "B"}},
		},
		{
			// One hypothesis speaker for two reference speakers: the
			// mapping picks the longer one, the other is confusion.
			name: "one_cluster_for_two",
			ref:  []Turn{{"A", 0, 7}, {"B", 7, 10}},
			hyp:  []Turn{{"x", 0, 10}},
			want: Result{Scored: 10, Confusion: 3, Mapping: map[string]string{"x": "A"}},
		},
		{
			// Three hypothesis speakers for two: the best one-to-one
			// mapping is x->A (4 s) and z->B (5 s); y's 1 s is confusion.
			name: "split_speaker",
			ref:  []Turn{{"A", 0, 5}, {"B", 5, 10}},
			hyp:  []Turn{{"x", 0, 4}, {"y", 4, 5}, {"z", 5, 10}},
			want: Result{Scored: 10, Confusion: 1, Mapping: map[string]string{"x": "A", "z": "B"}},
		},
		{
			name: "empty_hypothesis",
			ref:  []Turn{{"A", 0, 3}},
			want: Result{Scored: 3, Missed: 3, Mapping: map[string]string{}},
		},
	}
	approx := cmpopts.EquateApprox(0, 1e-9)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Score(tt.ref, tt.hyp, tt.collar)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("Score mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResultDER(t *testing.T) {
	r := Result{Scored: 20, Missed: 1, FalseAlarm: 2, Confusion: 2}
	if got, want := r.DER(), 0.25; math.Abs(got-want) > 1e-12 {
		t.Errorf("DER() = %v, want %v", got, want)
	}
	if got := (Result{}).DER(); got != 0 {
		t.Errorf("DER() of empty result = %v, want 0", got)
	}
	sum := r.Add(Result{Scored: 10, Missed: 1})
	if got, want := sum.DER(), 6.0/30; math.Abs(got-want) > 1e-12 {
		t.Errorf("Add().DER() = %v, want %v", got, want)
	}
}

func TestScoreRejectsInvalidTurns(t *testing.T) {
	tests := []struct {
		name string
		ref  []Turn
	}{
		{"end_before_start", []Turn{{"A", 5, 4}}},
		{"negative_start", []Turn{{"A", -1, 4}}},
		{"missing_speaker", []Turn{{"", 0, 4}}},
		{"nan", []Turn{{"A", math.NaN(), 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Score(tt.ref, nil, 0); err == nil {
				t.Errorf("Score(%v) returned no error", tt.ref)
			}
		})
	}
	if _, err := Score(nil, nil, -1); err == nil {
		t.Error("Score with collar -1 returned no error")
	}
}

func TestRTTMRoundTrip(t *testing.T) {
	turns := []Turn{{"spk1", 0.5, 2.25}, {"spk2", 2, 3.125}}
	var buf bytes.Buffer
	if err := WriteRTTM(&buf, "meeting", turns); err != nil {
		t.Fatal(err)
	}
	wantText := "SPEAKER meeting 1 0.500 1.750 <NA> <NA> spk1 <NA> <NA>\n" +
		"SPEAKER meeting 1 2.000 1.125 <NA> <NA> spk2 <NA> <NA>\n"
	if diff := cmp.Diff(wantText, buf.String()); diff != "" {
		t.Errorf("WriteRTTM mismatch (-want +got):\n%s", diff)
	}

	got, err := ReadRTTM(strings.NewReader(";; comment\nSPKR-INFO x 1 <NA> <NA> <NA> unknown spk1 <NA> <NA>\n" + buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(turns, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("ReadRTTM mismatch (-want +got):\n%s", diff)
	}
}

func TestReadRTTMInvalid(t *testing.T) {
	for _, line := range []string{
		"SPEAKER f 1 0.5",
		"SPEAKER f 1 abc 1.0 <NA> <NA> s <NA> <NA>",
		"SPEAKER f 1 0.5 x <NA> <NA> s <NA> <NA>",
		"SPEAKER f 1 -0.5 1 <NA> <NA> s <NA> <NA>",
		"SPEAKER f 1 NaN 1 <NA> <NA> s <NA> <NA>",
		"SPEAKER f 1 0 +Inf <NA> <NA> s <NA> <NA>",
	} {
		_, err := ReadRTTM(strings.NewReader(line))
		if !errors.Is(err, ErrRTTM) {
			t.Errorf("ReadRTTM(%q) error = %v, want ErrRTTM", line, err)
		}
	}
}

func FuzzReadRTTM(f *testing.F) {
	f.Add("SPEAKER meeting 1 0.500 1.750 <NA> <NA> spk1 <NA> <NA>\n")
	f.Add(";; comment\nSPEAKER f 1 1e308 1e308 <NA> <NA> s <NA> <NA>\n")
	f.Add("SPEAKER f 1 NaN 1 <NA> <NA> s <NA> <NA>\n")
	f.Fuzz(func(t *testing.T, text string) {
		turns, err := ReadRTTM(strings.NewReader(text))
		if err != nil {
			return
		}
		// Whatever parses must score against itself without error or
		// with a clear one, and never panic.
		if res, err := Score(turns, turns, 0.25); err == nil && res.DER() > 1e-9 {
			t.Errorf("Score(turns, turns) DER = %v, want 0", res.DER())
		}
	})
}
