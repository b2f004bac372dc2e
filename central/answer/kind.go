package answer

import (
	"strings"

	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// kind is what a question asks for, from its first words.
type kind int

const (
	askOther  kind = iota
	askWhen        // "när", "vilken dag"
	askAmount      // "hur många", "hur mycket", "hur stor", "hur gammal", "hur länge", "hur ofta"
)

func questionKind(question string) kind {
	toks := svtext.Tokenize(question)
	if len(toks) == 0 {
		return askOther
	}
	first := toks[0].Lower
	second := ""
	if len(toks) > 1 {
		second = toks[1].Lower
	}
	switch {
	case first == "när" || first == "vilket" && second == "datum" || first == "vilken" && (second == "dag" || second == "tid"):
		return askWhen
	case first == "hur" && strings.Contains(" många mycket stor stort stora gammal gamla länge ofta hög högt ", " "+second+" "):
		return askAmount
	}
	return askOther
}

// boost returns the factor by which a passage's score grows when it has the
// kind of information that the question asks for.
func (k kind) boost(p passage) float64 {
	switch {
	case k == askWhen && p.hasDate:
		return 1.5
	case k == askAmount && p.hasCount:
		return 1.5
	}
	return 1
}
