package answer_test

import (
	"testing"

	"github.com/ordagrann/ordagrann/central/summary/evalset"
)

// Minimum shares on the evaluation set. The measured values are printed
// with -v.
const (
	minTop1Accuracy = 0.70
	minTop3Accuracy = 0.80
	minAbstention   = 0.70
)

func TestAnswerAccuracy(t *testing.T) {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		t.Fatal(err)
	}
	score, err := evalset.AnswerAccuracy(meetings, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range score.Misses {
		t.Logf("miss: %s", m)
	}

	t.Logf("answer accuracy top 1 %.3f, top 3 %.3f (%d questions); abstention %.3f (%d unanswerable questions)",
		score.Top1Accuracy(), score.Top3Accuracy(), score.Answerable, score.Abstention(), score.Unanswerable)
	if got := score.Top1Accuracy(); got < minTop1Accuracy {
		t.Errorf("top 1 accuracy = %.3f, want at least %.2f", got, minTop1Accuracy)
	}
	if got := score.Top3Accuracy(); got < minTop3Accuracy {
		t.Errorf("top 3 accuracy = %.3f, want at least %.2f", got, minTop3Accuracy)
	}
	if got := score.Abstention(); got < minAbstention {
		t.Errorf("abstention on unanswerable questions = %.3f, want at least %.2f", got, minAbstention)
	}
}
