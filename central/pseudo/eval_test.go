package pseudo_test

import (
	"testing"

	"github.com/ordagrann/ordagrann/central/summary/evalset"
)

// Minimum precision and recall on the labelled set. The measured values
// are printed with -v.
const (
	minPrecision = 0.90
	minRecall    = 0.90
)

func TestLabelledSet(t *testing.T) {
	samples, err := evalset.LoadPseudo(evalset.Dir())
	if err != nil {
		t.Fatal(err)
	}
	score := evalset.PseudoAccuracy(samples, newDetector(t))
	for _, e := range score.Errors {
		t.Logf("%s", e)
	}

	t.Logf("pseudonymization precision %.3f, recall %.3f (%d samples, %d labelled details)",
		score.Precision(), score.Recall(), len(samples), score.TruePos+score.FalseNeg)
	if score.Precision() < minPrecision {
		t.Errorf("precision = %.3f, want at least %.2f", score.Precision(), minPrecision)
	}
	if score.Recall() < minRecall {
		t.Errorf("recall = %.3f, want at least %.2f", score.Recall(), minRecall)
	}
}
