package asrtest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/internal/audio"
)

func wavBytes(t *testing.T, rate int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := audio.WriteWAV(&buf, make([]int16, rate), rate, 1); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// post sends a multipart form with an optional file and returns the status
// and body.
func post(t *testing.T, url, auth string, file []byte, fields [][2]string) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if file != nil {
		fw, err := mw.CreateFormFile("file", "a.wav")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	mw.Close()

	req, err := http.NewRequest(http.MethodPost, url, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestWhisperFakeRejects(t *testing.T) {
	srv := NewWhisper(t)
	wav := wavBytes(t, 16000)
	tests := []struct {
		name       string
		file       []byte
		fields     [][2]string
		wantStatus int
		wantBody   string
	}{
		{"no_file", nil, [][2]string{{"response_format", "verbose_json"}}, 400, `{"error":"no 'file' field in the request"}`},
		{"not_wav", []byte("RIFF"), nil, 400, `{"error":"failed to read audio data"}`},
		{"44khz", wavBytes(t, 44100), nil, 400, `{"error":"failed to read audio data"}`},
		{"bad_temperature", wav, [][2]string{{"temperature", "warm"}}, 500, "500 Internal Server Error\nstof"},
		{"bad_language", wav, [][2]string{{"language", "Swedish!"}}, 500, `{"error":"failed to process audio"}`},
		{"json_format", wav, [][2]string{{"response_format", "json"}}, 200, `{"text":" Hej och välkommen.\n Vi börjar nu.\n"}`},
		{"verbose_json", wav, [][2]string{{"response_format", "verbose_json"}}, 200, string(WhisperFixture)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, srv.URL+"/inference", "", tt.file, tt.fields)
			if status != tt.wantStatus {
				t.Errorf("POST /inference status = %d, want %d", status, tt.wantStatus)
			}
			if body != tt.wantBody {
				t.Errorf("POST /inference body = %q, want %q", body, tt.wantBody)
			}
		})
	}
	if got := len(srv.Requests()); got != 2 {
		t.Errorf("Requests() has %d entries, want the 2 accepted ones", got)
	}
}

func TestOpenAIFakeRejects(t *testing.T) {
	srv := NewOpenAI(t, "sk-1")
	url := srv.URL + "/v1/audio/transcriptions"
	wav := wavBytes(t, 16000)
	verbose := [][2]string{{"model", "m"}, {"response_format", "verbose_json"}}
	tests := []struct {
		name       string
		auth       string
		file       []byte
		fields     [][2]string
		wantStatus int
		wantParam  string
	}{
		{"wrong_key", "Bearer sk-2", wav, verbose, 401, ""},
		{"no_file", "Bearer sk-1", nil, verbose, 400, "file"},
		{"no_model", "Bearer sk-1", wav, [][2]string{{"response_format", "verbose_json"}}, 400, "model"},
		{"bad_granularity", "Bearer sk-1", wav, append(verbose, [2]string{"timestamp_granularities[]", "char"}), 400, "timestamp_granularities[]"},
		{"not_wav", "Bearer sk-1", []byte("nope"), verbose, 400, "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, url, tt.auth, tt.file, tt.fields)
			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d", status, tt.wantStatus)
			}
			var e struct {
				Error struct {
					Message string  `json:"message"`
					Type    string  `json:"type"`
					Param   *string `json:"param"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Message == "" || e.Error.Type != "invalid_request_error" {
				t.Fatalf("body = %q, want an OpenAI error object", body)
			}
			if tt.wantParam != "" && (e.Error.Param == nil || *e.Error.Param != tt.wantParam) {
				t.Errorf("error param = %v, want %q", e.Error.Param, tt.wantParam)
			}
		})
	}

	t.Run("words_only_when_asked", func(t *testing.T) {
		status, body := post(t, url, "Bearer sk-1", wav, append(verbose, [2]string{"timestamp_granularities[]", "segment"}))
		if status != 200 || strings.Contains(body, `"words"`) {
			t.Errorf("segment granularity only: status %d, body %q; want 200 without words", status, body)
		}
	})
	if got := srv.Requests(); len(got) != 1 || got[0].Duration != time.Second {
		t.Errorf("Requests() = %+v, want one accepted request of 1s", got)
	}
}

func TestModeSwitch(t *testing.T) {
	srv := NewWhisper(t)
	wav := wavBytes(t, 16000)

	if err := srv.SetMode(Unavailable); err != nil {
		t.Fatal(err)
	}
	if status, _ := post(t, srv.URL+"/inference", "", wav, nil); status != http.StatusServiceUnavailable {
		t.Errorf("status in mode %s = %d, want 503", Unavailable, status)
	}

	if err := srv.SetMode(Refused); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Post(srv.URL+"/inference", "text/plain", nil); err == nil {
		t.Errorf("POST in mode %s succeeded, want connection refused", Refused)
	}

	if err := srv.SetMode(OK); err != nil {
		t.Fatal(err)
	}
	if status, _ := post(t, srv.URL+"/inference", "", wav, [][2]string{{"response_format", "verbose_json"}}); status != http.StatusOK {
		t.Errorf("status back in mode %s = %d, want 200", OK, status)
	}
}
