package chat

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		name  string
		reply string
		want  []Sentence
	}{
		{
			name:  "mark_before_stop",
			reply: "Hyran är 8 400 kronor [S6]. Klienten söker jobb [S12].",
			want: []Sentence{
				{Text: "Hyran är 8 400 kronor.", Citations: []int64{6}},
				{Text: "Klienten söker jobb.", Citations: []int64{12}},
			},
		},
		{
			name:  "mark_after_stop",
			reply: "Hyran är 8 400 kronor. [S6] Klienten söker jobb. [S12, S13]",
			want: []Sentence{
				{Text: "Hyran är 8 400 kronor.", Citations: []int64{6}},
				{Text: "Klienten söker jobb.", Citations: []int64{12, 13}},
			},
		},
		{
			name:  "sentence_without_mark",
			reply: "Klienten är ledsen. Hyran är 8 400 kronor [S6].",
			want: []Sentence{
				{Text: "Klienten är ledsen."},
				{Text: "Hyran är 8 400 kronor.", Citations: []int64{6}},
			},
		},
		{
			name:  "headings_and_bullets",
			reply: "## Syfte\n- Ansökan om bistånd [S3][S4].\n\n## Nästa steg\n* Möte den 24 februari [s19].",
			want: []Sentence{
				{Heading: "Syfte", Text: "Ansökan om bistånd.", Citations: []int64{3, 4}},
				{Heading: "Nästa steg", Text: "Möte den 24 februari.", Citations: []int64{19}},
			},
		},
		{
			name:  "trailing_text",
			reply: "Beslut kommer [S18]. Inget mer",
			want: []Sentence{
				{Text: "Beslut kommer.", Citations: []int64{18}},
				{Text: "Inget mer"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseReply(tt.reply)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("parseReply(%q) mismatch (-want +got):\n%s", tt.reply, diff)
			}
		})
	}
}
