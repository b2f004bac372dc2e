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
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// adminScreenshotDir holds the screenshots of the admin and access pages.
var adminScreenshotDir = filepath.Join("..", "test-output", "admin")

// browserSignIn signs in an enrolled account through the sign-in pages
// with the code of the clock's current time step.
func browserSignIn(t *testing.T, ctx context.Context, base string, clock *authClock, acc authtest.Account) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+pathSignIn)); err != nil {
		t.Fatal(err)
	}
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

// browserSignOut signs out with the header's button.
func browserSignOut(t *testing.T, ctx context.Context) {
	t.Helper()
	submit(t, ctx, "form.signout")
	checkHeading(t, ctx, "Du är utloggad")
}

// navigate opens url and returns the page's h1.
func navigate(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	return heading(t, ctx)
}

// recordingLinks returns the recording ids linked from the current page.
func recordingLinks(t *testing.T, ctx context.Context) []string {
	t.Helper()
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('a[href^="/recordings/"]')).map(a => a.getAttribute("href").slice("/recordings/".length)).sort()`))
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestBrowserAdminMapsBadgeAndAccess(t *testing.T) {
	ctx := newBrowser(t)

	clock := &authClock{now: time.Now()}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	accounts := authtest.Open(t, &auth.Options{Now: clock.Now, Logger: logger})
	admin := authtest.Enrolled(t, accounts, clock.Now(), auth.NewAccount{UserName: "it.admin", DisplayName: "Iris Admin", Role: auth.RoleAdmin})
	bo := authtest.Enrolled(t, accounts, clock.Now(), auth.NewAccount{UserName: "bo.ek", DisplayName: "Bo Ek", Role: auth.RoleCaseworker, Team: "Team Nord"})
	maja := authtest.Enrolled(t, accounts, clock.Now(), auth.NewAccount{UserName: "maja.chef", DisplayName: "Maja Chef", Role: auth.RoleManager, Team: "Team Nord"})
	if err := accounts.SetBadges(context.Background(), bo.ID, []string{"bo-1"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Second)

	env := &accessEnv{ts: openTestStore(t)}
	env.recordWithBadge(t, "rec-eva", "eva-1")
	env.recordWithBadge(t, "rec-bo", "bo-1")
	h, err := New(env.ts, &Options{Logger: logger, Now: clock.Now, Auth: accounts})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer closeServer(srv)

	// The admin creates a caseworker and maps her badge.
	browserSignIn(t, ctx, srv.URL, clock, admin)
	checkHeading(t, ctx, "Konton")
	screenshotTo(t, ctx, adminScreenshotDir, "accounts")
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`a[href="/admin/nytt-konto"]`))); err != nil {
		t.Fatal(err)
	}
	checkHeading(t, ctx, "Nytt konto")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("anvandarnamn"), "eva.lund"),
		chromedp.SendKeys(chromedp.ID("namn"), "Eva Lund"),
		chromedp.SendKeys(chromedp.ID("team"), "Team Nord"),
	); err != nil {
		t.Fatal(err)
	}
	screenshotTo(t, ctx, adminScreenshotDir, "new-account")
	submit(t, ctx, "form.admin-form")
	checkHeading(t, ctx, "Kontot är skapat")
	screenshotTo(t, ctx, adminScreenshotDir, "account-created")
	password, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("losenord")))
	if err != nil || len(strings.TrimSpace(password)) != 26 {
		t.Fatalf("shown password = %q, %v, want 26 characters", password, err)
	}
	password = strings.TrimSpace(password)

	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`a[href^="/admin/konton/"]`))); err != nil {
		t.Fatal(err)
	}
	checkHeading(t, ctx, "Eva Lund")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("taggar"), "eva-1")); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, `form[action$="/taggar"]`)
	done, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".form-done")))
	if err != nil || !strings.Contains(done, "Taggarna är sparade") {
		t.Errorf("after saving badges: %q, %v, want the saved message", done, err)
	}
	screenshotTo(t, ctx, adminScreenshotDir, "account")

	// A badge that is already Bo's is rejected with a Swedish message.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("taggar"), "eva-1 bo-1")); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, `form[action$="/taggar"]`)
	errText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".form-error")))
	if err != nil || !strings.Contains(errText, "Taggen bo-1 tillhör redan ett annat konto (Bo Ek, bo.ek)") {
		t.Errorf("error for a taken badge = %q, %v, want the Swedish message naming Bo", errText, err)
	}
	screenshotTo(t, ctx, adminScreenshotDir, "badge-taken")
	browserSignOut(t, ctx)

	// Eva's first sign-in enrols her authenticator. Then her list shows only her recording.
	navigate(t, ctx, srv.URL+pathSignIn)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("anvandarnamn"), "eva.lund"),
		chromedp.SendKeys(chromedp.ID("losenord"), password),
	); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "form.auth-form")
	checkHeading(t, ctx, "Tvåfaktorsinloggning")
	secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("nyckel")))
	if err != nil {
		t.Fatal(err)
	}
	secret = strings.ReplaceAll(strings.TrimSpace(secret), " ", "")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("kod"), authtest.Code(t, secret, clock.Now()))); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "form.auth-form")
	checkHeading(t, ctx, "Spara dina återställningskoder")
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("a.auth-submit"))); err != nil {
		t.Fatal(err)
	}
	checkHeading(t, ctx, "Inspelningar")
	if got := recordingLinks(t, ctx); strings.Join(got, " ") != "rec-eva" {
		t.Errorf("Eva's list links %v, want [rec-eva]", got)
	}
	screenshotTo(t, ctx, adminScreenshotDir, "my-recordings")
	if got := navigate(t, ctx, srv.URL+"/recordings/rec-bo"); got != "Sidan finns inte" {
		t.Errorf("Eva opening Bo's recording: h1 = %q, want %q", got, "Sidan finns inte")
	}
	browserSignOut(t, ctx)

	// Bo, a second caseworker, is denied Eva's recording.
	browserSignIn(t, ctx, srv.URL, clock, bo)
	checkHeading(t, ctx, "Inspelningar")
	if got := recordingLinks(t, ctx); strings.Join(got, " ") != "rec-bo" {
		t.Errorf("Bo's list links %v, want [rec-bo]", got)
	}
	if got := navigate(t, ctx, srv.URL+"/recordings/rec-eva"); got != "Sidan finns inte" {
		t.Errorf("Bo opening Eva's recording: h1 = %q, want %q", got, "Sidan finns inte")
	}
	screenshotTo(t, ctx, adminScreenshotDir, "denied")
	browserSignOut(t, ctx)

	// The manager sees the team's recordings and is asked for a reason.
	browserSignIn(t, ctx, srv.URL, clock, maja)
	checkHeading(t, ctx, "Inspelningar")
	if got := recordingLinks(t, ctx); strings.Join(got, " ") != "rec-bo rec-eva" {
		t.Errorf("Maja's list links %v, want [rec-bo rec-eva]", got)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`a[href="/recordings/rec-eva"]`))); err != nil {
		t.Fatal(err)
	}
	checkHeading(t, ctx, "Ange skäl")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("skal"), "Eva är sjuk och utredningen ska lämnas i dag.")); err != nil {
		t.Fatal(err)
	}
	screenshotTo(t, ctx, adminScreenshotDir, "reason")
	submit(t, ctx, "form.reason-form")
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/recordings/rec-eva") {
		t.Errorf("after the reason: location %q, %v, want the recording", loc, err)
	}
	hasAudio, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("audio") !== null`))
	if err != nil || !hasAudio {
		t.Errorf("recording page after the reason has audio = %v, %v, want true", hasAudio, err)
	}
}
