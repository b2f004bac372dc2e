package summary_test

import (
	"testing"

	"github.com/ordagrann/ordagrann/central/summary"
	"github.com/ordagrann/ordagrann/central/summary/evalset"
)

// minFactRecall is the share of the evaluation set's facts that the
// summaries must contain. The measured value is printed with -v.
const minFactRecall = 0.85

func TestFactRecall(t *testing.T) {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(meetings) < 20 {
		t.Fatalf("evaluation set has %d meetings, want at least 20", len(meetings))
	}
	s, err := summary.New(nil)
	if err != nil {
		t.Fatal(err)
	}

	score, err := evalset.FactRecall(meetings, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range score.Missed {
		t.Logf("missed %s", m)
	}
	t.Logf("fact recall %.3f (%d of %d facts, %d meetings)", score.Recall(), score.Found, score.Total, len(meetings))
	if score.Recall() < minFactRecall {
		t.Errorf("fact recall = %.3f, want at least %.2f", score.Recall(), minFactRecall)
	}
}

// minFactRecallUnlabelled is the share of the facts that summaries of the
// same meetings must contain when no speaker is known, as before the
// diarization of a recording has run or when it failed.
const minFactRecallUnlabelled = 0.7

func TestFactRecallWithoutSpeakers(t *testing.T) {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for i := range meetings {
		for j := range meetings[i].Segments {
			meetings[i].Segments[j].Speaker = ""
		}
	}
	s, err := summary.New(nil)
	if err != nil {
		t.Fatal(err)
	}

	score, err := evalset.FactRecall(meetings, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range score.Missed {
		t.Logf("missed %s", m)
	}
	t.Logf("fact recall without speakers %.3f (%d of %d facts, %d meetings)", score.Recall(), score.Found, score.Total, len(meetings))
	if score.Recall() < minFactRecallUnlabelled {
		t.Errorf("fact recall without speakers = %.3f, want at least %.2f", score.Recall(), minFactRecallUnlabelled)
	}
}
