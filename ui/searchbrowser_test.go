package ui

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ordagrann/ordagrann/central/store"
)

// actionsScreenshotDir holds the screenshots of search, copy, documented and delete.
var actionsScreenshotDir = filepath.Join("..", "test-output", "actions")

func TestBrowserSearchCopyDocumentDelete(t *testing.T) {
	ctx := newBrowser(t)

	f := newEvaFixture(t, []store.Segment{
		{Start: 0, End: 3 * time.Second, Text: "Hej Lisa Andersson, välkommen hit."},
		{Start: 3 * time.Second, End: 6 * time.Second, Text: "Vi ska prata om ditt bostadsbidrag och boendet."},
		{Start: 6 * time.Second, End: 9 * time.Second, Text: "Mitt personnummer är 19811218-9876."},
	})
	clock, logger, accounts, eva, env := f.clock, f.logger, f.accounts, f.eva, f.env
	endRecording(t, env, "rec-eva") // only a finished recording can be marked documented
	access := &actionRecorder{}
	h, err := New(env.ts, &Options{Logger: logger, Now: clock.Now, Auth: accounts, Access: access.record,
		WipeTime: func(store.Recording) time.Time { return clock.Now().Add(75 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer closeServer(srv)

	browserSignIn(t, ctx, srv.URL, clock, eva)
	checkHeading(t, ctx, "Inspelningar")

	// Search from the header's search box.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("sokruta"), "boende")); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "form.header-search")
	checkHeading(t, ctx, "Sök i utskrifter")
	marked, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".hits mark")))
	if err != nil || marked != "boendet" {
		t.Errorf("highlighted hit = %q, %v, want %q", marked, err, "boendet")
	}
	screenshotTo(t, ctx, actionsScreenshotDir, "search")
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.hits a`))); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	evaSegs, segErr := env.ts.Segments(context.Background(), "rec-eva")
	if segErr != nil || len(evaSegs) < 2 {
		t.Fatalf("Segments(rec-eva) = %d, %v", len(evaSegs), segErr)
	}
	if want := fmt.Sprintf("/recordings/rec-eva#segment-%d", evaSegs[1].ID); err != nil || !strings.HasSuffix(loc, want) {
		t.Errorf("hit link led to %q, %v, want %q, the row of the hit", loc, err, want)
	}
	todo, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".actions .todo")))
	if err != nil || !strings.Contains(todo, "gallras automatiskt om 3 dagar") {
		t.Errorf("actions part = %q, %v, want the time left before the wipe", todo, err)
	}
	screenshotTo(t, ctx, actionsScreenshotDir, "recording-actions")

	// Copy the transcript, pseudonymized, and read the journal note.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`a[href$="/kopiera"]`))); err != nil {
		t.Fatal(err)
	}
	checkHeading(t, ctx, "Kopiera till journalen")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[name="pseudonymisera"]`))); err != nil {
		t.Fatal(err)
	}
	screenshotTo(t, ctx, actionsScreenshotDir, "copy-choice")
	submit(t, ctx, "form.copy-form")
	checkHeading(t, ctx, "Journaltext")
	note, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("journaltext").value`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(note, "00:03 Talare: Vi ska prata om ditt bostadsbidrag och boendet.") || strings.Contains(note, "Lisa") || strings.Contains(note, "19811218") {
		t.Errorf("journal note is not the pseudonymized transcript:\n%s", note)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("kopiera"))); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById("kopiera-status").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(status, "Texten") {
		t.Errorf("copy status = %q, want a Swedish message", status)
	}
	screenshotTo(t, ctx, actionsScreenshotDir, "copy-note")

	// Mark the recording documented.
	navigate(t, ctx, srv.URL+"/recordings/rec-eva")
	submit(t, ctx, `form[action$="/dokumenterad"]`)
	done, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".actions .form-done")))
	if err != nil || !strings.Contains(done, "Markerad som dokumenterad") {
		t.Errorf("after marking: %q, %v, want the documented message", done, err)
	}
	screenshotTo(t, ctx, actionsScreenshotDir, "documented")

	// Delete it and see it gone.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`a[href$="/gallra"]`))); err != nil {
		t.Fatal(err)
	}
	checkHeading(t, ctx, "Gallra inspelningen?")
	screenshotTo(t, ctx, actionsScreenshotDir, "delete-confirm")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[name="bekrafta"]`))); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, `form[action$="/gallra"]`)
	checkHeading(t, ctx, "Inspelningen är gallrad")
	screenshotTo(t, ctx, actionsScreenshotDir, "deleted")
	if got := navigate(t, ctx, srv.URL+"/recordings/rec-eva"); got != "Inspelningen är raderad" {
		t.Errorf("deleted recording: h1 = %q, want %q", got, "Inspelningen är raderad")
	}
	navigate(t, ctx, srv.URL+"/")
	if got := recordingLinks(t, ctx); len(got) != 0 {
		t.Errorf("list after delete links %v, want none", got)
	}

	// Reads come from the pages and the player's audio requests; every
	// other action writes exactly one entry.
	var actions []string
	for _, c := range access.take() {
		if c.Action != "read" {
			actions = append(actions, c.Action)
		}
	}
	if got, want := strings.Join(actions, " "), "search copy delete"; got != want {
		t.Errorf("access log actions other than read = %q, want %q", got, want)
	}
}
