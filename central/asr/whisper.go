package asr

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/ordagrann/ordagrann/central/enginehttp"
)

// whisperServer talks to whisper.cpp's example server (whisper-server).
type whisperServer struct {
	client
}

var _ Engine = (*whisperServer)(nil)

func (e *whisperServer) Name() string { return KindWhisperServer }

// whisperResponse is the verbose_json response of whisper.cpp's server
// (examples/server/server.cpp). Times are in seconds. Each element of a
// segment's "words" is one model token, not a word.
type whisperResponse struct {
	Error    json.RawMessage `json:"error"`
	Task     string          `json:"task"`
	Language string          `json:"language"`
	Duration float64         `json:"duration"`
	Text     string          `json:"text"`
	Segments *[]struct {
		ID     int     `json:"id"`
		Text   string  `json:"text"`
		Start  float64 `json:"start"`
		End    float64 `json:"end"`
		Tokens []int   `json:"tokens"`
		Words  []struct {
			Word        string  `json:"word"`
			Start       float64 `json:"start"`
			End         float64 `json:"end"`
			TDTW        int64   `json:"t_dtw"`
			Probability float64 `json:"probability"`
		} `json:"words"`
		Temperature  float64 `json:"temperature"`
		AvgLogprob   float64 `json:"avg_logprob"` // null when a segment has no tokens
		NoSpeechProb float64 `json:"no_speech_prob"`
	} `json:"segments"`
}

// whisperServerFailure is the message whisper.cpp's server returns when
// inference itself fails. Older versions send it with status 200, newer
// ones with 500; either way the audio is not at fault.
const whisperServerFailure = "failed to process audio"

// Transcribe posts r to {base}/inference.
func (e *whisperServer) Transcribe(ctx context.Context, r Request) (Result, error) {
	fields := []field{
		{"response_format", "verbose_json"},
		{"temperature", "0.0"},
	}
	if r.Language != "" {
		fields = append(fields, field{"language", r.Language})
	}
	if r.Prompt != "" {
		fields = append(fields, field{"prompt", r.Prompt})
	}

	body, err := e.post(ctx, e.Name(), "inference", r.WAV, fields)
	if err != nil {
		return Result{}, err
	}

	return parseWhisper(body)
}

func parseWhisper(body []byte) (Result, error) {
	var resp whisperResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return Result{}, fmt.Errorf("%s: invalid verbose_json response: %w", KindWhisperServer, err)
	}

	// whisper.cpp reports some errors with status 200 and an "error" field.
	if len(resp.Error) > 0 && string(resp.Error) != "null" {
		msg := enginehttp.ErrorMessage(body)
		if msg == whisperServerFailure {
			return Result{}, fmt.Errorf("%s: %s: %w", KindWhisperServer, msg, ErrUnavailable)
		}
		return Result{}, fmt.Errorf("%s: engine rejected the audio: %s", KindWhisperServer, msg)
	}
	if resp.Segments == nil {
		return Result{}, fmt.Errorf("%s: response has no segments: the server does not support response_format=verbose_json", KindWhisperServer)
	}

	res := Result{Language: resp.Language, Duration: seconds(resp.Duration), Engine: KindWhisperServer}
	for _, s := range *resp.Segments {
		tokens := make([]Word, 0, len(s.Words))
		for _, w := range s.Words {
			tokens = append(tokens, Word{Text: w.Word, Start: seconds(w.Start), End: seconds(w.End), Probability: w.Probability})
		}
		seg := Segment{
			Start:        seconds(s.Start),
			End:          max(seconds(s.Start), seconds(s.End)),
			Text:         strings.TrimSpace(s.Text),
			Words:        mergeTokens(tokens, s.Text),
			AvgLogprob:   s.AvgLogprob,
			NoSpeechProb: s.NoSpeechProb,
		}
		res.Segments = append(res.Segments, seg)
	}
	return res, nil
}

// mergeTokens joins whisper.cpp's tokens into words. A token that starts
// with a space starts a new word; any other token (a sub-word piece or
// punctuation) continues the current one. Special tokens such as "[_BEG_]"
// or "[_TT_150]" are dropped. A word's probability is the mean of its
// tokens' probabilities, as openai-whisper computes it.
//
// A token can end inside a multi-byte UTF-8 character (å, ä, ö), and the
// server then replaces the broken bytes with U+FFFD. So when the segment
// text splits into as many words as the tokens give, the words' text is
// taken from the segment text, which the server builds from the raw bytes.
func mergeTokens(tokens []Word, segmentText string) []Word {
	var words []Word
	var probSum float64
	var n int
	flush := func() {
		if n == 0 {
			return
		}
		words[len(words)-1].Probability = probSum / float64(n)
		probSum, n = 0, 0
	}

	for _, t := range tokens {
		if isSpecialToken(t.Text) {
			continue
		}
		text := strings.TrimSpace(t.Text)
		if text == "" {
			continue
		}

		startsWord := len(words) == 0 || strings.HasPrefix(t.Text, " ")
		if startsWord && len(words) > 0 && !hasLetterOrDigit(text) {
			startsWord = false // punctuation after a space belongs to the word before
		}
		if startsWord {
			flush()
			words = append(words, Word{Text: text, Start: t.Start, End: max(t.Start, t.End)})
		} else {
			w := &words[len(words)-1]
			w.Text += text
			w.End = max(w.End, t.End)
		}
		probSum += t.Probability
		n++
	}
	flush()

	if fields := strings.Fields(segmentText); len(fields) == len(words) {
		for i := range words {
			words[i].Text = fields[i]
		}
	}
	return words
}

// isSpecialToken reports whether a token is one of whisper's control tokens,
// which whisper.cpp prints as "[_NAME_]" (for example "[_BEG_]", "[_SOT_]",
// "[_TT_150]") or "<|name|>".
func isSpecialToken(s string) bool {
	s = strings.TrimSpace(s)
	return (strings.HasPrefix(s, "[_") && strings.HasSuffix(s, "]")) ||
		(strings.HasPrefix(s, "<|") && strings.HasSuffix(s, "|>"))
}

func hasLetterOrDigit(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == unicode.ReplacementChar {
			return true
		}
	}
	return false
}
