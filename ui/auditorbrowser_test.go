package ui

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// auditorScreenshotDir holds the screenshots of the auditor's pages.
var auditorScreenshotDir = filepath.Join("..", "test-output", "auditor")

// smallTargets returns the visible buttons, inputs, selects and links in
// main that are less than 44 px high, by their text or name.
const smallTargets = `Array.from(document.querySelectorAll("main button, main input:not([type=hidden]):not([type=radio]), main select, main a.button, nav.auditor-nav a, fieldset.choice label"))
	.filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
	.map(e => e.name || e.textContent.trim())`

func TestBrowserAuditorPages(t *testing.T) {
	ctx := newBrowser(t)

	clock := &authClock{now: time.Now()}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	accounts := authtest.Open(t, &auth.Options{Now: clock.Now, Logger: logger})
	greta := authtest.Enrolled(t, accounts, clock.Now(), auth.NewAccount{UserName: "greta.gransk", DisplayName: "Greta Granskare", Role: auth.RoleAuditor})
	bo := authtest.Enrolled(t, accounts, clock.Now(), auth.NewAccount{UserName: "bo.ek", DisplayName: "Bo Ek", Role: auth.RoleCaseworker, Team: "Team Nord"})
	clock.Advance(30 * time.Second)

	dir := t.TempDir()
	log, err := audit.Open(filepath.Join(dir, "audit.db"), dir, &audit.Options{Now: clock.Now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	now := clock.Now()
	var batch []audit.Entry
	for i := range 6 {
		batch = append(batch, audit.Entry{Time: now.Add(-time.Duration(50-i) * time.Minute), Actor: bo.ID, Role: audit.RoleCaseworker, Action: audit.ActionLoginFailed, Device: "web"})
	}
	batch = append(batch,
		audit.Entry{Time: now.Add(-40 * time.Minute), Actor: bo.ID, Role: audit.RoleCaseworker, Action: audit.ActionRead, RecordingID: "rec-bo", BoxID: "box-1", Device: "web"},
		audit.Entry{Time: now.Add(-30 * time.Minute), Actor: bo.ID, Role: audit.RoleCaseworker, Action: audit.ActionCopy, RecordingID: "rec-bo", BoxID: "box-1", Device: "web", Detail: map[string]string{"segments": "3"}},
		audit.Entry{Time: now.Add(-20 * time.Minute), Actor: "schedule", Role: audit.RoleSystem, Action: audit.ActionWipe, RecordingID: "rec-old", BoxID: "box-1", Device: "central", Detail: map[string]string{"bytes": "1048576"}},
	)
	if _, err := log.AppendBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}

	env := &accessEnv{ts: openTestStore(t)}
	env.recordWithBadge(t, "rec-bo", "bo-1")
	env.ts.transcribe(t, "rec-bo", 0, 16000, []store.Segment{{Start: 0, End: time.Second, Text: "Sven Svensson, 19121212-1212, ringde om hyran."}})
	h, err := New(env.ts, &Options{Logger: logger, Now: clock.Now, Auth: accounts, Audit: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer closeServer(srv)

	// Sign-in lands an auditor on the access log, not the recordings.
	browserSignIn(t, ctx, srv.URL, clock, greta)
	checkHeading(t, ctx, "Åtkomstlogg")
	screenshotTo(t, ctx, auditorScreenshotDir, "log")
	small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](smallTargets))
	if err != nil || len(small) > 0 {
		t.Errorf("targets under 44 px on the log page: %v, %v", small, err)
	}

	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("person"), "bo.ek")); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "form.auditor-filter")
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".audit-table tbody tr").length`))
	if err != nil || rows != 8 {
		t.Errorf("rows for bo.ek = %d, %v, want 8", rows, err)
	}
	screenshotTo(t, ctx, auditorScreenshotDir, "log-filtered")

	if got := navigate(t, ctx, srv.URL+pathAuditWeek); got != "Veckouppföljning" {
		t.Errorf("week page h1 = %q", got)
	}
	screenshotTo(t, ctx, auditorScreenshotDir, "week")

	if got := navigate(t, ctx, srv.URL+pathExtract); got != "Registerutdrag" {
		t.Errorf("extract page h1 = %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("varde"), "19121212-1213"),
		chromedp.SendKeys(chromedp.ID("skal"), "Begäran dnr 2026/77"),
	); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[value="personnummer"]`))); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, `form[action="/registerutdrag"]`)
	screenshotTo(t, ctx, auditorScreenshotDir, "extract-bad-number")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("varde"), "19121212-1212")); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, `form[action="/registerutdrag"]`)
	found, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p[role="status"]`)))
	if err != nil || found != "1 av 1 genomsökta inspelningar nämner personen." {
		t.Errorf("extract status = %q, %v", found, err)
	}
	screenshotTo(t, ctx, auditorScreenshotDir, "extract")
	small, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](smallTargets))
	if err != nil || len(small) > 0 {
		t.Errorf("targets under 44 px on the extract page: %v, %v", small, err)
	}
}
