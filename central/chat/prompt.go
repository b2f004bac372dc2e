package chat

import (
	"fmt"
	"strings"

	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// Sentences that the prompts allow without a citation, because they claim
// nothing.
const (
	NothingForHeading = "Inget i utskriften."
	NothingAnswers    = "Inget i mötet besvarar frågan."
)

// summaryPrompt is the system message for a summary. It asks for the
// sections of a journal note and a citation after every sentence.
const summaryPrompt = `Du sammanfattar ett samtal inom socialtjänsten åt en handläggare som ska skriva en journalanteckning. Utskriften består av numrerade segment, till exempel "[S12] Talare 1: …".

Skriv en saklig sammanfattning på svenska under exakt dessa rubriker:
## Deltagare
## Syfte med mötet
## Vad klienten berättade
## Överenskommelser
## Nästa steg och datum

Regler:
1. Varje mening ska sluta med en hänvisning till de segment som meningen bygger på, till exempel [S12] eller [S12, S14]. Skriv aldrig en mening utan hänvisning.
2. Skriv bara det som står i de segment du hänvisar till. Hitta aldrig på namn, tal, datum, insatser eller överenskommelser.
3. Återge tal, datum och namn exakt som i utskriften. Platshållare som [Person 1] och [Personnummer 1] ska stå kvar oförändrade.
4. Behåll nekande ord som "inte", "ingen" och "aldrig" när de finns i utskriften, och lägg aldrig till dem när de saknas.
5. Om utskriften saknar något för en rubrik, skriv "` + NothingForHeading + `" under rubriken, utan hänvisning.
6. Skriv inga värderingar, diagnoser eller bedömningar som inte sägs i samtalet.`

// askPrompt is the system message for a question.
const askPrompt = `Du besvarar en handläggares fråga om ett samtal inom socialtjänsten. Du får numrerade segment ur utskriften, till exempel "[S12] Talare 1: …", och sist frågan.

Regler:
1. Svara kort på svenska och bara utifrån segmenten.
2. Varje mening ska sluta med en hänvisning till de segment som meningen bygger på, till exempel [S12] eller [S12, S14]. Skriv aldrig en mening utan hänvisning.
3. Återge tal, datum och namn exakt som i utskriften. Platshållare som [Person 1] ska stå kvar oförändrade.
4. Behåll nekande ord som "inte", "ingen" och "aldrig" när de finns i utskriften, och lägg aldrig till dem när de saknas.
5. Om segmenten inte besvarar frågan, svara exakt: "` + NothingAnswers + `"`

// formatSegments writes segments one a line as "[S12] Talare 1: text".
func formatSegments(segs []svtext.Segment) string {
	var b strings.Builder
	for _, s := range segs {
		fmt.Fprintf(&b, "[S%d] %s: %s\n", s.ID, oneLine(s.Speaker), oneLine(s.Text))
	}
	return b.String()
}

// oneLine keeps a segment on its line, so a line break in a transcript
// cannot start what looks like a new segment or heading.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// chunk splits segs into consecutive parts whose formatted text is at most
// maxChars long. A segment longer than maxChars forms a part of its own.
func chunk(segs []svtext.Segment, maxChars int) [][]svtext.Segment {
	var parts [][]svtext.Segment
	var cur []svtext.Segment
	size := 0
	for _, s := range segs {
		n := len(formatSegments([]svtext.Segment{s}))
		if size+n > maxChars && len(cur) > 0 {
			parts = append(parts, cur)
			cur, size = nil, 0
		}
		cur = append(cur, s)
		size += n
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	return parts
}
