package ui

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Stockholm must load on hosts without a zoneinfo database

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// Source is the store the view reads. *store.Store implements it.
type Source interface {
	// Recordings returns every recording, newest first.
	Recordings(ctx context.Context) ([]store.Recording, error)
	// Recording returns one recording, or an error wrapping store.ErrNotFound or store.ErrDeleted.
	Recording(ctx context.Context, id string) (store.Recording, error)
	// ReadAudio returns frames [from, to) of a recording, decoded and interleaved.
	ReadAudio(ctx context.Context, rec string, from, to uint64) ([]int16, protocol.AudioFormat, error)
	// Segments returns a recording's transcript segments.
	Segments(ctx context.Context, rec string) ([]store.Segment, error)
	// Jobs returns a recording's transcription jobs.
	Jobs(ctx context.Context, rec string) ([]store.Job, error)
}

// StatusSource returns the last status each box reported, keyed by box id.
// Statuses is called from request goroutines, so it must be safe for
// concurrent use and return a map that the source no longer writes to.
type StatusSource interface {
	Statuses() map[string]protocol.Status
}

// DefaultEngineHint is the setting shown when no transcription engine is configured.
const DefaultEngineHint = "--asr-url http://värd:port --asr-api whisper-server (eller openai)"

// Options configures New. Nil Options and zero fields mean the documented defaults.
type Options struct {
	// Logger receives failed requests and rejected requests. Nil means slog.Default().
	Logger *slog.Logger

	// Now returns the current time, which decides whether a date shows its year. Nil means time.Now.
	Now func() time.Time

	// Location is the time zone of every time shown. Nil means Europe/Stockholm.
	Location *time.Location

	// Statuses supplies the box list. Nil hides it.
	Statuses StatusSource

	// EngineConfigured reports that a transcription engine is configured.
	// While it is false, the pages show a notice with EngineHint.
	EngineConfigured bool

	// EngineHint is the command-line setting that configures an engine,
	// shown verbatim. Empty means DefaultEngineHint.
	EngineHint string

	// Auth checks sign-in. When set, every page except the sign-in pages
	// and static files needs a session that passed password and TOTP, and
	// every request other than GET and HEAD needs the session's CSRF
	// token. Nil serves the pages without sign-in, to loopback only.
	Auth Authenticator

	// WipeTime returns when the scheduled wipe deletes a recording. Nil hides the wipe time.
	WipeTime func(store.Recording) time.Time

	// AllowRemote serves requests from any address, for tablets on the
	// network. It requires Auth, and the caller must serve over TLS:
	// the session cookie is Secure. Without it only loopback requests for a
	// loopback host name are served.
	AllowRemote bool

	// Access records one access-log entry for a read of a recording's
	// content (action "read"). When it returns an error the content is not
	// served. Nil records nothing.
	Access func(r *http.Request, action, recordingID string) error

	// Audit is the access log behind the auditor's pages and the register extract. Nil hides them; they need Auth.
	Audit AuditLog

	// Rediarizer diarizes a recording again after a caseworker changed its
	// number of speakers. Nil hides the "Antal talare" setting; it needs Auth.
	Rediarizer Rediarizer

	// Tablets stores paired room tablets and their pairing codes. When
	// set, admins pair tablets on the boxes page and a paired tablet shows
	// its room at /rum. It requires Auth. Nil hides pairing and room mode.
	Tablets TabletSource

	// Assistant writes summaries and answers with a chat engine, in the
	// background. Nil uses only the embedded summarizer and answer index.
	Assistant Assistant

	// AssistantModel is the chat engine's model name, shown on what it
	// wrote and logged with each request. Empty means "språkmodellen".
	AssistantModel string

	// Background bounds the chat engine's background jobs. The caller
	// closes it before it closes the store. Nil means jobs that run until
	// they finish, for tests and programs that exit with the view.
	Background *Background
}

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// handler serves the view.
type handler struct {
	src         Source
	statuses    StatusSource
	log         *slog.Logger
	now         func() time.Time
	loc         *time.Location
	engine      engineView
	wipeTime    func(store.Recording) time.Time
	allowRemote bool
	access      func(r *http.Request, action, recordingID string) error
	pages       map[string]*template.Template
	static      fs.FS
	mux         *http.ServeMux
	routes      []route       // every registered pattern, for the access-log test
	livePoll    time.Duration // how often live streams look for changes; tests shorten it
	streams     streamLimiter // open event streams, in total and per session
	hasAuditor  bool          // the access-log pages are registered: auditors start there

	rejectLog logLimiter // rejected non-loopback requests

	auth *authState // nil without sign-in

	audioReads audioReads // when each person's audio reads were last logged

	rediarizer Rediarizer // nil hides the speaker count setting

	assist assistState // the chat engine and its background jobs
}

// New returns the web view over src.
func New(src Source, opts *Options) (http.Handler, error) {
	if src == nil {
		return nil, errors.New("ui: nil source")
	}
	if opts != nil && opts.AllowRemote && opts.Auth == nil {
		return nil, errors.New("ui: AllowRemote without Auth would serve recordings to anyone on the network")
	}
	if opts == nil {
		opts = &Options{}
	}

	h := &handler{
		src:         src,
		statuses:    opts.Statuses,
		log:         opts.Logger,
		now:         opts.Now,
		loc:         opts.Location,
		engine:      engineView{Configured: opts.EngineConfigured, Hint: opts.EngineHint},
		wipeTime:    opts.WipeTime,
		allowRemote: opts.AllowRemote,
		access:      opts.Access,
		rediarizer:  opts.Rediarizer,
	}
	h.initAssistant(opts.Assistant, opts.AssistantModel, opts.Background)
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.loc == nil {
		loc, err := time.LoadLocation("Europe/Stockholm")
		if err != nil {
			return nil, fmt.Errorf("ui: load time zone: %w", err)
		}
		h.loc = loc
	}
	if h.engine.Hint == "" {
		h.engine.Hint = DefaultEngineHint
	}

	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	h.pages = pages

	if h.static, err = fs.Sub(staticFiles, "static"); err != nil {
		return nil, fmt.Errorf("ui: static files: %w", err)
	}
	h.livePoll = defaultLivePoll
	h.mux = http.NewServeMux()
	// With sign-in, only caseworkers and managers reach recordings: IT
	// admins and auditors never see content.
	content := func(f http.HandlerFunc) http.Handler {
		if opts.Auth == nil {
			return f
		}
		return RequireRole(auth.RoleCaseworker, auth.RoleManager)(f)
	}
	h.handle("/{$}", routeMetadata, content(h.serveList))
	h.handle("/recordings/{id}", routeContent, content(h.serveRecording))
	h.handle("/recordings/{id}/audio.wav", routeContent, content(h.serveAudio))
	h.handle("GET /recordings/{id}/handelser", routeMetadata, content(h.serveLive))
	h.handle("/static/{name}", routeOther, http.HandlerFunc(h.serveStatic))
	h.handle("/", routeOther, http.HandlerFunc(h.serveNotFound))
	if opts.Auth != nil {
		if err := h.initAuth(opts.Auth); err != nil {
			return nil, err
		}
		h.registerSpeakerRoutes(opts.Auth)
		h.registerEditRoutes(opts.Auth)
		if err := h.registerAuditor(opts.Audit); err != nil {
			return nil, err
		}
		h.registerThreadRoutes(opts.Auth)
	}
	if err := h.registerTablets(opts.Tablets); err != nil {
		return nil, err
	}
	if err := h.registerActions(); err != nil {
		return nil, err
	}
	return h, nil
}

// parsePages parses each page template together with the shared layout.
func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"list.html", "recording.html", "error.html"} {
		files := []string{"templates/layout.html", "templates/" + name}
		if name == "recording.html" {
			files = append(files, "templates/recording-*.html") // parts of the recording page, one file each
		}
		t, err := template.New(name).ParseFS(templateFiles, files...)
		if err != nil {
			return nil, fmt.Errorf("ui: parse template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// ServeHTTP sets the security headers, rejects requests that are not from
// and to loopback or not GET or HEAD, and passes the rest to the page handlers.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())

	// Without AllowRemote (no web TLS) the view answers only loopback
	// requests for a loopback host name, which also stops DNS rebinding.
	if !h.allowRemote && (!isLoopbackRemote(r.RemoteAddr) || !isLoopbackHostHeader(r.Host)) {
		if suppressed, ok := h.rejectLog.allow(h.now()); ok {
			h.log.Warn("rejected non-loopback request", "remote_addr", r.RemoteAddr, "host", r.Host, "suppressed", suppressed)
		}
		h.renderError(w, r, http.StatusForbidden)
		return
	}
	if h.auth != nil {
		h.serveWithAuth(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.renderError(w, r, http.StatusMethodNotAllowed)
		return
	}

	h.mux.ServeHTTP(w, r)
}

// logLimiter lets one log line through per minute and counts the rest, so
// a flood of bad requests cannot fill the log.
type logLimiter struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// allow reports whether a line may be logged at now, and how many lines
// were suppressed since the last one that was.
func (l *logLimiter) allow(now time.Time) (suppressed int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()

	if !l.last.IsZero() && now.Sub(l.last) < time.Minute {
		l.suppressed++
		return 0, false
	}
	suppressed, l.suppressed, l.last = l.suppressed, 0, now
	return suppressed, true
}

// setSecurityHeaders sets the headers every response carries. Nothing is
// cached because pages and audio are personal data, and the static assets
// are too small to be worth an exception.
func setSecurityHeaders(hdr http.Header) {
	hdr.Set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
	hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
	hdr.Set("Cache-Control", "no-store")
}

// routeKind classifies a route for the access-log rule: every request that
// reads content writes exactly one entry.
type routeKind int

const (
	routeContent  routeKind = iota + 1 // reads a recording's content: one "read" entry per request
	routeMetadata                      // lists recordings without content: no entry
	routeAdmin                         // changes accounts: one "admin" entry per change
	routeOther                         // sign-in, static files, errors
)

// route is a registered pattern and its kind, kept so a test can walk them all.
type route struct {
	pattern string
	kind    routeKind
}

// handle registers a route on the mux and records its kind. Every route
// goes through it, so none escapes the access-log test.
func (h *handler) handle(pattern string, kind routeKind, handler http.Handler) {
	h.routes = append(h.routes, route{pattern: pattern, kind: kind})
	h.mux.Handle(pattern, handler)
}
