package asr

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMergeTokens(t *testing.T) {
	tok := func(text string, start, end int, p float64) Word {
		return Word{Text: text, Start: time.Duration(start) * time.Millisecond, End: time.Duration(end) * time.Millisecond, Probability: p}
	}
	tests := []struct {
		name        string
		tokens      []Word
		segmentText string
		want        []Word
	}{
		{
			name:        "sub_words_and_punctuation",
			tokens:      []Word{tok(" Social", 0, 300, 0.8), tok("tj", 300, 400, 0.6), tok("änsten", 400, 700, 0.4), tok(",", 700, 750, 1)},
			segmentText: " Socialtjänsten,",
			want:        []Word{tok("Socialtjänsten,", 0, 750, 0.7)},
		},
		{
			name:        "special_tokens_dropped",
			tokens:      []Word{tok("[_BEG_]", 0, 0, 1), tok(" ja", 0, 200, 0.5), tok("[_TT_50]", 200, 200, 1), tok("<|endoftext|>", 200, 200, 1)},
			segmentText: " ja",
			want:        []Word{tok("ja", 0, 200, 0.5)},
		},
		{
			name:        "broken_utf8_taken_from_text",
			tokens:      []Word{tok(" s\ufffd", 0, 100, 0.5), tok("\ufffdg", 100, 300, 0.7)},
			segmentText: " säg",
			want:        []Word{tok("säg", 0, 300, 0.6)},
		},
		{
			name:        "punctuation_after_space",
			tokens:      []Word{tok(" nej", 0, 200, 1), tok(" !", 200, 300, 1)},
			segmentText: " nej !",
			want:        []Word{tok("nej!", 0, 300, 1)},
		},
		{
			name:        "text_count_differs",
			tokens:      []Word{tok(" a", 0, 100, 1), tok(" b", 100, 200, 1)},
			segmentText: " a b c",
			want:        []Word{tok("a", 0, 100, 1), tok("b", 100, 200, 1)},
		},
		{name: "empty", tokens: nil, segmentText: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mergeTokens(tt.tokens, tt.segmentText)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mergeTokens() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSeconds(t *testing.T) {
	tests := []struct {
		in   float64
		want time.Duration
	}{
		{1.0, time.Second},
		{13.5, 13500 * time.Millisecond},
		{0.0004, 0},
		{-1, 0},
		{1e300, 0},
	}
	for _, tt := range tests {
		if got := seconds(tt.in); got != tt.want {
			t.Errorf("seconds(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzParseWhisper(f *testing.F) {
	seed, err := os.ReadFile("asrtest/testdata/whisper_verbose.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"error":"failed to read audio data"}`))
	f.Add([]byte(`{"segments":[{"words":[{"word":" \ufffd"}]}]}`))

	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := parseWhisper(body)
		if err != nil {
			return
		}
		for _, s := range res.Segments {
			if s.End < s.Start {
				t.Errorf("segment %+v ends before it starts", s)
			}
		}
	})
}

func FuzzParseOpenAI(f *testing.F) {
	seed, err := os.ReadFile("asrtest/testdata/openai_verbose.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"segments":[],"words":[{"word":"x","start":-1,"end":1e400}]}`))

	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := parseOpenAI(body)
		if err != nil {
			return
		}
		for _, s := range res.Segments {
			if s.End < s.Start {
				t.Errorf("segment %+v ends before it starts", s)
			}
		}
	})
}
