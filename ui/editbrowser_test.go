package ui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/speakers"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// editScreenshotDir holds the screenshots of renaming and editing.
var editScreenshotDir = filepath.Join("..", "test-output", "edit")

// evaFixture is a caseworker, Eva, with the badge eva-1 and one recording,
// rec-eva, that her badge started, for the browser tests.
type evaFixture struct {
	clock    *authClock
	logger   *slog.Logger
	accounts *auth.Store
	eva      authtest.Account
	env      *accessEnv
}

// newEvaFixture creates Eva's account and rec-eva with segs transcribed.
func newEvaFixture(t *testing.T, segs []store.Segment) evaFixture {
	t.Helper()
	f := evaFixture{clock: &authClock{now: time.Now()}, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.accounts = authtest.Open(t, &auth.Options{Now: f.clock.Now, Logger: f.logger})
	f.eva = authtest.Enrolled(t, f.accounts, f.clock.Now(), auth.NewAccount{UserName: "eva.lund", DisplayName: "Eva Lund", Role: auth.RoleCaseworker, Team: "Team Nord"})
	if err := f.accounts.SetBadges(context.Background(), f.eva.ID, []string{"eva-1"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * time.Second)

	f.env = &accessEnv{ts: openTestStore(t)}
	f.env.recordWithBadge(t, "rec-eva", "eva-1")
	f.env.ts.transcribe(t, "rec-eva", 0, 16000, segs)
	return f
}

// TestBrowserRenameAndEdit renames a speaker, then corrects a segment in
// its row and reads the original under the edit's history.
func TestBrowserRenameAndEdit(t *testing.T) {
	ctx := newBrowser(t)

	f := newEvaFixture(t, []store.Segment{
		{Start: 0, End: 3 * time.Second, Text: "Välkommen hit, vi börjar med boendet."},
		{Start: 3 * time.Second, End: 6 * time.Second, Text: "Jag bor hos min syster i Lund."},
	})
	clock, logger, accounts, eva, env := f.clock, f.logger, f.accounts, f.eva, f.env
	segs, err := env.ts.Segments(context.Background(), "rec-eva")
	if err != nil || len(segs) != 2 {
		t.Fatalf("Segments = %d, %v", len(segs), err)
	}
	res := diarize.Result{
		Turns:    []diarize.Turn{{Start: 0, End: 3 * time.Second, Speaker: 0}, {Start: 3 * time.Second, End: 6 * time.Second, Speaker: 1}},
		Speakers: []diarize.Speaker{{Label: "Talare 1"}, {Label: "Talare 2"}},
		Method:   diarize.MethodVoice, Final: true,
	}
	encoded, err := speakers.Encode(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.ts.PutDiarization(context.Background(), "rec-eva", true, encoded); err != nil {
		t.Fatal(err)
	}

	h, err := New(env.ts, &Options{Logger: logger, Now: clock.Now, Auth: accounts})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer closeServer(srv)
	browserSignIn(t, ctx, srv.URL, clock, eva)
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(srv.URL+"/recordings/rec-eva")); err != nil {
		t.Fatal(err)
	}

	// Renaming the second speaker changes the label of its row.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#talare summary")),
		chromedp.Clear(chromedp.ID("namn-1")),
		chromedp.SendKeys(chromedp.ID("namn-1"), "Klient"),
	); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, `form.rename:nth-of-type(2)`)
	labels, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".transcript .who .speaker")).map(e => e.textContent)`))
	if err != nil || strings.Join(labels, ",") != "Talare 1,Klient" {
		t.Errorf("speakers of the rows after renaming = %q, %v, want Talare 1, Klient", labels, err)
	}

	// The edit form opens inside the row, without leaving the page.
	row := fmt.Sprintf("#segment-%d", segs[1].ID)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(row+" a.edit-link")),
		chromedp.WaitVisible(chromedp.CSS(row+" .edit-inline textarea")),
	); err != nil {
		t.Fatalf("open the edit form in the row: %v", err)
	}
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.location.pathname`))
	if err != nil || path != "/recordings/rec-eva" {
		t.Errorf("path with the edit form open = %q, %v, want the recording page", path, err)
	}
	screenshotTo(t, ctx, editScreenshotDir, "edit-in-row")
	if err := chromedp.Do(ctx,
		chromedp.Clear(chromedp.CSS(row+" .edit-inline textarea")),
		chromedp.SendKeys(chromedp.CSS(row+" .edit-inline textarea"), "Jag bor hos min syster i Lomma."),
	); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, row+" .edit-inline form")

	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row)))
	if err != nil || !strings.Contains(text, "Jag bor hos min syster i Lomma.") || !strings.Contains(text, "ändrad") {
		t.Errorf("row after the edit = %q, %v, want the new text marked as changed", text, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(row+" details.history summary"))); err != nil {
		t.Fatal(err)
	}
	history, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row+" details.history ol")))
	if history = strings.Join(strings.Fields(history), " "); err != nil || !strings.Contains(history, "Ursprunglig utskrift: Jag bor hos min syster i Lund.") {
		t.Errorf("history = %q, %v, want the engine's original", history, err)
	}
	screenshotTo(t, ctx, editScreenshotDir, "edit-history")

	// Cancelling an opened form puts the link back and changes nothing.
	first := fmt.Sprintf("#segment-%d", segs[0].ID)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(first+" a.edit-link")),
		chromedp.WaitVisible(chromedp.CSS(first+" .edit-inline textarea")),
		chromedp.Click(chromedp.CSS(first+" .edit-cancel")),
		chromedp.WaitVisible(chromedp.CSS(first+" a.edit-link")),
	); err != nil {
		t.Fatalf("cancel the edit form: %v", err)
	}
	open, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".edit-inline").length`))
	if err != nil || open != 0 {
		t.Errorf("open edit forms after cancel = %d, %v, want 0", open, err)
	}
}
