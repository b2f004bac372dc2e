package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Ordinary characters that unicode.IsPrint rejects but people and engines write.
var ordinaryText = []struct {
	name string
	text string
}{
	{"no_break_space", "10\u00a0000 kr"},
	{"soft_hyphen", "social\u00adsekreterare"},
	{"zero_width_space", "www.\u200bexempel.se"},
	{"tab", "kolumn\tvärde"},
	{"emoji_zwj", "läkare 👩\u200d⚕\ufe0f och familj 👩\u200d👩\u200d👧"},
	{"bidi_marks", "\u200fمرحبا\u200e ok"},
	{"bidi_override", "Rättvänd \u202eabc\u202c text"},
	{"bidi_isolate", "namn \u2067سارة\u2069 här"},
	{"line_separator", "rad\u2028rad"},
	{"combining", "kombinerande e\u0301"},
	{"replacement_character", "trasig \ufffd byte"},
	{"line_feed", "rad ett\nrad två"},
}

func TestCheckTextAllowsOrdinaryCharacters(t *testing.T) {
	for _, c := range ordinaryText {
		t.Run(c.name, func(t *testing.T) {
			if err := CheckText(c.text); err != nil {
				t.Errorf("CheckText(%q) = %v, want nil", c.text, err)
			}
		})
	}
}

func TestCheckTextRejectsControls(t *testing.T) {
	for _, c := range []struct {
		name   string
		text   string
		rune   rune
		offset int
	}{
		{"nul", "a\x00b", 0, 1},
		{"bell", "åäö\x07", 7, 3},
		{"carriage_return", "a\rb", '\r', 1},
		{"escape", "\x1b[31m", 0x1b, 0},
		{"delete", "a\x7f", 0x7f, 1},
		{"c1_next_line", "a\u0085b", 0x85, 1},
		{"c1_csi", "\u009b31m", 0x9b, 0},
		{"noncharacter_fdd0", "a\ufdd0", 0xfdd0, 1},
		{"noncharacter_fffe", "\ufffe", 0xfffe, 0},
		{"noncharacter_plane_1", "a\U0001ffff", 0x1ffff, 1},
		{"invalid_utf8", "ab\xffc", 0xfffd, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckText(c.text)
			var invalid *InvalidTextError
			if !errors.As(err, &invalid) {
				t.Fatalf("CheckText(%q) = %v, want an *InvalidTextError", c.text, err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("CheckText(%q) = %v, want it to wrap ErrInvalid", c.text, err)
			}
			if invalid.Rune != c.rune {
				t.Errorf("CheckText(%q).Rune = %U, want %U", c.text, invalid.Rune, c.rune)
			}
			if invalid.Offset != c.offset {
				t.Errorf("CheckText(%q).Offset = %d, want %d", c.text, invalid.Offset, c.offset)
			}
		})
	}
}

func TestReplaceInvalidText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a\x07b", "a b"},
		{"rad\r\nrad\rrad", "rad\nrad\nrad"},
		{"\u202eabc\u202c\u00a0kr", "\u202eabc\u202c\u00a0kr"},
		{"a\u0085\ufdd0b\xff", "a  b "},
	} {
		got := ReplaceInvalidText(c.in)
		if got != c.want {
			t.Errorf("ReplaceInvalidText(%q) = %q, want %q", c.in, got, c.want)
		}
		if err := CheckText(got); err != nil {
			t.Errorf("CheckText(ReplaceInvalidText(%q)) = %v, want nil", c.in, err)
		}
	}
}

// editEnv is a store with one recording "rec-1" whose one segment has
// the engine text given.
func editEnv(t *testing.T, engineText string) (*env, int64) {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 16000, 0)
	job, err := e.s.AddJob(ctx, "rec-1", 0, 16000, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.FinishJob(ctx, job.ID, []Segment{{Start: 0, End: time.Second, Text: engineText}}); err != nil {
		t.Fatal(err)
	}
	segs, err := e.s.Segments(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	return e, segs[0].ID
}

func TestEditSegmentNormalizesLineBreaks(t *testing.T) {
	e, seg := editEnv(t, " Hej.")
	ctx := context.Background()

	for _, c := range []struct{ in, want string }{
		{"Rad ett.\r\nRad två.", "Rad ett.\nRad två."},
		{"Rad ett.\rRad tre.\r\n", "Rad ett.\nRad tre."},
	} {
		got, err := e.s.EditSegment(ctx, "rec-1", seg, c.in, "acc-1")
		if err != nil {
			t.Fatalf("EditSegment(%q) = %v, want it stored", c.in, err)
		}
		if got.Text != c.want {
			t.Errorf("EditSegment(%q).Text = %q, want %q", c.in, got.Text, c.want)
		}
	}
}

func TestEditSegmentAllowsOrdinaryCharacters(t *testing.T) {
	for _, c := range ordinaryText {
		t.Run(c.name, func(t *testing.T) {
			e, seg := editEnv(t, " Hej.")
			if _, err := e.s.EditSegment(context.Background(), "rec-1", seg, c.text, "acc-1"); err != nil {
				t.Errorf("EditSegment(%q) = %v, want it stored", c.text, err)
			}
		})
	}
}

func TestEditSegmentUnchangedStoresNothing(t *testing.T) {
	e, seg := editEnv(t, " Summan är 10\u00a0000 kr.\u202e ")
	ctx := context.Background()

	if _, err := e.s.EditSegment(ctx, "rec-1", seg, "Summan är 10\u00a0000 kr.\u202e", "acc-1"); !errors.Is(err, ErrUnchanged) {
		t.Errorf("EditSegment(engine text) = %v, want ErrUnchanged", err)
	}
	if _, err := e.s.EditSegment(ctx, "rec-1", seg, "Summan är 20\u00a0000 kr.", "acc-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.EditSegment(ctx, "rec-1", seg, " Summan är 20\u00a0000 kr.\r\n", "acc-2"); !errors.Is(err, ErrUnchanged) {
		t.Errorf("EditSegment(latest edit) = %v, want ErrUnchanged", err)
	}
	if _, err := e.s.EditSegment(ctx, "rec-1", seg, "Summan är 10\u00a0000 kr.\u202e", "acc-1"); err != nil {
		t.Errorf("EditSegment(back to the engine text) = %v, want it stored", err)
	}

	edits, err := e.s.SegmentEdits(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(edits[seg]); n != 2 {
		t.Errorf("stored %d versions, want 2", n)
	}
}

func TestSpeakerNameAllowsOrdinaryCharacters(t *testing.T) {
	e, _ := editEnv(t, " Hej.")
	ctx := context.Background()

	for _, name := range []string{"Anna\u00a0Svensson", "Tolk 👩\u200d⚕\ufe0f", "\u2067سارة\u2069", "Lars-\u00adÅke"} {
		if err := e.s.SetSpeakerName(ctx, "rec-1", 0, name); err != nil {
			t.Errorf("SetSpeakerName(%q) = %v, want it stored", name, err)
			continue
		}
		names, err := e.s.SpeakerNames(ctx, "rec-1")
		if err != nil {
			t.Fatal(err)
		}
		// Runs of white space, the no-break space too, become one space.
		if want := strings.Join(strings.Fields(name), " "); names[0] != want {
			t.Errorf("SpeakerNames()[0] = %q, want %q", names[0], want)
		}
	}
	var invalid *InvalidTextError
	if err := e.s.SetSpeakerName(ctx, "rec-1", 0, "a\u009bb"); !errors.As(err, &invalid) {
		t.Errorf("SetSpeakerName(C1 control) = %v, want an *InvalidTextError", err)
	}
}

func TestThreadLineAllowsEngineCharacters(t *testing.T) {
	e, seg := editEnv(t, " Hej.")
	ctx := context.Background()

	m := ThreadMessage{Kind: ThreadSummary, Text: "Sammanfattning", Lines: []ThreadLine{
		{Heading: "Syfte", Speaker: "Klient\u00a0A", Text: "Rättvänd \u202eabc\u202c, 10\u00a0000 kr, 👩\u200d👩\u200d👧", Segments: []int64{seg}},
	}}
	if _, err := e.s.AddThreadMessage(ctx, "rec-1", m); err != nil {
		t.Fatalf("AddThreadMessage(engine characters) = %v, want it stored", err)
	}

	bad := ThreadMessage{Kind: ThreadQuestion, Author: "acc-1", Text: "Fråga", Lines: []ThreadLine{
		{Heading: "a\x07b", Text: "ok", Segments: []int64{seg}},
	}}
	if _, err := e.s.AddThreadMessage(ctx, "rec-1", bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("AddThreadMessage(control character in a heading) = %v, want ErrInvalid", err)
	}
}
