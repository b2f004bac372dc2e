package enginehttp

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseBaseURL(t *testing.T) {
	tests := []struct {
		name       string
		raw        string
		allowPlain bool
		want       string // the parsed address, or "" for an error
		remote     bool
		errPart    string
	}{
		{"loopback_http", "http://127.0.0.1:8080/", false, "http://127.0.0.1:8080", false, ""},
		{"localhost_http", "http://localhost:8080", false, "http://localhost:8080", false, ""},
		{"ipv6_loopback", "http://[::1]:8080", false, "http://[::1]:8080", false, ""},
		{"https_with_path", "https://asr.example.se/engine/", false, "https://asr.example.se/engine", false, ""},
		{"plain_http_remote", "http://10.1.2.3:8080", false, "", false, "sends audio unencrypted"},
		{"plain_http_remote_allowed", "http://10.1.2.3:8080", true, "http://10.1.2.3:8080", true, ""},
		{"no_scheme", "127.0.0.1:8080", false, "", false, "invalid speech engine url"},
		{"ftp", "ftp://127.0.0.1", false, "", false, "use http://host:port"},
		{"query", "http://127.0.0.1:8080/?model=x", false, "", false, "remove the query"},
		{"user_info", "https://user:secret@asr.example.se", false, "", false, "remove the query, fragment or user information"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, remote, err := ParseBaseURL(tt.raw, "speech engine", "audio", tt.allowPlain)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), tt.errPart) {
					t.Fatalf("ParseBaseURL(%q) error = %v, want one containing %q", tt.raw, err, tt.errPart)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error %q shows the password of the url", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseBaseURL(%q) = %v", tt.raw, err)
			}
			if got := u.String(); got != tt.want {
				t.Errorf("ParseBaseURL(%q) = %q, want %q", tt.raw, got, tt.want)
			}
			if remote != tt.remote {
				t.Errorf("ParseBaseURL(%q) remote = %t, want %t", tt.raw, remote, tt.remote)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"whisper_server", `{"error":"failed to read WAV file"}`, "failed to read WAV file"},
		{"openai", `{"error":{"message":"model not found","type":"invalid_request_error"}}`, "invalid_request_error: model not found"},
		{"openai_without_type", `{"error":{"message":"overloaded"}}`, "overloaded"},
		{"plain_text", "  Bad Gateway\n", "Bad Gateway"},
		{"empty", "", "empty body"},
		{"json_without_error", `{"detail":"x"}`, `{"detail":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorMessage([]byte(tt.body)); got != tt.want {
				t.Errorf("ErrorMessage(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestTruncateKeepsUTF8(t *testing.T) {
	long := strings.Repeat("å", 150) // 300 bytes, so the cut falls inside a character
	got := Truncate(long)
	if !utf8.ValidString(got) {
		t.Errorf("Truncate cut a character: %q", got)
	}
	if !strings.HasSuffix(got, "…") || len(got) > 200+len("…") {
		t.Errorf("Truncate(300 bytes) = %d bytes %q, want at most 200 bytes and an ellipsis", len(got), got)
	}
	if short := "kort"; Truncate(short) != short {
		t.Errorf("Truncate(%q) = %q, want it unchanged", short, Truncate(short))
	}
}

func TestErrorKind(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"type_and_code", `{"error":{"message":"Klienten Kalle Karlsson bor på …","type":"invalid_request_error","code":"context_length_exceeded"}}`, "invalid_request_error/context_length_exceeded"},
		{"type_only", `{"error":{"message":"Sara Lindqvist","type":"server_error","code":null}}`, "server_error"},
		{"numeric_code", `{"error":{"message":"x","code":400}}`, "400"},
		{"message_only", `{"error":{"message":"Sara Lindqvist 850312-2387"}}`, ""},
		{"plain_string_error", `{"error":"Sara Lindqvist 850312-2387"}`, ""},
		{"text_in_type", `{"error":{"type":"Sara Lindqvist bor här","code":"ok"}}`, "ok"},
		{"long_code", `{"error":{"code":"` + strings.Repeat("a", 65) + `"}}`, ""},
		{"not_json", `Sara Lindqvist 850312-2387`, ""},
		{"empty", ``, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorKind([]byte(tt.body)); got != tt.want {
				t.Errorf("ErrorKind(%s) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}
