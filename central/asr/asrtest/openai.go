package asrtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// NewOpenAI starts a fake OpenAI-compatible transcription server on
// loopback. It serves POST /v1/audio/transcriptions with
// multipart/form-data and responds to response_format=verbose_json with
// OpenAIFixture, leaving out the words unless timestamp_granularities[]
// asks for them. When apiKey is not empty, requests must carry it as a
// bearer token. The server is closed when the test ends.
func NewOpenAI(t testing.TB, apiKey string) *Server {
	return newServer(t, OpenAIFixture, func(s *Server) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("/v1/audio/transcriptions", func(w http.ResponseWriter, r *http.Request) {
			s.openAITranscriptions(w, r, apiKey)
		})
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusNotFound, `{"detail":"Not Found"}`)
		})
		return mux
	})
}

// openAIError writes an error in the OpenAI API's format.
func openAIError(w http.ResponseWriter, status int, typ, param, message string) {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": message,
		"type":    typ,
		"param":   param,
		"code":    nil,
	}})
	writeJSON(w, status, string(body))
}

func (s *Server) openAITranscriptions(w http.ResponseWriter, r *http.Request, apiKey string) {
	mode, fixture, release := s.state()
	switch {
	case r.Method != http.MethodPost:
		writeJSON(w, http.StatusMethodNotAllowed, `{"detail":"Method Not Allowed"}`)
		return
	case mode == Slow:
		hold(r, release)
		return
	case mode == Unavailable:
		openAIError(w, http.StatusServiceUnavailable, "server_error", "", "The server is overloaded or not ready yet.")
		return
	case mode == Error200:
		openAIError(w, http.StatusInternalServerError, "server_error", "", "The server had an error while processing your request.")
		return
	}

	if apiKey != "" && r.Header.Get("Authorization") != "Bearer "+apiKey {
		s.reject()
		openAIError(w, http.StatusUnauthorized, "invalid_request_error", "", "Incorrect API key provided.")
		return
	}
	if err := r.ParseMultipartForm(64 << 20); err != nil {
		s.reject()
		openAIError(w, http.StatusBadRequest, "invalid_request_error", "", "Could not parse multipart form.")
		return
	}

	rec, msg, param := checkOpenAIForm(r)
	if msg != "" {
		s.reject()
		openAIError(w, http.StatusBadRequest, "invalid_request_error", param, msg)
		return
	}
	rec.Fields = fields(r)
	rec.Auth = r.Header.Get("Authorization")
	s.record(rec)

	if !slices.Contains(r.MultipartForm.Value["timestamp_granularities[]"], "word") {
		var m map[string]any
		if err := json.Unmarshal(fixture, &m); err == nil {
			delete(m, "words")
			fixture, _ = json.Marshal(m)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(fixture)
}

// checkOpenAIForm validates the form as the OpenAI API documents it. It
// returns the error message and offending parameter, or an empty message.
func checkOpenAIForm(r *http.Request) (Received, string, string) {
	fhs := r.MultipartForm.File["file"]
	if len(fhs) == 0 {
		return Received{}, "Missing required parameter: 'file'.", "file"
	}
	if r.FormValue("model") == "" {
		return Received{}, "Missing required parameter: 'model'.", "model"
	}

	format := r.FormValue("response_format")
	if format == "" {
		format = "json"
	}
	if !slices.Contains([]string{"json", "text", "srt", "verbose_json", "vtt"}, format) {
		return Received{}, fmt.Sprintf("Invalid value for 'response_format': %q.", format), "response_format"
	}
	if format != "verbose_json" {
		return Received{}, "This fake serves only response_format=verbose_json.", "response_format"
	}
	for _, g := range r.MultipartForm.Value["timestamp_granularities[]"] {
		if g != "word" && g != "segment" {
			return Received{}, fmt.Sprintf("Invalid value for 'timestamp_granularities[]': %q.", g), "timestamp_granularities[]"
		}
	}

	data, ok := formFile(r)
	if !ok {
		return Received{}, "Could not read the uploaded file.", "file"
	}
	rec, err := readWAV(data)
	if err != nil {
		return Received{}, "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']", "file"
	}
	return rec, "", ""
}
