package ui

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ordagrann/ordagrann/central/chat/chattest"
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

// TestThreadEngineSummaryInBrowser opens a recording while the chat engine
// writes its summary, lets the engine reply, and checks that the live
// updates swap in the summary with its one unsupported line marked in
// words, not by colour alone.
func TestThreadEngineSummaryInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	e := newAccessEnv(t)
	transcribeEngineMeeting(t, e, "rec-anna")
	endRecording(t, e, "rec-anna")
	g := newGate()
	useEngine(t, e, chattest.New(t, "", g.hold(engineSummaryReply)))
	e.h.(*handler).livePoll = 20 * time.Millisecond
	srv := httptest.NewServer(e.h)
	defer closeServer(srv)

	browserSignIn(t, ctx, srv.URL, e.clock, e.people["anna"])
	navigate(t, ctx, srv.URL+"/recordings/rec-anna")
	pending, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("sammanfattning")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pending, "Sammanfattningen skrivs …") {
		t.Errorf("summary while the engine writes = %q, want it to say the summary is being written", pending)
	}

	close(g.release)
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(waitCtx, chromedp.WaitVisible(chromedp.CSS("#sammanfattning li.unsupported"))); err != nil {
		t.Fatalf("the engine's summary did not appear through the live updates: %v", err)
	}
	flagged, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#sammanfattning li.unsupported")).map(li => li.innerText)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(flagged) != 1 {
		t.Fatalf("unsupported lines in the browser = %q, want 1", flagged)
	}
	for _, want := range []string{"ej belagt", "9 900 kronor", `Talet "9 900" finns inte`} {
		if !strings.Contains(flagged[0], want) {
			t.Errorf("unsupported line %q lacks %q", flagged[0], want)
		}
	}
	summary, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("sammanfattning")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Skriven av språkmodellen test-modell", "Klienten heter Sara Lindqvist."} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary in the browser lacks %q:\n%s", want, summary)
		}
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#sammanfattning li.unsupported").scrollIntoView({block: "center"}); true`)); err != nil {
		t.Fatal(err)
	}
	screenshotTo(t, ctx, threadScreenshotDir, "engine-summary")

	// An edit makes the summary older than the transcript. A new summary
	// replaces it on the page, and the first stays under the earlier ones.
	ids := make([]int64, 0, len(engineMeeting))
	segs, err := e.ts.Segments(context.Background(), "rec-anna")
	if err != nil {
		t.Fatal(err)
	}
	for _, seg := range segs {
		ids = append(ids, seg.ID)
	}
	if _, err := e.ts.EditSegment(context.Background(), "rec-anna", ids[6], "Nästa möte bokar vi den 19 april klockan tio.", e.people["anna"].ID); err != nil {
		t.Fatal(err)
	}
	navigate(t, ctx, srv.URL+"/recordings/rec-anna")
	stale, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".thread-stale")))
	if err != nil {
		t.Fatalf("no notice that the transcript changed after the summary: %v", err)
	}
	if !strings.Contains(stale, "Utskriften har ändrats efter att sammanfattningen gjordes") {
		t.Errorf("stale notice = %q", stale)
	}
	submit(t, ctx, ".thread-stale form")
	if err := chromedp.Do(waitCtx, chromedp.WaitVisible(chromedp.CSS("details.thread-earlier > summary"))); err != nil {
		t.Fatalf("the earlier summary is not listed after a new one: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`const d = document.querySelector("details.thread-earlier"); d.open = true; d.scrollIntoView({block: "start"}); true`)); err != nil {
		t.Fatal(err)
	}
	earlier, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("details.thread-earlier")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Tidigare sammanfattningar (1)", "Klienten heter Sara Lindqvist."} {
		if !strings.Contains(earlier, want) {
			t.Errorf("earlier summaries lack %q:\n%s", want, earlier)
		}
	}
	screenshotTo(t, ctx, threadScreenshotDir, "earlier-summaries")
}
