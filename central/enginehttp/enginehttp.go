// Package enginehttp holds the HTTP conventions that the central service's
// external engines share, the transcription engines and the chat engine:
// which base addresses are accepted and how an error body is read.
package enginehttp

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ParseBaseURL checks an engine's base address, such as
// "http://127.0.0.1:8080" or "https://asr.example.se/engine", and returns
// it without a trailing slash. Plain http to a host other than loopback
// would send payload ("audio", "text") unencrypted. That is an error
// unless allowPlain is set, and then remote is true so the caller can warn.
// engine names the engine in error messages.
func ParseBaseURL(raw, engine, payload string, allowPlain bool) (u *url.URL, remote bool, err error) {
	u, err = url.Parse(raw)
	if err != nil {
		return nil, false, fmt.Errorf("invalid %s url %q: use http://host:port or https://host:port: %w", engine, raw, err)
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, false, fmt.Errorf("invalid %s url %q: use http://host:port or https://host:port", engine, raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, false, fmt.Errorf("invalid %s url %q: remove the query, fragment or user information", engine, u.Redacted())
	}

	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		if !allowPlain {
			return nil, false, fmt.Errorf("%s url %q sends %s unencrypted to another host: use https, or allow plain http explicitly", engine, raw, payload)
		}
		remote = true
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, remote, nil
}

// IsLoopback reports whether host is "localhost" or a loopback address.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ErrorMessage extracts the message of an error body in the formats the
// engines use, {"error":"..."} (whisper.cpp's server and some others) or
// {"error":{"message":"...","type":"..."}} (OpenAI), or else returns the
// start of the body as text.
func ErrorMessage(body []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Error) > 0 {
		var s string
		if json.Unmarshal(e.Error, &s) == nil {
			return Truncate(s)
		}
		var o struct {
			Message string `json:"message"`
			Type    string `json:"type"`
		}
		if json.Unmarshal(e.Error, &o) == nil && o.Message != "" {
			if o.Type != "" {
				return Truncate(o.Type + ": " + o.Message)
			}
			return Truncate(o.Message)
		}
	}

	text := strings.TrimSpace(string(body))
	if text == "" {
		return "empty body"
	}
	return Truncate(text)
}

// ErrorKind returns the type and code fields of an OpenAI-style error
// body, {"error":{"type":"...","code":"..."}}, joined as "type/code", or
// only the one present. It never returns the error's message, which some
// engines fill with the request's text. A field that is not a short
// identifier of letters, digits, '_', '-' and '.' is left out for the same
// reason. It returns "" when no field is left.
func ErrorKind(body []byte) string {
	var e struct {
		Error struct {
			Type json.RawMessage `json:"type"`
			Code json.RawMessage `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}

	var fields []string
	for _, raw := range []json.RawMessage{e.Error.Type, e.Error.Code} {
		if field := identifier(raw); field != "" {
			fields = append(fields, field)
		}
	}
	return strings.Join(fields, "/")
}

// identifier returns a JSON string or number that is a short identifier,
// or "".
func identifier(raw json.RawMessage) string {
	const maxLen = 64
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return ""
		}
		s = n.String()
	}
	if s == "" || len(s) > maxLen {
		return ""
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.'
		if !ok {
			return ""
		}
	}
	return s
}

// Truncate shortens an engine's message to at most 200 bytes and an
// ellipsis for errors and logs, without splitting a UTF-8 character.
func Truncate(s string) string {
	const maxLen = 200
	if len(s) <= maxLen {
		return s
	}
	return strings.ToValidUTF8(s[:maxLen], "") + "…"
}
