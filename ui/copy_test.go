package ui

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/speakers"
)

var noteArea = regexp.MustCompile(`(?s)<textarea id="journaltext"[^>]*>(.*?)</textarea>`)

// journalText returns the journal note in a copy page.
func journalText(t *testing.T, w interface{ String() string }) string {
	t.Helper()
	m := noteArea.FindStringSubmatch(w.String())
	if m == nil {
		t.Fatalf("page has no journal note:\n%s", w)
	}
	return html.UnescapeString(m[1])
}

func TestCopyWholeTranscript(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	e.actions.take()

	form := b.get("/recordings/rec-anna/kopiera")
	checkPage(t, form, http.StatusOK, "Hela utskriften (3 rader)")
	w := b.post("/recordings/rec-anna/kopiera", url.Values{CSRFField: {csrf(t, form)}, "urval": {"alla"}})
	checkPage(t, w, http.StatusOK, "Kopiera texten")

	note := journalText(t, w.Body)
	lines := strings.Split(strings.TrimSpace(note), "\n")
	wantLines := []string{
		"00:00 Talare: Hej Lisa Andersson, välkommen hit.",
		"00:03 Talare: Vi ska prata om ditt bostadsbidrag och boendet.",
		"00:06 Talare: Mitt personnummer är 19811218-9876.",
	}
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "Samtal ") {
		t.Fatalf("note = %q, want a heading, a blank line and 3 rows", note)
	}
	if diff := cmp.Diff(wantLines, lines[2:]); diff != "" {
		t.Errorf("note rows (-want +got):\n%s", diff)
	}

	anna := e.people["anna"].ID
	want := []actionCall{
		{Actor: anna, Action: "read", Recording: "rec-anna"},
		{Actor: anna, Action: "copy", Recording: "rec-anna", Detail: map[string]string{"segments": "3", "pseudonymized": "no"}},
	}
	if diff := cmp.Diff(want, e.actions.take()); diff != "" {
		t.Errorf("access log calls (-want +got):\n%s", diff)
	}
}

func TestCopySelectedRowsPseudonymized(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	token := csrf(t, b.get("/recordings/rec-anna/kopiera"))
	e.actions.take()

	w := b.post("/recordings/rec-anna/kopiera", url.Values{CSRFField: {token}, "urval": {"valda"}, "rad": {"1", "3"}, "pseudonymisera": {"ja"}})
	checkPage(t, w, http.StatusOK, "pseudonymiserad")
	note := journalText(t, w.Body)
	for _, secret := range []string{"Lisa", "Andersson", "19811218-9876", "bostadsbidrag"} {
		if strings.Contains(note, secret) {
			t.Errorf("pseudonymized note of rows 1 and 3 contains %q:\n%s", secret, note)
		}
	}
	if !strings.Contains(note, "00:06 Talare: Mitt personnummer är [") {
		t.Errorf("note lacks the placeholder row:\n%s", note)
	}
	calls := e.actions.take()
	if len(calls) != 1 || calls[0].Action != "copy" || calls[0].Detail["segments"] != "2" || calls[0].Detail["pseudonymized"] != "yes" {
		t.Errorf("access log calls = %+v, want one copy of 2 pseudonymized segments", calls)
	}
}

func TestCopyRejectsBadInput(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	token := csrf(t, b.get("/recordings/rec-anna/kopiera"))
	e.actions.take()

	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"no_csrf", "/recordings/rec-anna/kopiera", url.Values{"urval": {"alla"}}, http.StatusForbidden, "Formuläret kunde inte skickas"},
		{"no_rows_chosen", "/recordings/rec-anna/kopiera", url.Values{CSRFField: {token}, "urval": {"valda"}}, http.StatusBadRequest, "Välj minst en rad"},
		{"unknown_row", "/recordings/rec-anna/kopiera", url.Values{CSRFField: {token}, "urval": {"valda"}, "rad": {"9"}}, http.StatusBadRequest, "rad som inte finns"},
		{"another_persons_recording", "/recordings/rec-bo/kopiera", url.Values{CSRFField: {token}, "urval": {"alla"}}, http.StatusNotFound, "Sidan finns inte"},
		{"other_team", "/recordings/rec-cilla/kopiera", url.Values{CSRFField: {token}, "urval": {"alla"}}, http.StatusNotFound, "Sidan finns inte"},
		{"oversize_form", "/recordings/rec-anna/kopiera", url.Values{CSRFField: {token}, "urval": {"valda"}, "rad": strings.Fields(strings.Repeat("1 ", 20000))}, http.StatusRequestEntityTooLarge, "För lång text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := b.post(tt.path, tt.form)
			checkPage(t, w, tt.status, tt.want)
			if strings.Contains(w.Body.String(), `id="journaltext"`) {
				t.Errorf("rejected copy returned a journal note")
			}
		})
	}
	for _, c := range e.actions.take() {
		if c.Action == "copy" {
			t.Errorf("rejected copy logged %+v", c)
		}
	}
	if w := b.get("/recordings/rec-bo/kopiera"); w.Code != http.StatusNotFound {
		t.Errorf("GET another person's copy page = %d, want 404", w.Code)
	}
}

// TestCopyLongChoice sends the form of a long meeting with 1,500 rows
// chosen one by one, about 14 KiB, which the 4 KiB limit of other signed-in
// forms would refuse.
func TestCopyLongChoice(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	token := csrf(t, b.get("/recordings/rec-anna/kopiera"))

	var numbers []string
	for i := range 1500 {
		numbers = append(numbers, strconv.Itoa(1+i%3))
	}
	form := url.Values{CSRFField: {token}, "urval": {"valda"}, "rad": numbers}
	if n := len(form.Encode()); n <= maxAuthForm {
		t.Fatalf("form is %d bytes, want more than %d to test the copy limit", n, maxAuthForm)
	}
	w := b.post("/recordings/rec-anna/kopiera", form)
	checkPage(t, w, http.StatusOK, "Kopiera texten")
	if note := journalText(t, w.Body); strings.Count(note, "Talare:") != 3 {
		t.Errorf("note = %q, want the 3 chosen rows", note)
	}
}

func TestCopyWithoutAccessLogReturnsNoText(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	token := csrf(t, b.get("/recordings/rec-anna/kopiera"))
	e.actions.err = context.DeadlineExceeded

	w := b.post("/recordings/rec-anna/kopiera", url.Values{CSRFField: {token}, "urval": {"alla"}})
	if w.Code != http.StatusServiceUnavailable || strings.Contains(w.Body.String(), "bostadsbidrag") {
		t.Errorf("copy with a failing access log = %d with text, want 503 without it", w.Code)
	}
}

func TestManagerCopyCarriesReason(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["maja"])
	token := csrf(t, b.get("/"))

	checkPage(t, b.get("/recordings/rec-anna/kopiera"), http.StatusForbidden, "Ange skäl")
	checkRedirect(t, b.post("/recordings/rec-anna/skal", url.Values{CSRFField: {token}, "skal": {"Anna är sjuk i dag."}}), "/recordings/rec-anna")
	checkPage(t, b.get("/recordings/rec-anna"), http.StatusOK, "Kopiera till journalen")
	e.actions.take()

	checkPage(t, b.post("/recordings/rec-anna/kopiera", url.Values{CSRFField: {token}, "urval": {"alla"}}), http.StatusOK, "Kopiera texten")
	calls := e.actions.take()
	if len(calls) != 1 || calls[0].Action != "copy" || calls[0].Reason != "Anna är sjuk i dag." {
		t.Errorf("access log calls = %+v, want one copy with the reason", calls)
	}
}

// nameSpeakers gives rec one speaker per segment pair and the names given.
func nameSpeakers(t *testing.T, e *actionsEnv, rec string, names map[int]string) {
	t.Helper()
	res := diarize.Result{
		Turns: []diarize.Turn{
			{Start: 0, End: 3 * time.Second, Speaker: 0},
			{Start: 3 * time.Second, End: 6 * time.Second, Speaker: 1},
			{Start: 6 * time.Second, End: 9 * time.Second, Speaker: 2},
		},
		Speakers: []diarize.Speaker{{Label: "Talare 1"}, {Label: "Talare 2"}, {Label: "Talare 3"}},
		Method:   diarize.MethodVoice, Final: true,
	}
	b, err := speakers.Encode(res)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := e.ts.PutDiarization(ctx, rec, true, b); err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		if err := e.ts.SetSpeakerName(ctx, rec, i, name); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCopyPseudonymizesSpeakerNames(t *testing.T) {
	for _, name := range []string{"Kalle Karlsson", "Omid Rahimi", "Familjen Ekbacka"} {
		t.Run(name, func(t *testing.T) {
			e := newActionsEnv(t)
			nameSpeakers(t, e, "rec-anna", map[int]string{0: name, 1: "Handläggare"})
			b := e.signIn(t, e.people["anna"])
			token := csrf(t, b.get("/recordings/rec-anna/kopiera"))

			w := b.post("/recordings/rec-anna/kopiera", url.Values{CSRFField: {token}, "urval": {"alla"}, "pseudonymisera": {"ja"}})
			note := journalText(t, w.Body)
			for _, part := range strings.Fields(name) {
				if strings.Contains(note, part) {
					t.Errorf("pseudonymized note contains %q of speaker name %q:\n%s", part, name, note)
				}
			}
			for _, want := range []string{"00:00 [Person ", "00:03 Handläggare: ", "00:06 Talare 3: "} {
				if !strings.Contains(note, want) {
					t.Errorf("pseudonymized note lacks %q:\n%s", want, note)
				}
			}
		})
	}
}
