package asr

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// openAI talks to an OpenAI-compatible transcription endpoint.
type openAI struct {
	client
}

var _ Engine = (*openAI)(nil)

func (e *openAI) Name() string { return KindOpenAI + ":" + e.opts.Model }

// openAIResponse is the verbose_json response of POST /v1/audio/transcriptions
// (OpenAI's CreateTranscriptionResponseVerboseJson). Times are in seconds.
// Words are listed once for the whole response, not per segment.
type openAIResponse struct {
	Task     string  `json:"task"`
	Language string  `json:"language"`
	Duration float64 `json:"duration"`
	Text     string  `json:"text"`
	Segments *[]struct {
		ID               int     `json:"id"`
		Seek             int     `json:"seek"`
		Start            float64 `json:"start"`
		End              float64 `json:"end"`
		Text             string  `json:"text"`
		Tokens           []int   `json:"tokens"`
		Temperature      float64 `json:"temperature"`
		AvgLogprob       float64 `json:"avg_logprob"`
		CompressionRatio float64 `json:"compression_ratio"`
		NoSpeechProb     float64 `json:"no_speech_prob"`
	} `json:"segments"`
	Words []struct {
		Word  string  `json:"word"`
		Start float64 `json:"start"`
		End   float64 `json:"end"`
		// Probability is an extension that speaches (faster-whisper)
		// sends and OpenAI does not.
		Probability *float64 `json:"probability"`
	} `json:"words"`
}

// Transcribe posts r to {base}/v1/audio/transcriptions.
func (e *openAI) Transcribe(ctx context.Context, r Request) (Result, error) {
	fields := []field{
		{"model", e.opts.Model},
		{"response_format", "verbose_json"},
		{"timestamp_granularities[]", "segment"},
		{"timestamp_granularities[]", "word"},
		{"temperature", "0"},
	}
	if r.Language != "" {
		fields = append(fields, field{"language", r.Language})
	}
	if r.Prompt != "" {
		fields = append(fields, field{"prompt", r.Prompt})
	}

	body, err := e.post(ctx, e.Name(), "v1/audio/transcriptions", r.WAV, fields)
	if err != nil {
		return Result{}, err
	}

	res, err := parseOpenAI(body)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", e.Name(), err)
	}
	res.Engine = e.Name()
	return res, nil
}

func parseOpenAI(body []byte) (Result, error) {
	var resp openAIResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return Result{}, fmt.Errorf("invalid verbose_json response: %w", err)
	}
	if resp.Segments == nil {
		return Result{}, fmt.Errorf("response has no segments: the server ignored response_format=verbose_json")
	}

	res := Result{Language: resp.Language, Duration: seconds(resp.Duration)}
	for _, s := range *resp.Segments {
		res.Segments = append(res.Segments, Segment{
			Start:        seconds(s.Start),
			End:          max(seconds(s.Start), seconds(s.End)),
			Text:         strings.TrimSpace(s.Text),
			AvgLogprob:   s.AvgLogprob,
			NoSpeechProb: s.NoSpeechProb,
		})
	}

	for _, w := range resp.Words {
		text := strings.TrimSpace(w.Word)
		if text == "" || len(res.Segments) == 0 {
			continue
		}
		word := Word{Text: text, Start: seconds(w.Start), End: max(seconds(w.Start), seconds(w.End)), Probability: -1}
		if w.Probability != nil {
			word.Probability = *w.Probability
		}
		i := segmentOf(res.Segments, word)
		res.Segments[i].Words = append(res.Segments[i].Words, word)
	}
	return res, nil
}

// segmentOf returns the index of the segment that contains the middle of w,
// or else the segment nearest to it.
func segmentOf(segs []Segment, w Word) int {
	mid := w.Start + (w.End-w.Start)/2
	best, bestDist := 0, mid
	for i, s := range segs {
		var dist time.Duration
		switch {
		case mid < s.Start:
			dist = s.Start - mid
		case mid > s.End:
			dist = mid - s.End
		}
		if i == 0 || dist < bestDist {
			best, bestDist = i, dist
		}
	}
	return best
}
