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
	"github.com/chromedp/chromedp/kb"

	"github.com/ordagrann/ordagrann/central/store"
)

// recordingScreenshotDir holds the screenshots of the recording page.
var recordingScreenshotDir = filepath.Join("..", "test-output", "recording")

// longMeeting returns n segments within the fixture's one second of audio,
// each long enough to wrap, with one uncertain word each.
func longMeeting(n int) []store.Segment {
	step := time.Second / time.Duration(n)
	var segs []store.Segment
	for i := range n {
		start := time.Duration(i) * step
		text := fmt.Sprintf("Rad %d: vi pratade om bostadsbidraget och om hur ansökan ska skickas in i tid.", i+1)
		seg := store.Segment{Start: start, End: start + step, Text: text}
		for j, w := range strings.Fields(text) {
			p := 0.9
			if w == "bostadsbidraget" {
				p = 0.3
			}
			seg.Words = append(seg.Words, store.Word{Text: " " + w, Start: start + time.Duration(j)*step/20, Probability: p})
		}
		segs = append(segs, seg)
	}
	return segs
}

// rect is an element's box in the viewport, in CSS pixels.
type rect struct {
	Top, Bottom, Left, Right float64
}

// boxOf returns the viewport box of the first element that matches css.
func boxOf(t *testing.T, ctx context.Context, css string) rect {
	t.Helper()
	js := `(function () { var el = document.querySelector(` + jsString(css) + `); if (!el) { return null; }
		var r = el.getBoundingClientRect(); return {Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right}; })()`
	box, err := chromedp.Run(ctx, chromedp.Evaluate[*rect](js))
	if err != nil || box == nil {
		t.Fatalf("box of %s = %v, %v, want an element", css, box, err)
	}
	return *box
}

// checkInteractiveSizes fails for each visible link, button, summary or
// form field of the page that is narrower than 44 px or has text under
// 16 px. checkTouchTargets checks the height. An uncertain word is exempt
// from the width, because it is a word inside a line of text, where the
// width of the word itself is the target.
func checkInteractiveSizes(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main a, main button, main input:not([type=hidden]), main select, main textarea, main summary, header a, header button, header input"))
		.filter(el => el.offsetParent !== null)
		.map(el => {
			var box = el.type === "checkbox" && el.closest("label") ? el.closest("label").getBoundingClientRect() : el.getBoundingClientRect();
			var size = parseFloat(getComputedStyle(el).fontSize);
			var problems = [];
			if (box.width < 44 && !el.matches("button.uncertain")) { problems.push("width " + Math.round(box.width)); }
			if (size < 16) { problems.push("text " + size + " px"); }
			return problems.length ? problems.join(", ") + ": " + el.outerHTML.slice(0, 80) : "";
		})
		.filter(s => s !== "")`))
	if err != nil {
		t.Fatal(err)
	}
	for _, el := range bad {
		t.Errorf("%s: %s", page, el)
	}
}

// TestBrowserRecordingLayout opens a long, finished recording at the
// tablet's landscape and portrait sizes. Landscape shows the transcript
// and the summary side by side on the first screen. Portrait stacks them
// under a bar that jumps between them, and the header fits both.
func TestBrowserRecordingLayout(t *testing.T) {
	f := newEvaFixture(t, longMeeting(40))
	endRecording(t, f.env, "rec-eva")
	ctx, base := openEvaRecording(t, f, nil)
	screenshotTo(t, ctx, recordingScreenshotDir, "landscape-1280x800")

	// Landscape: two columns, both starting on the first screen.
	row, summary := boxOf(t, ctx, ".transcript > li"), boxOf(t, ctx, "#sammanfattning")
	if row.Top >= 800 {
		t.Errorf("first transcript row at 1280×800 starts at %.0f px, want it on the first screen", row.Top)
	}
	if summary.Top >= 800 {
		t.Errorf("summary at 1280×800 starts at %.0f px, want it on the first screen", summary.Top)
	}
	if summary.Left < row.Right {
		t.Errorf("summary at 1280×800 starts at x %.0f, left of the transcript's right edge %.0f: want it in the right column", summary.Left, row.Right)
	}
	player := boxOf(t, ctx, "#spelare")
	if player.Right > summary.Left || player.Top >= row.Top {
		t.Errorf("player at %+v, want it above the transcript in the left column", player)
	}
	checkTouchTargets(t, ctx, "recording page 1280×800")
	checkInteractiveSizes(t, ctx, "recording page 1280×800")

	// Portrait: the header fits, and the bar jumps to the summary.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(800, 1280)); err != nil {
		t.Fatal(err)
	}
	navigate(t, ctx, base+"/recordings/rec-eva")
	screenshotTo(t, ctx, recordingScreenshotDir, "portrait-800x1280")
	width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
	if err != nil || width > 800 {
		t.Errorf("page width at 800×1280 = %v, %v, want at most 800", width, err)
	}
	signOut := boxOf(t, ctx, "header .signout button")
	if signOut.Right > 800 || signOut.Left < 0 {
		t.Errorf("sign-out button at 800×1280 spans x %.0f to %.0f, want it inside 0 to 800", signOut.Left, signOut.Right)
	}
	if tabs := boxOf(t, ctx, ".rec-tabs"); tabs.Bottom <= tabs.Top {
		t.Errorf("jump bar at 800×1280 is hidden, want it shown")
	}
	checkTouchTargets(t, ctx, "recording page 800×1280")
	checkInteractiveSizes(t, ctx, "recording page 800×1280")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.rec-tabs a[href="#trad"]`))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(function () { var r = document.getElementById("sammanfattning").getBoundingClientRect(); return r.top >= 0 && r.top < 1280; })()`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("summary not in view after the jump bar's link: %v", err)
	}
	screenshotTo(t, ctx, recordingScreenshotDir, "portrait-summary")

	// The list and the search page at both sizes.
	for _, size := range [][2]int64{{1280, 800}, {800, 1280}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1])); err != nil {
			t.Fatal(err)
		}
		for _, page := range []string{"/", "/sok?q=bostadsbidraget"} {
			navigate(t, ctx, base+page)
			name := fmt.Sprintf("%s at %d×%d", page, size[0], size[1])
			screenshotTo(t, ctx, recordingScreenshotDir, fmt.Sprintf("%s-%dx%d", map[string]string{"/": "list", "/sok?q=bostadsbidraget": "search"}[page], size[0], size[1]))
			checkTouchTargets(t, ctx, name)
			checkInteractiveSizes(t, ctx, name)
		}
	}
}

// TestBrowserUncertainWordByKeyboard reaches an uncertain word with the
// keyboard and plays it with Enter.
func TestBrowserUncertainWordByKeyboard(t *testing.T) {
	f := newEvaFixture(t, longMeeting(4))
	ctx, _ := openEvaRecording(t, f, nil)

	word := `#utskrift-del .uncertain`
	state, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(function () { var w = document.querySelectorAll(`+jsString(word)+`)[2];
		var described = document.getElementById(w.getAttribute("aria-describedby"));
		return [String(w.tabIndex), w.tagName, w.dataset.start, described ? described.textContent : ""]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if state[0] != "0" || state[1] != "BUTTON" {
		t.Fatalf("uncertain word: tabIndex %s, element %s, want 0 and a button", state[0], state[1])
	}
	if !strings.Contains(state[3], "Osäkert ord") {
		t.Errorf("uncertain word's description = %q, want the words \"Osäkert ord\" for screen readers", state[3])
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll(`+jsString(word)+`)[2].focus(); true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	want := state[2]
	at, err := chromedp.Run(ctx, chromedp.Poll[string](`(function () { var p = document.getElementById("spelare"); return Math.abs(p.currentTime - `+want+`) < 0.01 ? p.currentTime.toFixed(2) : null; })()`,
		chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		t.Errorf("player after Enter on an uncertain word starting at %s s: %v", want, err)
	} else if at != want {
		t.Errorf("player time after Enter = %s, want %s", at, want)
	}
}

// TestBrowserFollowKeepsEditInView opens the edit form of the last row,
// then lets the player reach the first row: the page must not scroll the
// focused text box away.
func TestBrowserFollowKeepsEditInView(t *testing.T) {
	f := newEvaFixture(t, longMeeting(40))
	ctx, _ := openEvaRecording(t, f, nil)

	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () { var links = document.querySelectorAll(".transcript a.edit-link"); var last = links[links.length - 1];
		last.scrollIntoView({block: "center"}); last.click(); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".edit-inline textarea"))); err != nil {
		t.Fatal(err)
	}
	focused, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.activeElement && document.activeElement.matches(".edit-inline textarea")`, chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil || !focused {
		t.Fatalf("edit box focused = %v, %v, want true", focused, err)
	}

	// Seeking fires timeupdate without playing, which headless Chromium may not do.
	seek := `new Promise(function (resolve) {
		var p = document.getElementById("spelare");
		function go() {
			p.addEventListener("timeupdate", function () { setTimeout(resolve, 300); }, { once: true });
			p.currentTime = 0.001;
		}
		if (p.readyState >= 1) { go(); } else { p.addEventListener("loadedmetadata", go, { once: true }); p.load(); }
	})`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](seek, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("seeking the player: %v", err)
	}
	playing, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".transcript > li.playing").length`))
	if err != nil || playing != 1 {
		t.Errorf("rows marked as playing = %d, %v, want 1: the highlight still follows the player", playing, err)
	}
	box := boxOf(t, ctx, ".edit-inline textarea")
	if box.Bottom < 0 || box.Top > 800 {
		t.Errorf("focused edit box at %.0f to %.0f px after the player moved to the first row, want it in the 800 px viewport", box.Top, box.Bottom)
	}
	screenshotTo(t, ctx, recordingScreenshotDir, "follow-while-editing")
}

// TestBrowserLiveShowsEndOfMeeting keeps the page of a meeting in progress
// open while the meeting ends: the state turns "avslutad" and the summary
// appears, without a reload.
func TestBrowserLiveShowsEndOfMeeting(t *testing.T) {
	f := newEvaFixture(t, longMeeting(6))
	ctx, _ := openEvaRecording(t, f, func(h *handler) { h.livePoll = 50 * time.Millisecond })
	waitText(t, ctx, "lage", "pågår")
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("utskrift-del")))
	if err != nil || strings.Contains(notice, "laddas om") {
		t.Errorf("transcript part = %q, %v, want no request to reload while live updates are on", notice, err)
	}

	endRecording(t, f.env, "rec-eva")
	waitText(t, ctx, "lage", "avslutad")
	waitCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(waitCtx, chromedp.WaitVisible(chromedp.CSS("#sammanfattning h4"))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("sammanfattning")))
		t.Fatalf("summary did not appear through the live updates: %v; summary part: %q", err, text)
	}
	markCtx, cancelMark := context.WithTimeout(ctx, 15*time.Second)
	defer cancelMark()
	if err := chromedp.Do(markCtx, chromedp.WaitVisible(chromedp.CSS(`form[action$="/dokumenterad"] button`))); err != nil {
		t.Errorf("the documented mark was not offered after the end: %v", err)
	}
	class, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("lage").className`))
	if err != nil || class != "state state-ended" {
		t.Errorf("state class = %q, %v, want %q", class, err, "state state-ended")
	}
	streams, err := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType("resource").filter(e => e.name.endsWith("/handelser")).length`))
	if err != nil || streams != 1 {
		t.Errorf("event streams the page opened = %d, %v, want 1", streams, err)
	}
	screenshotTo(t, ctx, recordingScreenshotDir, "live-ended")
}

// openEvaRecording serves f's store to a fresh browser, signs Eva in and
// opens rec-eva. tweak, when not nil, adjusts the handler first. It
// returns the browser and the server's address.
func openEvaRecording(t *testing.T, f evaFixture, tweak func(*handler)) (context.Context, string) {
	t.Helper()
	ctx := newBrowser(t)
	served, err := New(f.env.ts, &Options{Logger: f.logger, Now: f.clock.Now, Auth: f.accounts})
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(served.(*handler))
	}
	srv := httptest.NewServer(served)
	t.Cleanup(func() { closeServer(srv) })
	browserSignIn(t, ctx, srv.URL, f.clock, f.eva)
	navigate(t, ctx, srv.URL+"/recordings/rec-eva")
	return ctx, srv.URL
}
