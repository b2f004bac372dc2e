// Package centralsvc assembles the central service: keys, the sealed store, the
// embedded MQTT broker, chunk ingest, the transcription pipeline and the web
// UI. cmd/central parses flags into a Config and calls Run; the end-to-end
// tests call the same code.
package centralsvc

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ordagrann/ordagrann/central/asr"
	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/broker"
	"github.com/ordagrann/ordagrann/central/ingest"
	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/central/pipeline"
	"github.com/ordagrann/ordagrann/central/pki"
	"github.com/ordagrann/ordagrann/central/retention"
	"github.com/ordagrann/ordagrann/central/speakers"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/ordagrann/ordagrann/ui"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Config is the central service's configuration. Zero fields take the
// defaults named on each field.
type Config struct {
	// DataDir holds the master key, the recording keyset and the database.
	DataDir string

	// MQTTAddr is the broker's listen address. Default "127.0.0.1:8883".
	MQTTAddr string
	// TLSCertFile and TLSKeyFile are the broker's server certificate and key (PEM).
	TLSCertFile, TLSKeyFile string
	// ClientCAFile is the fleet CA that issued the boxes' client certificates.
	ClientCAFile string
	// InsecureMQTT serves plain MQTT without TLS. It is allowed only on a
	// loopback address, for development, and logs a warning at every start.
	InsecureMQTT bool
	// FleetDir is the fleet directory whose boxes/ lists enrolled boxes and
	// their chunk signature keys. Empty accepts any box with a valid
	// certificate and unsigned chunks, and logs a warning.
	FleetDir string

	// HTTPAddr is the web UI's listen address. Default "127.0.0.1:8080".
	HTTPAddr string
	// WebTLSCertFile and WebTLSKeyFile serve the web UI over TLS (PEM),
	// which lets tablets on the network reach it. Without them the web UI
	// listens on loopback only.
	WebTLSCertFile, WebTLSKeyFile string

	// ASRURL is the transcription engine's base URL; empty means none, and
	// transcription jobs wait until one is configured.
	ASRURL string
	// ASRAPI is "whisper-server" or "openai". Default "whisper-server".
	ASRAPI string
	// ASRModel is the model name sent to an OpenAI-compatible engine.
	ASRModel string
	// ASRAPIKey is the bearer token for an OpenAI-compatible engine. Never logged.
	ASRAPIKey string
	// ASRAllowPlainHTTP allows an http:// engine on another host, whose
	// traffic (client audio) then crosses the network unencrypted. An
	// engine on loopback is always allowed.
	ASRAllowPlainHTTP bool

	// ChatURL is the base URL of an OpenAI-compatible chat completions
	// engine that writes summaries and answers; empty means none, and the
	// embedded summarizer and answer index write them. Plain http is
	// allowed only to a loopback address.
	ChatURL string
	// ChatModel is the model name sent to the chat engine. Required with ChatURL.
	ChatModel string
	// ChatAPIKeyFile is a file holding the chat engine's bearer token.
	// Empty sends none. The token is never logged.
	ChatAPIKeyFile string

	// WipeMode is "weekly" (default: every Friday 18:00 Europe/Stockholm,
	// deleting what is at least 48 hours old) or "rolling" (deleting each
	// recording at 48 hours sharp).
	WipeMode string

	Logger *slog.Logger
}

// Service is a running central service.
type Service struct {
	cfg      Config
	log      *slog.Logger
	keys     *keys.Keys
	store    *store.Store
	audit    *audit.Log
	wiper    *retention.Wiper
	accounts *auth.Store
	broker   *broker.Broker
	ingest   *ingest.Ingester
	pipeline *pipeline.Pipeline
	speakers *speakers.Runner
	http     *http.Server
	httpLn   net.Listener

	// assistant is the chat engine's assistant, or nil without --chat-url.
	assistant ui.Assistant
	// background bounds the web view's jobs for the chat engine.
	background *ui.Background

	boxMu    sync.Mutex
	verifier map[string]tink.Verifier

	lock *os.File // the data directory's lock, held while the service runs
}

// Init creates the data directory and the keys if they do not exist yet,
// and returns the path of the recording public keyset that boxes are
// enrolled with.
func Init(dataDir string, log *slog.Logger) (string, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("creating data directory: %w", err)
	}
	k, err := keys.Open(dataDir, &keys.Options{Logger: log})
	if err != nil {
		return "", err
	}
	_ = k
	return filepath.Join(dataDir, keys.PublicKeysetFile), nil
}

// Start opens everything and starts serving. Close stops it.
func Start(ctx context.Context, cfg Config) (*Service, error) {
	cfg = withDefaults(cfg)
	s := &Service{cfg: cfg, log: cfg.Logger, verifier: map[string]tink.Verifier{}}

	if err := s.open(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.startMQTT(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.startHTTP(); err != nil {
		s.Close()
		return nil, err
	}
	s.goRun(ctx, "pipeline", s.pipeline.Run)
	s.goRun(ctx, "speakers", s.speakers.Run)
	s.goRun(ctx, "wipe", s.wiper.Run)
	s.goRun(ctx, "audit signer", s.audit.RunSigner)
	s.log.Info("central service started", "mqtt_addr", s.broker.Addr().String(), "http_addr", s.httpLn.Addr().String(),
		"engine", cfg.ASRAPI, "engine_configured", cfg.ASRURL != "", "chat_engine_configured", s.assistant != nil)
	return s, nil
}

// goRun runs f until ctx ends and logs an error other than cancellation.
func (s *Service) goRun(ctx context.Context, name string, f func(context.Context) error) {
	go func() {
		if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error("service component stopped", "component", name, "error", err)
		}
	}()
}

func withDefaults(cfg Config) Config {
	if cfg.MQTTAddr == "" {
		cfg.MQTTAddr = "127.0.0.1:8883"
	}
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = "127.0.0.1:8080"
	}
	if cfg.ASRAPI == "" {
		cfg.ASRAPI = "whisper-server"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

func (s *Service) open() error {
	if s.cfg.DataDir == "" {
		return errors.New("missing data directory: set --data")
	}
	// Serving never creates keys: a mistyped --data or a restore without
	// its key files would otherwise start a new service whose key no
	// enrolled box uses, and every chunk would be rejected.
	if _, err := os.Stat(filepath.Join(s.cfg.DataDir, keys.MasterKeyFile)); err != nil {
		return fmt.Errorf("data directory %s has no master key (%s): create it with `central init --data %s`, or point --data at the directory central init created", s.cfg.DataDir, keys.MasterKeyFile, s.cfg.DataDir)
	}
	lock, err := lockDataDir(s.cfg.DataDir)
	if err != nil {
		return err
	}
	s.lock = lock
	k, err := keys.Open(s.cfg.DataDir, &keys.Options{Logger: s.log})
	if err != nil {
		return err
	}
	s.keys = k

	// The engines are checked before any database opens, so a bad setting
	// stops the start before it writes anything.
	var engine asr.Engine
	if s.cfg.ASRURL != "" {
		engine, err = asr.New(s.cfg.ASRAPI, s.cfg.ASRURL, &asr.Options{Model: s.cfg.ASRModel, APIKey: s.cfg.ASRAPIKey, AllowPlainHTTP: s.cfg.ASRAllowPlainHTTP, Logger: s.log})
		if err != nil {
			return err
		}
	} else {
		s.log.Warn("no transcription engine configured: recordings are stored and wait for transcription; set --asr-url")
	}
	if s.assistant, err = s.chatAssistant(); err != nil {
		return err
	}

	sched, err := wipeSchedule(s.cfg.WipeMode)
	if err != nil {
		return err
	}
	st, err := store.Open(filepath.Join(s.cfg.DataDir, "central.db"), k, &store.Options{Logger: s.log, PeriodOf: sched.PeriodOf})
	if err != nil {
		return err
	}
	s.store = st

	// The audit log has its own file because it outlives the content it records.
	al, err := audit.Open(filepath.Join(s.cfg.DataDir, "audit.db"), s.cfg.DataDir, &audit.Options{Logger: s.log})
	if err != nil {
		return err
	}
	s.audit = al
	w, err := retention.New(st, &retention.Options{Schedule: &sched, Audit: al, Logger: s.log})
	if err != nil {
		return err
	}
	s.wiper = w

	accounts, err := OpenAccounts(s.cfg.DataDir, k, &auth.Options{Logger: s.log, OnEvent: s.logAuthEvent})
	if err != nil {
		return err
	}
	s.accounts = accounts

	p, err := pipeline.New(st, &pipeline.Options{Engine: engine, Logger: s.log})
	if err != nil {
		return err
	}
	s.pipeline = p
	sp, err := speakers.New(st, &speakers.Options{Logger: s.log})
	if err != nil {
		return err
	}
	s.speakers = sp
	return nil
}

func (s *Service) startMQTT() error {
	opts := &broker.Options{Addr: s.cfg.MQTTAddr, Insecure: s.cfg.InsecureMQTT, Logger: s.log}
	if !s.cfg.InsecureMQTT {
		tlsConfig, err := s.mqttTLS()
		if err != nil {
			return err
		}
		opts.TLS = tlsConfig
	}
	if s.cfg.FleetDir != "" {
		opts.AllowedBoxes = func(box string) bool {
			_, err := s.chunkVerifier(box)
			return err == nil
		}
	} else {
		s.log.Warn("no fleet directory: any box with a valid certificate may connect and chunk signatures are not checked; set --fleet")
	}
	b, err := broker.New(opts)
	if err != nil {
		return err
	}
	s.broker = b

	in, err := ingest.New(b, auditedStore{Store: s.store, audit: s.audit, log: s.log}, &ingest.Options{
		Decrypter: s.keys.HybridDecrypt(),
		Verifier:  s.verifierFunc(),
		Notify: func(rec string) {
			s.pipeline.Notify(rec)
			s.speakers.Notify(rec)
		},
		Logger: s.log,
	})
	if err != nil {
		return err
	}
	if err := in.Start(); err != nil {
		return err
	}
	s.ingest = in

	// Ingest subscribes before the listener opens, so no box publishes
	// into a broker that nobody reads.
	return b.Start()
}

func (s *Service) mqttTLS() (*tls.Config, error) {
	if s.cfg.TLSCertFile == "" || s.cfg.TLSKeyFile == "" || s.cfg.ClientCAFile == "" {
		return nil, errors.New("MQTT over TLS needs --tls-cert, --tls-key and --client-ca (create them with `fleet server-cert`); plain MQTT is only for loopback development with --dev-insecure-mqtt")
	}
	certPEM, err := os.ReadFile(s.cfg.TLSCertFile)
	if err != nil {
		return nil, fmt.Errorf("reading TLS certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(s.cfg.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("reading TLS key: %w", err)
	}
	caPEM, err := os.ReadFile(s.cfg.ClientCAFile)
	if err != nil {
		return nil, fmt.Errorf("reading client CA: %w", err)
	}
	return pki.ServerTLSConfig(certPEM, keyPEM, caPEM)
}

// verifierFunc returns the chunk signature verifier of an enrolled box, or
// nil when no fleet directory is configured.
func (s *Service) verifierFunc() func(string) (tink.Verifier, error) {
	if s.cfg.FleetDir == "" {
		return nil
	}
	return s.chunkVerifier
}

// chunkVerifier reads a box's registration on first use, so a box
// enrolled while the service runs is accepted without a restart.
func (s *Service) chunkVerifier(box string) (tink.Verifier, error) {
	s.boxMu.Lock()
	defer s.boxMu.Unlock()
	if v, ok := s.verifier[box]; ok {
		return v, nil
	}
	b, err := pki.ReadBox(s.cfg.FleetDir, box)
	if err != nil {
		return nil, fmt.Errorf("box %s is not enrolled: %w", box, err)
	}
	v, err := b.ChunkVerifier()
	if err != nil {
		return nil, err
	}
	s.verifier[box] = v
	return v, nil
}

func (s *Service) startHTTP() error {
	webTLS, err := s.webTLS()
	if err != nil {
		return err
	}
	if err := ui.CheckListenAddr(s.cfg.HTTPAddr, webTLS != nil); err != nil {
		return err
	}
	s.background = ui.NewBackground()
	h, err := ui.New(s.store, &ui.Options{
		Background:       s.background,
		Statuses:         s.ingest,
		EngineConfigured: s.cfg.ASRURL != "",
		EngineHint:       "--asr-url http://värd:port --asr-api whisper-server (eller --asr-api openai)",
		WipeTime:         s.wiper.WipeTime,
		Auth:             s.accounts,
		AllowRemote:      webTLS != nil,
		Access:           s.logWebAccess,
		Audit:            s.audit,
		Tablets:          s.store,
		Assistant:        s.assistant,
		AssistantModel:   s.cfg.ChatModel,
		Rediarizer:       s.speakers,
		Logger:           s.log,
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.Handle("GET /api/v1/recordings", ui.LoopbackOnly(http.HandlerFunc(s.serveRecordingsJSON)))

	ln, err := net.Listen("tcp", s.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("web UI listen on %s: %w", s.cfg.HTTPAddr, err)
	}
	if webTLS != nil {
		ln = tls.NewListener(ln, webTLS)
	} else {
		s.log.Warn("web UI without TLS: loopback only, tablets on the network cannot reach it; set --web-tls-cert and --web-tls-key")
	}
	s.httpLn = ln
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("web UI stopped", "error", err)
		}
	}()
	return nil
}

// webTLS returns the web UI's TLS configuration, or nil when none is set.
func (s *Service) webTLS() (*tls.Config, error) {
	if s.cfg.WebTLSCertFile == "" && s.cfg.WebTLSKeyFile == "" {
		return nil, nil
	}
	certPEM, err := os.ReadFile(s.cfg.WebTLSCertFile)
	if err != nil {
		return nil, fmt.Errorf("reading web TLS certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(s.cfg.WebTLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("reading web TLS key: %w", err)
	}
	return pki.WebTLSConfig(certPEM, keyPEM)
}

// RecordingSummary is one row of GET /api/v1/recordings: progress figures
// for scripts and monitoring, with no content.
type RecordingSummary struct {
	ID             string `json:"id"`
	BoxID          string `json:"box_id"`
	State          string `json:"state"`
	Complete       bool   `json:"complete"`
	ChunksReceived int64  `json:"chunks_received"`
	ChunksExpected int64  `json:"chunks_expected"`
	Frames         uint64 `json:"frames"`
	JobsTotal      int    `json:"jobs_total"`
	JobsDone       int    `json:"jobs_done"`
	Segments       int    `json:"segments"`
}

// Summaries returns the progress of every recording, newest first.
func (s *Service) Summaries(ctx context.Context) ([]RecordingSummary, error) {
	recs, err := s.store.Recordings(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]RecordingSummary, 0, len(recs))
	for _, r := range recs {
		jobs, err := s.store.Jobs(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		done := 0
		for _, j := range jobs {
			if j.Done {
				done++
			}
		}
		segs, err := s.store.SegmentCount(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, RecordingSummary{
			ID: r.ID, BoxID: r.BoxID, State: string(r.State), Complete: r.Complete,
			ChunksReceived: r.ChunksReceived, ChunksExpected: r.ChunksExpected, Frames: r.FramesReceived,
			JobsTotal: len(jobs), JobsDone: done, Segments: segs,
		})
	}
	return out, nil
}

func (s *Service) serveRecordingsJSON(w http.ResponseWriter, r *http.Request) {
	sums, err := s.Summaries(r.Context())
	if err != nil {
		s.log.Error("listing recordings failed", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	json.NewEncoder(w).Encode(sums)
}

// Store returns the service's store, for tests.
func (s *Service) Store() *store.Store { return s.store }

// Keys returns the service's keys, for tests and the demo.
func (s *Service) Keys() *keys.Keys { return s.keys }

// MQTTAddr returns the broker's bound address.
func (s *Service) MQTTAddr() net.Addr { return s.broker.Addr() }

// HTTPAddr returns the web UI's bound address.
func (s *Service) HTTPAddr() net.Addr { return s.httpLn.Addr() }

// Statuses returns the latest status of every box.
func (s *Service) Statuses() map[string]protocol.Status { return s.ingest.Statuses() }

// Close stops serving and closes the store.
func (s *Service) Close() error {
	var errs []error
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		errs = append(errs, s.http.Shutdown(ctx))
		cancel()
	}
	// The chat engine's jobs write to the store, so they end before it closes.
	if s.background != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, s.background.Close(ctx))
		cancel()
	}
	// Ingest goes first: it waits for running handlers, which need the
	// broker and the store.
	if s.ingest != nil {
		s.ingest.Close()
	}
	if s.broker != nil {
		errs = append(errs, s.broker.Close())
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	if s.accounts != nil {
		errs = append(errs, s.accounts.Close())
	}
	if s.audit != nil {
		errs = append(errs, s.audit.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	return errors.Join(errs...)
}

// Audit returns the service's access log, for tests.
func (s *Service) Audit() *audit.Log { return s.audit }

// Accounts returns the service's account store, for tests and admin tools.
func (s *Service) Accounts() *auth.Store { return s.accounts }
