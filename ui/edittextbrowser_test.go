package ui

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ordagrann/ordagrann/central/store"
)

// TestBrowserEditLineBreakAndEmpty types a two-line correction into the
// row's edit form, which Chromium sends with CRLF, then submits an empty
// text and lands on the edit page with the reason.
func TestBrowserEditLineBreakAndEmpty(t *testing.T) {
	ctx := newBrowser(t)

	f := newEvaFixture(t, []store.Segment{{Start: 0, End: 3 * time.Second, Text: "Jag bor hos min syster."}})
	segs, err := f.env.ts.Segments(context.Background(), "rec-eva")
	if err != nil || len(segs) != 1 {
		t.Fatalf("Segments = %d, %v", len(segs), err)
	}
	h, err := New(f.env.ts, &Options{Logger: f.logger, Now: f.clock.Now, Auth: f.accounts})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer closeServer(srv)
	browserSignIn(t, ctx, srv.URL, f.clock, f.eva)
	navigate(t, ctx, srv.URL+"/recordings/rec-eva")

	row := fmt.Sprintf("#segment-%d", segs[0].ID)
	area := row + " .edit-inline textarea"
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(row+" a.edit-link")),
		chromedp.WaitVisible(chromedp.CSS(area)),
		chromedp.Clear(chromedp.CSS(area)),
		chromedp.SendKeys(chromedp.CSS(area), "Jag bor hos min syster."+kb.Enter+"Hon heter Lisa."),
	); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, row+" .edit-inline form")

	edits, err := f.env.ts.SegmentEdits(context.Background(), "rec-eva")
	if err != nil {
		t.Fatal(err)
	}
	if got := edits[segs[0].ID]; len(got) != 1 || got[0].Text != "Jag bor hos min syster.\nHon heter Lisa." {
		t.Fatalf("stored edits = %+v, want the two lines joined by a line feed", got)
	}

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(row+" a.edit-link")),
		chromedp.WaitVisible(chromedp.CSS(area)),
		chromedp.Clear(chromedp.CSS(area)),
		chromedp.SendKeys(chromedp.CSS(area), "   "),
	); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, row+" .edit-inline form")
	checkHeading(t, ctx, "Ändra texten")
	message, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".form-error")))
	if err != nil || !strings.Contains(message, "Texten var tom.") {
		t.Errorf("edit page message = %q, %v, want the empty-text reason", message, err)
	}
	screenshotTo(t, ctx, editScreenshotDir, "edit-rejected")
}
