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
	checkFactRecall(t, loadMeetings(t), "fact recall", minFactRecall)
}

// minFactRecallUnlabelled is the share of the facts that summaries of the
// same meetings must contain when no speaker is known, as before the
// diarization of a recording has run or when it failed.
const minFactRecallUnlabelled = 0.7

func TestFactRecallWithoutSpeakers(t *testing.T) {
	meetings := loadMeetings(t)
	for i := range meetings {
		for j := range meetings[i].Segments {
			meetings[i].Segments[j].Speaker = ""
		}
	}
	checkFactRecall(t, meetings, "fact recall without speakers", minFactRecallUnlabelled)
}

// loadMeetings loads the evaluation set's meetings, at least 20 of them.
func loadMeetings(t *testing.T) []evalset.Meeting {
	t.Helper()
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(meetings) < 20 {
		t.Fatalf("evaluation set has %d meetings, want at least 20", len(meetings))
	}
	return meetings
}

// checkFactRecall summarizes meetings with the default summarizer, logs
// the missed facts and the recall, and fails below minimum.
func checkFactRecall(t *testing.T, meetings []evalset.Meeting, name string, minimum float64) {
	t.Helper()
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
	t.Logf("%s %.3f (%d of %d facts, %d meetings)", name, score.Recall(), score.Found, score.Total, len(meetings))
	if score.Recall() < minimum {
		t.Errorf("%s = %.3f, want at least %.2f", name, score.Recall(), minimum)
	}
}
