package ui

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// TestBrowserHighlightsPlayingRow seeks the player in real Chromium and
// checks that the row being heard is marked, and only that row.
func TestBrowserHighlightsPlayingRow(t *testing.T) {
	ctx := newBrowser(t)

	clock := &authClock{now: time.Now()}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	accounts := authtest.Open(t, &auth.Options{Now: clock.Now, Logger: logger})
	eva := authtest.Enrolled(t, accounts, clock.Now(), auth.NewAccount{UserName: "eva.lund", DisplayName: "Eva Lund", Role: auth.RoleCaseworker, Team: "Team Nord"})
	if err := accounts.SetBadges(context.Background(), eva.ID, []string{"eva-1"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Second)

	env := &accessEnv{ts: openTestStore(t)}
	env.recordWithBadge(t, "rec-eva", "eva-1") // one second of audio
	env.ts.transcribe(t, "rec-eva", 0, 16000, []store.Segment{
		{Start: 0, End: 300 * time.Millisecond, Text: "Första raden."},
		{Start: 300 * time.Millisecond, End: 600 * time.Millisecond, Text: "Andra raden."},
		{Start: 600 * time.Millisecond, End: time.Second, Text: "Tredje raden."},
	})
	h, err := New(env.ts, &Options{Logger: logger, Now: clock.Now, Auth: accounts})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer closeServer(srv)
	browserSignIn(t, ctx, srv.URL, clock, eva)
	navigate(t, ctx, srv.URL+"/recordings/rec-eva")

	// Seeking fires timeupdate without playing, which headless Chromium may not do.
	seek := `new Promise(function (resolve) {
		var p = document.getElementById("spelare");
		function go() {
			p.addEventListener("timeupdate", function () { setTimeout(resolve, 0); }, { once: true });
			p.currentTime = 0.45;
		}
		if (p.readyState >= 1) { go(); } else { p.addEventListener("loadedmetadata", go, { once: true }); p.load(); }
	})`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](seek, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("seeking the player: %v", err)
	}
	playing, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".transcript > li.playing > div > p:not(.who)")).map(function (p) { return p.textContent.trim(); })`))
	if err != nil {
		t.Fatal(err)
	}
	if len(playing) != 1 || playing[0] != "Andra raden." {
		t.Errorf("rows marked as playing at 0.45 s = %q, want only %q", playing, "Andra raden.")
	}
}

// closeServer ends the browser's open connections first: the recording
// page keeps a live-update stream open, and httptest.Server.Close waits for
// every open request, while the browser closes only in a later cleanup.
func closeServer(srv *httptest.Server) {
	srv.CloseClientConnections()
	srv.Close()
}
