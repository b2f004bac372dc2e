package ui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

const chromiumPath = "/usr/bin/chromium"

// screenshotDir holds the screenshots of the browser tests, at the module root.
var screenshotDir = filepath.Join("..", "test-output", "auth")

// newBrowser starts headless Chromium with a fresh profile and returns a
// context whose actions run in one tab. It skips the test when Chromium is
// missing, unless the CI environment variable is set.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Chromium is missing at %s and CI is set: install Debian's chromium package", chromiumPath)
		}
		t.Skipf("Chromium is missing at %s: install Debian's chromium package to run the browser tests", chromiumPath)
	}

	// Chromium's helper processes may still write to the profile for a
	// moment after it exits, so the directory is removed on a best-effort basis.
	profile, err := os.MkdirTemp("", "ordagrann-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		os.RemoveAll(profile)
	})

	// The first action starts the browser and must run without a deadline.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// screenshot saves the viewport as test-output/auth/name.png.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	screenshotTo(t, ctx, screenshotDir, name)
}

// screenshotTo saves the viewport as dir/name.png.
func screenshotTo(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// submit clicks the first submit button of the page's first matching form
// and waits for the next page to load.
func submit(t *testing.T, ctx context.Context, form string) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`))); err != nil {
		t.Fatalf("submit %s: %v", form, err)
	}
}

// heading returns the page's h1 text.
func heading(t *testing.T, ctx context.Context) string {
	t.Helper()
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatalf("read h1: %v", err)
	}
	return strings.TrimSpace(h1)
}

// checkHeading fails unless the page's h1 is want.
func checkHeading(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	if got := heading(t, ctx); got != want {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("h1 = %q at %s, want %q", got, loc, want)
	}
}

func TestBrowserSignInWithTOTP(t *testing.T) {
	ctx := newBrowser(t)

	clock := &authClock{now: time.Now()}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	store := authtest.Open(t, &auth.Options{Now: clock.Now, Logger: logger})
	if _, err := store.CreateAccount(context.Background(), auth.NewAccount{UserName: "anna.berg", DisplayName: "Anna Berg",
		Role: auth.RoleCaseworker, Password: authtest.Password}); err != nil {
		t.Fatal(err)
	}
	h, err := New(&fakeSource{}, &Options{Logger: logger, Now: clock.Now, Auth: store})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h) // listens on 127.0.0.1, plain HTTP
	defer closeServer(srv)

	// An address behind the middleware leads to the sign-in page.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	checkHeading(t, ctx, "Logga in")
	screenshot(t, ctx, "signin")

	// A wrong password shows the Swedish error next to the form.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("anvandarnamn"), "anna.berg"),
		chromedp.SendKeys(chromedp.ID("losenord"), "fel lösenord igen"),
	); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "form.auth-form")
	errText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".auth-error")))
	if err != nil || !strings.Contains(errText, "Fel användarnamn eller lösenord") {
		t.Errorf("error after a wrong password = %q, %v, want the Swedish message", errText, err)
	}
	screenshot(t, ctx, "signin-error")

	// First sign-in: password, then enrolment with the QR code's secret.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("losenord"), authtest.Password)); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "form.auth-form")
	checkHeading(t, ctx, "Tvåfaktorsinloggning")
	qrLoaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){ var i = document.querySelector(".enrol-steps img"); return i.complete && i.naturalWidth > 0; })()`))
	if err != nil || !qrLoaded {
		t.Errorf("QR image loaded = %v, %v, want true (the CSP must allow data: images)", qrLoaded, err)
	}
	screenshot(t, ctx, "enrol")

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
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".recovery-codes li").length`))
	if err != nil || codes != auth.RecoveryCodeCount {
		t.Errorf("recovery codes shown = %d, %v, want %d", codes, err, auth.RecoveryCodeCount)
	}
	screenshot(t, ctx, "recovery-codes")

	// Chromium treats http://127.0.0.1 as a secure context, so it keeps
	// the Secure __Host- cookie and sends it back.
	cookies, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{})
		return res.Cookies, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := describeCookies(cookies); got != SessionCookie+" secure httponly Strict" {
		t.Errorf("cookies in Chromium = %q, want %q", got, SessionCookie+" secure httponly Strict")
	}

	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("a.auth-submit"))); err != nil {
		t.Fatal(err)
	}
	checkHeading(t, ctx, "Inspelningar")

	// Sign out, and the page behind the middleware is gone.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+pathSignOut)); err != nil {
		t.Fatal(err)
	}
	checkHeading(t, ctx, "Logga ut")
	submit(t, ctx, "form.auth-form")
	checkHeading(t, ctx, "Du är utloggad")
	screenshot(t, ctx, "signed-out")
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	checkHeading(t, ctx, "Logga in")

	// The next sign-in requests a code. The enrolment code's time step is
	// used up, so the clock moves on to the next one.
	clock.Advance(30 * time.Second)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("anvandarnamn"), "anna.berg"),
		chromedp.SendKeys(chromedp.ID("losenord"), authtest.Password),
	); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "form.auth-form")
	checkHeading(t, ctx, "Ange kod")
	screenshot(t, ctx, "code")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("kod"), authtest.Code(t, secret, clock.Now()))); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "form.auth-form")
	checkHeading(t, ctx, "Inspelningar")
}

// describeCookies returns "name secure httponly SameSite" for each cookie.
func describeCookies(cookies []*network.Cookie) string {
	var parts []string
	for _, c := range cookies {
		parts = append(parts, fmt.Sprintf("%s %s %s %s", c.Name, onOff(c.Secure, "secure"), onOff(c.HTTPOnly, "httponly"), c.SameSite))
	}
	return strings.Join(parts, "; ")
}

func onOff(on bool, name string) string {
	if on {
		return name
	}
	return "not-" + name
}
