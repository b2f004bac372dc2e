package asrtest

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
)

// NewWhisper starts a fake whisper.cpp server (examples/server/server.cpp)
// on loopback. It serves POST /inference with multipart/form-data and
// responds to response_format=verbose_json with WhisperFixture. The server is
// closed when the test ends.
func NewWhisper(t testing.TB) *Server {
	return newServer(t, WhisperFixture, func(s *Server) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("/inference", s.whisperInference)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			// whisper.cpp's error handler for unknown paths.
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "File Not Found ("+r.URL.Path+")")
		})
		return mux
	})
}

// languageCode matches the codes whisper.cpp accepts in form ("sv", "en",
// "haw") and "auto".
var languageCode = regexp.MustCompile(`^([a-z]{2,3}|auto)$`)

func (s *Server) whisperInference(w http.ResponseWriter, r *http.Request) {
	mode, fixture, release := s.state()
	switch {
	case r.Method == http.MethodOptions:
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "File Not Found ("+r.URL.Path+")")
		return
	case mode == Slow:
		hold(r, release)
		return
	case mode == Unavailable:
		writeJSON(w, http.StatusServiceUnavailable, `{"status":"loading model"}`)
		return
	}

	if err := r.ParseMultipartForm(64 << 20); err != nil {
		s.reject()
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "Invalid request")
		return
	}
	file, ok := formFile(r)
	if !ok {
		s.reject()
		writeJSON(w, http.StatusBadRequest, `{"error":"no 'file' field in the request"}`)
		return
	}

	// The server parses numeric fields with std::stof, which throws on bad
	// input, and its exception handler responds 500 in plain text.
	for _, name := range []string{"temperature", "temperature_inc"} {
		if v := r.FormValue(name); v != "" {
			if _, err := strconv.ParseFloat(v, 32); err != nil {
				s.reject()
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusInternalServerError)
				io.WriteString(w, "500 Internal Server Error\nstof")
				return
			}
		}
	}

	rec, err := readWAV(file)
	if err != nil {
		s.reject()
		writeJSON(w, http.StatusBadRequest, `{"error":"failed to read audio data"}`)
		return
	}
	if lang := r.FormValue("language"); lang != "" && !languageCode.MatchString(lang) {
		s.reject()
		writeJSON(w, http.StatusInternalServerError, `{"error":"failed to process audio"}`)
		return
	}
	if mode == Error200 {
		writeJSON(w, http.StatusOK, `{"error":"failed to process audio"}`)
		return
	}

	rec.Fields = fields(r)
	rec.Auth = r.Header.Get("Authorization")
	s.record(rec)

	if r.FormValue("response_format") != "verbose_json" {
		// The server's default "json" format carries only the text.
		writeJSON(w, http.StatusOK, `{"text":" Hej och välkommen.\n Vi börjar nu.\n"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(fixture)
}

// formFile returns the content of the multipart part named "file". Like
// whisper.cpp's HTTP library, it also accepts a plain field of that name.
func formFile(r *http.Request) ([]byte, bool) {
	if r.MultipartForm == nil {
		return nil, false
	}
	if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 {
		f, err := fhs[0].Open()
		if err != nil {
			return nil, false
		}
		defer f.Close()
		data, err := io.ReadAll(f)
		return data, err == nil
	}
	if v := r.MultipartForm.Value["file"]; len(v) > 0 {
		return []byte(v[0]), true
	}
	return nil, false
}

func fields(r *http.Request) map[string][]string {
	out := map[string][]string{}
	for k, v := range r.MultipartForm.Value {
		if k != "file" {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}
