package diarize

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordagrann/ordagrann/board"
)

func TestChanges(t *testing.T) {
	prev := Result{Turns: []Turn{{Start: 0, End: ms(1000), Speaker: 0}, {Start: ms(1000), End: ms(2000), Speaker: 1}}}
	next := Result{Turns: []Turn{{Start: 0, End: ms(1200), Speaker: 0}, {Start: ms(1200), End: ms(2000), Speaker: 1}, {Start: ms(2500), End: ms(2600), Speaker: 2}}}

	got := Changes(prev, next)
	want := []Change{
		{Start: ms(1000), End: ms(1200), From: 1, To: 0},
		{Start: ms(2500), End: ms(2600), From: -1, To: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Changes mismatch (-want +got):\n%s", diff)
	}
	if got := Changes(next, next); len(got) != 0 {
		t.Errorf("Changes(r, r) = %v, want none", got)
	}
}

func TestSpeakerLabels(t *testing.T) {
	prof, err := board.Lookup("respeaker-4mic")
	if err != nil {
		t.Fatal(err)
	}
	caseworker := 200.0
	turns := []Turn{{Start: 0, End: ms(1000), Speaker: 0}, {Start: ms(1000), End: ms(2000), Speaker: 1}, {Start: ms(2000), End: ms(3000), Speaker: 2}}
	dirs := map[int]float64{0: 330, 1: 205, 2: 90}

	tests := []struct {
		name string
		opts *Options
		want []string
	}{
		{"caseworker_second", &Options{Mics: prof.Mics, CaseworkerAzimuth: &caseworker}, []string{"Talare 2", "Handläggare", "Talare 3"}},
		{"no_caseworker_direction", &Options{Mics: prof.Mics}, []string{"Talare 1", "Talare 2", "Talare 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range d.speakers(turns, dirs, 3) {
				got = append(got, s.Label)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("labels mismatch (-want +got):\n%s", diff)
			}
		})
	}

	// On a 2-mic array a chair along the axis is heard well inside it.
	two, err := board.Lookup("respeaker-2mic")
	if err != nil {
		t.Fatal(err)
	}
	endfire := 180.0
	d2, err := New(&Options{Mics: two.Mics, CaseworkerAzimuth: &endfire})
	if err != nil {
		t.Fatal(err)
	}
	got := d2.speakers(turns, map[int]float64{0: 25, 1: 150, 2: 95}, 3)
	if !got[1].Caseworker || got[0].Caseworker || got[2].Caseworker {
		t.Errorf("2-mic chair at 180 degrees: caseworker flags %v, %v, %v, want only the speaker heard at 150", got[0].Caseworker, got[1].Caseworker, got[2].Caseworker)
	}

	far := 20.0
	d, err := New(&Options{Mics: prof.Mics, CaseworkerAzimuth: &far})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.speakers(turns, dirs, 3) {
		if s.Caseworker {
			t.Errorf("speaker at %v degrees labelled caseworker for a chair at 20 degrees, beyond the 30 degree tolerance", s.Azimuth)
		}
	}
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		opts Options
	}{
		{"too_many_speakers", Options{Speakers: 7}},
		{"negative_speakers", Options{Speakers: -1}},
		{"max_speakers_too_large", Options{MaxSpeakers: 9}},
		{"tolerance", Options{CaseworkerTolerance: 120}},
		{"nan_azimuth", Options{CaseworkerAzimuth: &nan}},
		{"coincident_mics", Options{Mics: []board.Position{{X: 0.01}, {X: 0.01, Z: 0.02}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(&tt.opts); err == nil {
				t.Errorf("New(%+v) returned no error", tt.opts)
			}
		})
	}
}
