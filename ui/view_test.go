package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/speakers"
	"github.com/ordagrann/ordagrann/central/store"
)

// symbolSegments are segments as central/asr stores whisper.cpp's output:
// a symbol after a space is joined to the word before it in the word
// list, while the segment text keeps the space.
var symbolSegments = []store.Segment{
	{ID: 1, Start: 0, End: 4 * time.Second, Text: ` och "citat" & 'apostrof'`, Words: []store.Word{
		{Text: "och", Start: 0, End: time.Second, Probability: 0.9},
		{Text: `"citat"&`, Start: time.Second, End: 2 * time.Second, Probability: 0.3},
		{Text: "'apostrof'", Start: 3 * time.Second, End: 4 * time.Second, Probability: 0.9},
	}},
	{ID: 2, Start: 4 * time.Second, End: 8 * time.Second, Text: " text med emoji 👩\u200d👩\u200d👧 och e\u0301.", Words: []store.Word{
		{Text: "text", Start: 4 * time.Second, End: 5 * time.Second, Probability: 0.9},
		{Text: "med", Start: 5 * time.Second, End: 5500 * time.Millisecond, Probability: 0.9},
		{Text: "emoji👩\u200d👩\u200d👧", Start: 5500 * time.Millisecond, End: 6 * time.Second, Probability: 0.9},
		{Text: "och", Start: 6 * time.Second, End: 7 * time.Second, Probability: 0.9},
		{Text: "e\u0301.", Start: 7 * time.Second, End: 8 * time.Second, Probability: 0.9},
	}},
}

func joinParts(parts []textPart) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

func TestTextPartsKeepSpacesBeforeSymbols(t *testing.T) {
	for _, seg := range symbolSegments {
		parts := textParts(seg)
		if got := joinParts(parts); got != seg.Text {
			t.Errorf("textParts(%q) joined = %q, want the text unchanged", seg.Text, got)
		}
		words := 0
		for _, p := range parts {
			if p.Word {
				words++
			}
		}
		if words != len(seg.Words) {
			t.Errorf("textParts(%q) has %d words, want %d", seg.Text, words, len(seg.Words))
		}
	}
	parts := textParts(symbolSegments[0])
	if i := len(parts) - 3; parts[i].Text != `"citat" &` || !parts[i].Uncertain {
		t.Errorf("textParts word = %+v, want the uncertain `\"citat\" &` as the text writes it", parts[i])
	}
}

func TestSplitRowsKeepEngineText(t *testing.T) {
	// Speaker 0 speaks the first words of each segment, speaker 1 the rest.
	res := diarize.Result{
		Turns: []diarize.Turn{
			{Start: 0, End: 2 * time.Second, Speaker: 0},
			{Start: 2 * time.Second, End: 4 * time.Second, Speaker: 1},
			{Start: 4 * time.Second, End: 5500 * time.Millisecond, Speaker: 0},
			{Start: 5500 * time.Millisecond, End: 8 * time.Second, Speaker: 1},
		},
		Speakers: []diarize.Speaker{{Label: "Talare 1"}, {Label: "Talare 2"}},
	}
	rows := diarize.Assign(symbolSegments, res)
	restoreRowTexts(symbolSegments, rows)

	var got []string
	for _, row := range rows {
		got = append(got, row.Text)
		if joined := joinParts(textParts(row.Segment)); joined != row.Text {
			t.Errorf("textParts(row %q) joined = %q, want the row's text", row.Text, joined)
		}
	}
	want := []string{`och "citat" &`, `'apostrof'`, `text med`, "emoji 👩\u200d👩\u200d👧 och e\u0301."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("row texts = %q, want %q", got, want)
	}
}

func TestSplitRowsUnknownWordKeepJoinedText(t *testing.T) {
	seg := store.Segment{ID: 1, Start: 0, End: 2 * time.Second, Text: " Hej du.", Words: []store.Word{
		{Text: "Hej", Start: 0, End: time.Second},
		{Text: "där", Start: time.Second, End: 2 * time.Second}, // not in the text
	}}
	rows := diarize.Assign([]store.Segment{seg}, diarize.Result{Turns: []diarize.Turn{{Start: 0, End: 2 * time.Second, Speaker: 0}}})
	joined := rows[0].Text
	restoreRowTexts([]store.Segment{seg}, rows)
	if rows[0].Text != joined {
		t.Errorf("row text = %q, want Assign's %q when a word is not in the text", rows[0].Text, joined)
	}
}

func TestCopyKeepsSpacesBeforeSymbols(t *testing.T) {
	e := newAccessEnv(t)
	e.ts.transcribe(t, "rec-bo", 0, 16000, symbolSegments)
	res := diarize.Result{
		Turns:    []diarize.Turn{{Start: 0, End: 10 * time.Second, Speaker: 0}},
		Speakers: []diarize.Speaker{{Label: "Talare 1"}},
		Method:   diarize.MethodVoice, Final: true,
	}
	b, err := speakers.Encode(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ts.PutDiarization(context.Background(), "rec-bo", true, b); err != nil {
		t.Fatal(err)
	}
	bo := e.signIn(t, e.people["bo"])
	token := csrf(t, bo.get("/recordings/rec-bo/kopiera"))

	note := journalText(t, bo.post("/recordings/rec-bo/kopiera", url.Values{CSRFField: {token}, "urval": {"alla"}}).Body)
	for _, want := range []string{`Talare 1: och "citat" & 'apostrof'`, "Talare 1: text med emoji 👩\u200d👩\u200d👧 och e\u0301."} {
		if !strings.Contains(note, want) {
			t.Errorf("journal note lacks %q:\n%s", want, note)
		}
	}
	page := bo.get("/recordings/rec-bo")
	checkPage(t, page, http.StatusOK, "emoji 👩\u200d👩\u200d👧 och")
}

func TestCloseBidiParts(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"abc", "abc"},
		{"a\u202eb\u202cc", "a\u202eb\u202cc"},
		{"a\u202eb", "a\u202eb\u202c"},
		{"\u202a\u202bx", "\u202a\u202bx\u202c\u202c"},
		{"\u2067x\u202ey", "\u2067x\u202ey\u202c\u2069"},
		{"\u2067x\u202ey\u2069z\u202d", "\u2067x\u202ey\u2069z\u202d\u202c"},
		{"x\u202c\u2069", "x\u202c\u2069"},
	} {
		if got := closeBidi(c.in); got != c.want {
			t.Errorf("closeBidi(%+q) = %+q, want %+q", c.in, got, c.want)
		}
	}
}

func TestRecordingPageClosesBidiOverride(t *testing.T) {
	e := newAccessEnv(t)
	e.ts.transcribe(t, "rec-anna", 0, 16000, []store.Segment{{Start: 0, End: time.Second, Text: " Rättvänd \u202eabc text"}})
	anna := e.signIn(t, e.people["anna"])

	body := anna.get("/recordings/rec-anna").Body.String()
	if !strings.Contains(body, "Rättvänd \u202eabc text\u202c") {
		t.Errorf("recording page does not close the override at the row's end:\n%s", body)
	}
}
