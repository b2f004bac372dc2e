package asr

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/ordagrann/ordagrann/central/enginehttp"
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
		return nil, fmt.Errorf("%s: %s responded %s: %s: %w", name, u.Redacted(), resp.Status, enginehttp.ErrorMessage(data), ErrUnavailable)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, fmt.Errorf("%s: %s rejected the request with %s: %s", name, u.Redacted(), resp.Status, enginehttp.ErrorMessage(data))
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
