// Command central runs the Ordagrann central service: the MQTT broker the
// room boxes sync to, ingest, the sealed store, transcription and the web UI.
//
//	central init  --data DIR    create the keys; prints the recording public keyset path
//	central serve [flags]       run the service (see central serve -h)
//	central audit verify --data DIR   check the access log's hash chain and signatures
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ordagrann/ordagrann/internal/centralsvc"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: central <command> [flags]

commands:
  init    create the data directory and keys, print the recording public keyset path
  serve   run the central service
  account create a sign-in account: account create --data DIR --user NAME ...
  audit   check the access log: audit verify --data DIR

Run "central <command> -h" for the flags of a command.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "init":
		return runInit(args[1:], stdout, stderr)
	case "serve":
		return runServe(args[1:], stderr)
	case "account":
		return runAccount(args[1:], os.Stdin, stdout, stderr)
	case "audit":
		return runAudit(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "central: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func runInit(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("central init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory for keys and the database (required)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *data == "" {
		fmt.Fprintln(stderr, "central init: missing --data DIR")
		return 2
	}
	path, err := centralsvc.Init(*data, newLogger(stderr, "info"))
	if err != nil {
		fmt.Fprintf(stderr, "central init: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, path)
	return 0
}

func runServe(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("central serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg centralsvc.Config
	fs.StringVar(&cfg.DataDir, "data", "", "data directory for keys and the database (required)")
	fs.StringVar(&cfg.MQTTAddr, "mqtt-addr", "127.0.0.1:8883", "MQTT broker listen address (host:port)")
	fs.StringVar(&cfg.TLSCertFile, "tls-cert", "", "broker TLS certificate, PEM (from `fleet server-cert`)")
	fs.StringVar(&cfg.TLSKeyFile, "tls-key", "", "broker TLS private key, PEM")
	fs.StringVar(&cfg.ClientCAFile, "client-ca", "", "fleet CA certificate that issued the boxes' certificates, PEM")
	fs.BoolVar(&cfg.InsecureMQTT, "dev-insecure-mqtt", false, "serve MQTT without TLS; development only, loopback addresses only")
	fs.StringVar(&cfg.FleetDir, "fleet", "", "fleet directory with enrolled boxes (boxes/<id>/)")
	fs.StringVar(&cfg.HTTPAddr, "http-addr", "127.0.0.1:8080", "web UI listen address; other than loopback only with --web-tls-cert")
	fs.StringVar(&cfg.WebTLSCertFile, "web-tls-cert", "", "web UI TLS certificate, PEM (e.g. the server.pem of `fleet server-cert`)")
	fs.StringVar(&cfg.WebTLSKeyFile, "web-tls-key", "", "web UI TLS private key, PEM")
	fs.StringVar(&cfg.ASRURL, "asr-url", "", "transcription engine base URL, e.g. http://127.0.0.1:8081 (empty: none, jobs wait)")
	fs.StringVar(&cfg.ASRAPI, "asr-api", "whisper-server", "transcription engine API: whisper-server or openai")
	fs.StringVar(&cfg.ASRModel, "asr-model", "", "model name for the openai API, e.g. KBLab/kb-whisper-large")
	fs.BoolVar(&cfg.ASRAllowPlainHTTP, "asr-allow-plain-http", false, "allow an http:// engine on another host; its audio then crosses the network unencrypted")
	fs.StringVar(&cfg.ChatURL, "chat-url", "", "OpenAI-compatible chat engine base URL for summaries and answers, e.g. http://127.0.0.1:8000; plain http only to loopback (empty: the embedded summarizer)")
	fs.StringVar(&cfg.ChatModel, "chat-model", "", "model name the chat engine serves, e.g. Qwen/Qwen2.5-7B-Instruct (required with --chat-url)")
	fs.StringVar(&cfg.ChatAPIKeyFile, "chat-key-file", "", "file holding the chat engine's API key alone on one line, if it needs one")
	fs.StringVar(&cfg.WipeMode, "wipe", "weekly", "wipe rule: weekly (Fridays 18:00 Europe/Stockholm, what is at least 48 h old) or rolling (at 48 h sharp)")
	apiKeyEnv := fs.String("asr-api-key-env", "ORDAGRANN_ASR_API_KEY", "environment variable holding the engine's API key, if it needs one")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg.ASRAPIKey = os.Getenv(*apiKeyEnv)
	cfg.Logger = newLogger(stderr, *level)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc, err := centralsvc.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "central serve: %v\n", err)
		return 1
	}
	<-ctx.Done()
	cfg.Logger.Info("central service stopping")
	if err := svc.Close(); err != nil && !errors.Is(err, context.Canceled) {
		cfg.Logger.Error("central service stop failed", "error", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
