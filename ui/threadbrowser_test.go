package ui

import (
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// threadScreenshotDir holds the screenshots of the summary and question thread.
var threadScreenshotDir = filepath.Join("..", "test-output", "thread")

func TestThreadInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	e := newAccessEnv(t)
	transcribeMeeting(t, e, "rec-anna")
	endRecording(t, e, "rec-anna")
	srv := httptest.NewServer(e.h)
	defer closeServer(srv)

	browserSignIn(t, ctx, srv.URL, e.clock, e.people["anna"])
	navigate(t, ctx, srv.URL+"/recordings/rec-anna")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("fraga-text"), "Hur mycket är hon skyldig i hyra?")); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "form.thread-ask")

	answer, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("article.answer")))
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	if !strings.Contains(answer, "6 400 kronor") {
		t.Errorf("answer in the browser = %q, want the passage about the rent debt", answer)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("article.answer").scrollIntoView({block: "center"}); true`)); err != nil {
		t.Fatal(err)
	}
	screenshotTo(t, ctx, threadScreenshotDir, "thread")

	// Tapping a citation makes its segment the page's target, which the
	// style sheet highlights.
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("article.answer a.thread-cite").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	// The link's click() runs the same activation as a tap, without the
	// mouse coordinates that a scrolling page can make miss.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("article.answer a.thread-cite").click(); true`)); err != nil {
		t.Fatal(err)
	}
	// The hash may change after the click's event has been handled, so the
	// page is read once it has: at once or on the hashchange event.
	readTarget := `new Promise(resolve => {
		const read = () => {
			const t = document.querySelector(":target");
			resolve([t ? t.id : "", t ? getComputedStyle(t).backgroundColor : ""]);
		};
		if (location.hash === ` + strconv.Quote(href) + `) {
			read();
		} else {
			window.addEventListener("hashchange", read, { once: true });
		}
	})`
	state, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](readTarget, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	target, background := state[0], state[1]
	if want := strings.TrimPrefix(href, "#"); target != want || want == "" {
		t.Errorf("target after tapping citation %q = %q, want %q", href, target, want)
	}
	if background != "rgb(255, 244, 214)" {
		t.Errorf("background of the cited segment = %q, want the highlight rgb(255, 244, 214)", background)
	}
	screenshotTo(t, ctx, threadScreenshotDir, "citation")
}
