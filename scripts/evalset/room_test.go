package main

import (
	"math"
	"os/exec"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestImpulseResponseDirectPath(t *testing.T) {
	r := room{size: vec{8, 6, 3}, rt60: 0.3}
	src, mic := vec{2, 3, 1.5}, vec{3.5, 3, 1.5}
	h, err := r.impulseResponse(src, mic, rate, 0.3)
	if err != nil {
		t.Fatal(err)
	}

	peak := 0
	for i := range h {
		if math.Abs(h[i]) > math.Abs(h[peak]) {
			peak = i
		}
	}
	d := 1.5
	if want := int(math.Round(d / speedOfSound * rate)); peak != want {
		t.Errorf("direct path at sample %d, want %d", peak, want)
	}
	if got, want := h[peak], 1/(4*math.Pi*d); math.Abs(got-want) > 0.1*want {
		t.Errorf("direct path gain = %v, want about %v", got, want)
	}
}

func TestImpulseResponseDecay(t *testing.T) {
	prev := 0.0
	for _, rt60 := range []float64{0.25, 0.6} {
		r := room{size: meetingRoom, rt60: rt60}
		h, err := r.impulseResponse(vec{1.3, 1.9, 1.15}, vec{2.3, 1.9, 0.75}, rate, 1.2)
		if err != nil {
			t.Fatal(err)
		}
		got := t20(h)
		t.Logf("Sabine %.2f s: measured T20 %.3f s", rt60, got)

		// Sabine's formula assumes a diffuse field. In a shoebox room
		// with the same absorption everywhere the image method decays
		// more slowly, because of the flutter between floor and ceiling,
		// so only a rough match is expected.
		if math.IsNaN(got) || got < 0.8*rt60 || got > 1.6*rt60 {
			t.Errorf("measured T20 = %.3f s for a %.2f s Sabine room, want 0.8 to 1.6 times that", got, rt60)
		}
		if got <= prev {
			t.Errorf("measured T20 = %.3f s, not longer than %.3f s of a shorter Sabine time", got, prev)
		}
		prev = got
	}
}

func TestReflectionRejectsImpossibleRoom(t *testing.T) {
	// A reverberation time this short needs absorption above 1.
	if _, err := (room{size: meetingRoom, rt60: 0.01}).reflection(); err == nil {
		t.Error("reflection accepted a 0.01 s reverberation time")
	}
}

func TestConvolveMatchesDirectSum(t *testing.T) {
	x := []float64{1, 2, 0, -1, 3}
	h := []float64{0.5, -1, 0.25}
	want := make([]float64, len(x)+len(h)-1)
	for i := range x {
		for j := range h {
			want[i+j] += x[i] * h[j]
		}
	}
	if diff := cmp.Diff(want, convolve(x, h), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("convolve mismatch (-want +got):\n%s", diff)
	}
}

func TestSpeechSpans(t *testing.T) {
	// 0.5 s tone, 0.2 s silence, 0.3 s tone, 0.5 s silence, 0.2 s tone:
	// the 0.2 s gap is joined, the 0.5 s gap is not.
	var s []float64
	tone := func(sec float64) {
		for i := range int(sec * rate) {
			s = append(s, 0.5*math.Sin(2*math.Pi*300*float64(i)/rate))
		}
	}
	quiet := func(sec float64) { s = append(s, make([]float64, int(sec*rate))...) }
	tone(0.5)
	quiet(0.2)
	tone(0.3)
	quiet(0.5)
	tone(0.2)

	got := speechSpans(s, 0.01)
	want := [][2]int{{0, int(1.0 * rate)}, {int(1.5 * rate), int(1.7 * rate)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("speechSpans mismatch (-want +got):\n%s", diff)
	}
}

func TestSynthesizeIsDeterministic(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng not installed")
	}
	if testing.Short() {
		t.Skip("runs espeak-ng and the room simulation")
	}
	d := dialogues()[0]
	d.lines = d.lines[:3]

	var outs []*recording
	for range 2 {
		dry, err := synthesize(d)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := capture(d, dry, "respeaker-2mic", 0.25, 10)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, rec)
	}
	if !cmp.Equal(outs[0].samples, outs[1].samples) {
		t.Error("two runs produced different audio")
	}
	if diff := cmp.Diff(outs[0].turns, outs[1].turns); diff != "" {
		t.Errorf("two runs produced different turns (-first +second):\n%s", diff)
	}
	if len(outs[0].turns) < 3 {
		t.Errorf("three lines gave %d reference turns, want at least 3", len(outs[0].turns))
	}
}
