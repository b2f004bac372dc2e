package ui

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// roomScreenshotDir holds the screenshots of the pairing and room pages.
var roomScreenshotDir = filepath.Join("..", "test-output", "room")

// waitText waits until the element with id has text want.
func waitText(t *testing.T, ctx context.Context, id, want string) {
	t.Helper()
	js := `document.getElementById(` + jsString(id) + `) && document.getElementById(` + jsString(id) + `).textContent.trim() === ` + jsString(want)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		t.Fatalf("#%s text = %q, want %q: %v", id, got, want, err)
	}
}

// jsString quotes s as a JavaScript string literal. The test's strings
// have no quotes or backslashes.
func jsString(s string) string { return `"` + s + `"` }

// checkTouchTargets fails for each visible link, button or form field of
// the page's main content that is lower than 44 px, and for body text under
// 16 px. A checkbox is measured by its label, which takes the tap.
func checkTouchTargets(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main a, main button, main input:not([type=hidden]), main summary, header button"))
		.filter(el => el.offsetParent !== null && !el.closest("p.hint, .room-info"))
		.map(el => el.type === "checkbox" && el.closest("label") ? el.closest("label") : el)
		.filter(el => el.getBoundingClientRect().height < 44)
		.map(el => el.outerHTML.slice(0, 80))`))
	if err != nil {
		t.Fatal(err)
	}
	for _, el := range small {
		t.Errorf("%s: touch target under 44 px: %s", page, el)
	}
	size, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`parseFloat(getComputedStyle(document.body).fontSize)`))
	if err != nil || size < 16 {
		t.Errorf("%s: body font size = %v px, %v, want at least 16", page, size, err)
	}
}

// roomSignInBrowser signs acc in through the room's sign-in pages.
func roomSignInBrowser(t *testing.T, ctx context.Context, clock *authClock, acc authtest.Account) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("a.room-open"))); err != nil {
		t.Fatal(err)
	}
	checkHeading(t, ctx, "Öppna sammanfattningen")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("anvandarnamn"), acc.UserName),
		chromedp.SendKeys(chromedp.ID("losenord"), authtest.Password),
	); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "form.auth-form")
	checkHeading(t, ctx, "Ange kod")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("kod"), authtest.Code(t, acc.Secret, clock.Now()))); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "form.auth-form")
}

func TestBrowserPairTabletAndRoomMode(t *testing.T) {
	adminCtx := newBrowser(t)

	clock := &authClock{now: testNow}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	accounts := authtest.Open(t, &auth.Options{Now: clock.Now, Logger: logger})
	admin := authtest.Enrolled(t, accounts, clock.Now(), auth.NewAccount{UserName: "it.admin", DisplayName: "Iris Admin", Role: auth.RoleAdmin})
	anna := authtest.Enrolled(t, accounts, clock.Now(), auth.NewAccount{UserName: "anna.berg", DisplayName: "Anna Berg", Role: auth.RoleCaseworker, Team: "Team Nord"})
	bo := authtest.Enrolled(t, accounts, clock.Now(), auth.NewAccount{UserName: "bo.ek", DisplayName: "Bo Ek", Role: auth.RoleCaseworker, Team: "Team Nord"})
	for acc, badge := range map[string]string{anna.ID: "anna-1", bo.ID: "bo-1"} {
		if err := accounts.SetBadges(context.Background(), acc, []string{badge}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(30 * time.Second)

	ts := openTestStore(t)
	ts.now = clock.Now()
	statuses := &liveStatuses{m: map[string]protocol.Status{}}
	statuses.set("box-1", protocol.StateIdle, clock.Now())
	access := &tabletAccess{}
	h, err := New(ts, &Options{Logger: logger, Now: clock.Now, Auth: accounts, Access: access.record, Tablets: ts.Store, Statuses: statuses})
	if err != nil {
		t.Fatal(err)
	}
	h.(*handler).livePoll = 50 * time.Millisecond
	srv := httptest.NewServer(h)
	defer closeServer(srv)

	// The admin creates a pairing code on the boxes page.
	browserSignIn(t, adminCtx, srv.URL, clock, admin)
	checkHeading(t, adminCtx, "Konton")
	if _, err := chromedp.RunResponse(adminCtx, chromedp.Click(chromedp.CSS(`header a[href="/admin/boxar"]`))); err != nil {
		t.Fatal(err)
	}
	checkHeading(t, adminCtx, "Boxar och surfplattor")
	screenshotTo(t, adminCtx, roomScreenshotDir, "admin-boxes")
	checkTouchTargets(t, adminCtx, "admin boxes page")
	if err := chromedp.Do(adminCtx, chromedp.SendKeys(chromedp.ID("namn-box-1"), "Samtalsrum 2")); err != nil {
		t.Fatal(err)
	}
	submit(t, adminCtx, "form.pair-create")
	checkHeading(t, adminCtx, "Kod för parkoppling")
	qrLoaded, err := chromedp.Run(adminCtx, chromedp.Evaluate[bool](`(function(){ var i = document.querySelector(".pair-steps img"); return i.complete && i.naturalWidth > 0; })()`))
	if err != nil || !qrLoaded {
		t.Errorf("QR image loaded = %v, %v, want true", qrLoaded, err)
	}
	codeText, err := chromedp.Run(adminCtx, chromedp.Text(chromedp.ID("parkopplingskod")))
	if err != nil {
		t.Fatal(err)
	}
	code := strings.ReplaceAll(strings.TrimSpace(codeText), " ", "")
	if len(code) != 8 {
		t.Fatalf("code on the page = %q, want 8 characters", codeText)
	}
	screenshotTo(t, adminCtx, roomScreenshotDir, "pair-code")

	// A second browser context, the tablet, opens the QR code's address and pairs.
	tabCtx, cancelTab := chromedp.NewContext(adminCtx, chromedp.WithNewBrowserContext())
	defer cancelTab()
	if err := chromedp.Do(tabCtx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	if got := navigate(t, tabCtx, srv.URL+"/rum"); got != "Parkoppla surfplattan" {
		t.Errorf("unpaired tablet at /rum: h1 = %q, want the pairing page", got)
	}
	navigate(t, tabCtx, srv.URL+pathPair+"?kod="+code)
	prefilled, err := chromedp.Run(tabCtx, chromedp.Evaluate[string](`document.getElementById("kod").value`))
	if err != nil || prefilled != code {
		t.Errorf("prefilled code = %q, %v, want %q", prefilled, err, code)
	}
	screenshotTo(t, tabCtx, roomScreenshotDir, "pair-form")
	checkTouchTargets(t, tabCtx, "pairing page")
	submit(t, tabCtx, "form.auth-form")
	checkHeading(t, tabCtx, "Samtalsrum 2")
	waitText(t, tabCtx, "rum-status", "Ledig")
	screenshotTo(t, tabCtx, roomScreenshotDir, "room-idle")

	// The room page follows the box without a reload.
	if err := chromedp.Do(tabCtx, chromedp.Evaluate[chromedp.Void](`window.noReload = true`)); err != nil {
		t.Fatal(err)
	}
	// The box reports with its own clock: consent, recording from the
	// consent on, and sending after the end, all in the last few minutes.
	start := clock.Now().Add(-4 * time.Minute)
	statuses.set("box-1", protocol.StateConsent, start)
	waitText(t, tabCtx, "rum-status", "Väntar på klientens svar")
	screenshotTo(t, tabCtx, roomScreenshotDir, "room-consent")
	recordMeeting(t, ts, "box-1", "rec-anna", "anna-1", start.Add(30*time.Second), false)
	statuses.set("box-1", protocol.StateRecording, start.Add(30*time.Second))
	waitText(t, tabCtx, "rum-status", "Spelar in")
	screenshotTo(t, tabCtx, roomScreenshotDir, "room-recording")
	endMeeting(t, ts, "box-1", "rec-anna", start.Add(2*time.Minute))
	statuses.set("box-1", protocol.StateSending, start.Add(2*time.Minute))
	waitText(t, tabCtx, "rum-status", "Skickar inspelningen")
	statuses.set("box-1", protocol.StateIdle, start.Add(3*time.Minute))
	waitText(t, tabCtx, "rum-status", "Ledig")
	if _, err := chromedp.Run(tabCtx, chromedp.Poll[bool](`!document.getElementById("rum-oppna").hidden`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the summary offer did not appear: %v", err)
	}
	stayed, err := chromedp.Run(tabCtx, chromedp.Evaluate[bool](`window.noReload === true`))
	if err != nil || !stayed {
		t.Errorf("room page reloaded during the live updates (%v)", err)
	}
	body, err := chromedp.Run(tabCtx, chromedp.Evaluate[string](`document.body.innerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"rec-anna", "anna-1", "Anna"} {
		if strings.Contains(body, secret) {
			t.Errorf("room page shows %q", secret)
		}
	}
	screenshotTo(t, tabCtx, roomScreenshotDir, "room-offer")
	checkTouchTargets(t, tabCtx, "room page")

	// Another caseworker signing in on the tablet is turned away.
	roomSignInBrowser(t, tabCtx, clock, bo)
	checkHeading(t, tabCtx, "Du kan inte öppna den här sammanfattningen")
	screenshotTo(t, tabCtx, roomScreenshotDir, "room-denied")
	// Without a session the recording leads to sign-in, which a paired
	// tablet does only through its room page.
	if got := navigate(t, tabCtx, srv.URL+"/recordings/rec-anna"); got != "Samtalsrum 2" {
		t.Errorf("after the rejection /recordings/rec-anna shows %q, want the room page", got)
	}
	navigate(t, tabCtx, srv.URL+pathRoom)

	// The caseworker whose badge started the recording lands on its summary.
	roomSignInBrowser(t, tabCtx, clock, anna)
	loc, err := chromedp.Run(tabCtx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/recordings/rec-anna#sammanfattning") {
		t.Fatalf("after the room sign-in: location %q, %v, want the recording's summary", loc, err)
	}
	leave, err := chromedp.Run(tabCtx, chromedp.Text(chromedp.CSS("form.room-leave button")))
	if err != nil || strings.TrimSpace(leave) != "Klar – lämna surfplattan" {
		t.Errorf("leave button = %q, %v, want it visible", leave, err)
	}
	inView, err := chromedp.Run(tabCtx, chromedp.Evaluate[bool](`(function(){ var r = document.querySelector("form.room-leave button").getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })()`))
	if err != nil || !inView {
		t.Errorf("leave button in the viewport after the jump to the summary = %v, %v, want true", inView, err)
	}
	screenshotTo(t, tabCtx, roomScreenshotDir, "room-summary")
	submit(t, tabCtx, "form.room-leave")
	checkHeading(t, tabCtx, "Samtalsrum 2")
	if got := navigate(t, tabCtx, srv.URL+"/recordings/rec-anna"); got != "Samtalsrum 2" {
		t.Errorf("after leaving the tablet /recordings/rec-anna shows %q, want the room page", got)
	}

	// The boxes page lists the paired tablet. Unpairing it, after a
	// confirmation, sends the tablet back to the pairing page.
	navigate(t, adminCtx, srv.URL+pathAdminBoxes)
	if err := chromedp.Do(adminCtx, chromedp.Click(chromedp.CSS("details.unpair summary"))); err != nil {
		t.Fatal(err)
	}
	screenshotTo(t, adminCtx, roomScreenshotDir, "admin-boxes-paired")
	checkTouchTargets(t, adminCtx, "admin boxes page with a tablet")
	if err := chromedp.Do(adminCtx, chromedp.Click(chromedp.CSS(`details.unpair input[name="bekrafta"]`))); err != nil {
		t.Fatal(err)
	}
	submit(t, adminCtx, "details.unpair form")
	done, err := chromedp.Run(adminCtx, chromedp.Text(chromedp.CSS(".form-done")))
	if err != nil || !strings.Contains(done, "Surfplattan är bortkopplad") {
		t.Errorf("after unpairing: %q, %v, want the done message", done, err)
	}
	if got := navigate(t, tabCtx, srv.URL+pathRoom); got != "Parkoppla surfplattan" {
		t.Errorf("unpaired tablet at /rum: h1 = %q, want the pairing page", got)
	}
	screenshotTo(t, tabCtx, roomScreenshotDir, "pair-unpaired")
}

// TestBrowserRoomSummaryEndsAtNextMeeting checks that the owner's summary
// on the room tablet gives way to the room page when the box's next
// meeting starts, with no transcript text left in the document.
func TestBrowserRoomSummaryEndsAtNextMeeting(t *testing.T) {
	ctx := newBrowser(t)

	clock := &authClock{now: testNow}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	accounts := authtest.Open(t, &auth.Options{Now: clock.Now, Logger: logger})
	admin := authtest.Enrolled(t, accounts, clock.Now(), auth.NewAccount{UserName: "it.admin", DisplayName: "Iris Admin", Role: auth.RoleAdmin})
	anna := authtest.Enrolled(t, accounts, clock.Now(), auth.NewAccount{UserName: "anna.berg", DisplayName: "Anna Berg", Role: auth.RoleCaseworker, Team: "Team Nord"})
	if err := accounts.SetBadges(context.Background(), anna.ID, []string{"anna-1"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Second)

	ts := openTestStore(t)
	statuses := &liveStatuses{m: map[string]protocol.Status{}}
	start := clock.Now().Add(-4 * time.Minute)
	statuses.set("box-1", protocol.StateConsent, start)
	recordMeeting(t, ts, "box-1", "rec-anna", "anna-1", start.Add(30*time.Second), false)
	endMeeting(t, ts, "box-1", "rec-anna", start.Add(2*time.Minute))
	ts.transcribe(t, "rec-anna", 0, 16000, []store.Segment{{Start: 0, End: time.Second, Text: " Karin Lundqvist berättade om flytten."}})
	ts.now = clock.Now()
	access := &tabletAccess{}
	h, err := New(ts, &Options{Logger: logger, Now: clock.Now, Auth: accounts, Access: access.record, Tablets: ts.Store, Statuses: statuses})
	if err != nil {
		t.Fatal(err)
	}
	h.(*handler).livePoll = 50 * time.Millisecond
	srv := httptest.NewServer(h)
	defer closeServer(srv)

	code, _, err := ts.Store.CreatePairingCode(context.Background(), "box-1", "Samtalsrum 2", admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	navigate(t, ctx, srv.URL+pathPair+"?kod="+code)
	submit(t, ctx, "form.auth-form")
	checkHeading(t, ctx, "Samtalsrum 2")
	// The room page sees the consent, then the idle box, so it offers the summary.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("rum-status").textContent.trim() !== ""`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatal(err)
	}
	statuses.set("box-1", protocol.StateIdle, start.Add(3*time.Minute))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.getElementById("rum-oppna").hidden`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the summary offer did not appear: %v", err)
	}

	roomSignInBrowser(t, ctx, clock, anna)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/recordings/rec-anna#sammanfattning") {
		t.Fatalf("after the room sign-in: location %q, %v, want the recording's summary", loc, err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.textContent`))
	if err != nil || !strings.Contains(text, "Karin Lundqvist") {
		t.Fatalf("recording page text has no transcript name (%v):\n%s", err, text)
	}

	// The next meeting starts: the page goes to the room page within the poll period.
	statuses.set("box-1", protocol.StateConsent, clock.Now())
	gone := `location.pathname === "/rum" && document.readyState === "complete" && !document.documentElement.textContent.includes("Karin")`
	// The poll restarts when the navigation interrupts it.
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](gone, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("the tablet stayed at %q after the next meeting started: %v", loc, err)
		}
	}
	checkHeading(t, ctx, "Samtalsrum 2")
	text, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Karin", "Lundqvist", "Anna Berg", "rec-anna"} {
		if strings.Contains(text, secret) {
			t.Errorf("room page after the meeting ended shows %q", secret)
		}
	}
	waitText(t, ctx, "rum-status", "Väntar på klientens svar")
}
