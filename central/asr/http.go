package asr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// client is the HTTP part that both engines share.
type client struct {
	base *url.URL
	opts Options
}

// field is one form field of a multipart request. Several fields may share a
// name, as the OpenAI API's "timestamp_granularities[]" does.
type field struct{ name, value string }

// post sends the WAV file and fields as multipart/form-data to path and
// returns the response body of a 2xx response. Transport failures, timeouts,
// 429 and 5xx wrap ErrUnavailable; other statuses return an error with the
// engine's message.
func (c *client) post(ctx context.Context, name, path string, wav []byte, fields []field) ([]byte, error) {
	body, contentType, err := multipartBody(wav, fields)
	if err != nil {
		return nil, fmt.Errorf("%s: building request: %w", name, err)
	}

	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()

	u := c.base.JoinPath(path)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s: building request: %w", name, err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	if c.opts.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	}

	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		if parent.Err() != nil {
			// The caller cancelled, which is no fault of the engine.
			return nil, fmt.Errorf("%s: posting to %s: %w", name, u.Redacted(), parent.Err())
		}
		return nil, fmt.Errorf("%s: posting to %s: %w: %w", name, u.Redacted(), ErrUnavailable, err)
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading response from %s: %w: %w", name, u.Redacted(), ErrUnavailable, err)
	}
	if len(data) > maxResponseBytes {
		return nil, fmt.Errorf("%s: response from %s exceeds %d bytes", name, u.Redacted(), maxResponseBytes)
	}

	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, fmt.Errorf("%s: %s responded %s: %s: %w", name, u.Redacted(), resp.Status, errorMessage(data), ErrUnavailable)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, fmt.Errorf("%s: %s rejected the request with %s: %s", name, u.Redacted(), resp.Status, errorMessage(data))
	}
	return data, nil
}

func multipartBody(wav []byte, fields []field) ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)

	fw, err := mw.CreateFormFile("file", "piece.wav")
	if err != nil {
		return nil, "", err
	}
	if _, err := fw.Write(wav); err != nil {
		return nil, "", err
	}
	for _, f := range fields {
		if err := mw.WriteField(f.name, f.value); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// errorMessage extracts the message of an error body in either engine's
// format, {"error":"..."} (whisper.cpp) or {"error":{"message":"..."}}
// (OpenAI), or else returns the start of the body as text.
func errorMessage(body []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Error) > 0 {
		var s string
		if json.Unmarshal(e.Error, &s) == nil {
			return truncate(s)
		}
		var o struct {
			Message string `json:"message"`
			Type    string `json:"type"`
		}
		if json.Unmarshal(e.Error, &o) == nil && o.Message != "" {
			if o.Type != "" {
				return truncate(o.Type + ": " + o.Message)
			}
			return truncate(o.Message)
		}
	}
	text := strings.TrimSpace(string(body))
	if text == "" {
		return "empty body"
	}
	return truncate(text)
}

// truncate shortens an engine's message for errors and logs.
func truncate(s string) string {
	const maxLen = 200
	if len(s) <= maxLen {
		return s
	}
	return strings.ToValidUTF8(s[:maxLen], "") + "…"
}
