package ingest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/ordagrann/ordagrann/central/broker"
	"github.com/ordagrann/ordagrann/central/ingest"
	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/chunkcrypt"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// waitTimeout bounds every wait on the network in these tests.
const waitTimeout = 10 * time.Second

// framesPerChunk keeps test chunks small: 0.1 s of 16 kHz mono audio.
const framesPerChunk = 1600

var format = protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: 1, Bits: 16}

// logBuffer collects JSON log lines from concurrent goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness runs the real broker, the real store and an Ingester, with one
// box connected through paho.
type harness struct {
	broker   *broker.Broker
	ingester *ingest.Ingester
	store    *store.Store
	keys     *keys.Keys
	logs     *logBuffer
	sealer   *chunkcrypt.Sealer
	box      paho.Client
	acks     chan protocol.Ack
	notified chan string
}

type harnessOptions struct {
	// wrapStore lets a test put a failing store in front of the real one.
	wrapStore func(ingest.Store) ingest.Store
	verifier  func(box string) (tink.Verifier, error)
	// pki, when set, runs the broker over TLS.
	serverTLS *tls.Config
	boxTLS    *tls.Config
}

func newHarness(t testing.TB, opts harnessOptions) *harness {
	t.Helper()

	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", logs.String())
		}
	})

	k, err := keys.Open(filepath.Join(t.TempDir(), "keys"), &keys.Options{Logger: log})
	if err != nil {
		t.Fatalf("keys.Open: %v", err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "central.db"), k, &store.Options{Logger: log})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })

	bopts := &broker.Options{Addr: "127.0.0.1:0", Insecure: true, Logger: log}
	if opts.serverTLS != nil {
		bopts = &broker.Options{Addr: "127.0.0.1:0", TLS: opts.serverTLS, Logger: log}
	}
	b, err := broker.New(bopts)
	if err != nil {
		t.Fatalf("broker.New: %v", err)
	}
	if err := b.Start(); err != nil {
		t.Fatalf("broker Start: %v", err)
	}
	t.Cleanup(func() { b.Close() })

	var ingestStore ingest.Store = st
	if opts.wrapStore != nil {
		ingestStore = opts.wrapStore(st)
	}
	// Notify must not block, so notifications beyond the buffer are dropped.
	notified := make(chan string, 1000)
	in, err := ingest.New(b, ingestStore, &ingest.Options{
		Decrypter: k.HybridDecrypt(),
		Verifier:  opts.verifier,
		Notify: func(rec string) {
			select {
			case notified <- rec:
			default:
			}
		},
		Logger: log,
	})
	if err != nil {
		t.Fatalf("ingest.New: %v", err)
	}
	if err := in.Start(); err != nil {
		t.Fatalf("ingest Start: %v", err)
	}
	t.Cleanup(in.Close)

	h := &harness{
		broker:   b,
		ingester: in,
		store:    st,
		keys:     k,
		logs:     logs,
		sealer:   &chunkcrypt.Sealer{BoxID: "box-a", Enc: k.HybridEncrypt()},
		acks:     make(chan protocol.Ack, 100),
		notified: notified,
	}
	h.box = h.connectBox(t, "box-a", opts.boxTLS)
	return h
}

// connectBox connects a box with its box id as client id and username and
// subscribes it to its ack topic.
func (h *harness) connectBox(t testing.TB, box string, tlsConfig *tls.Config) paho.Client {
	t.Helper()

	scheme := "tcp"
	if tlsConfig != nil {
		scheme = "tls"
	}
	opts := paho.NewClientOptions().
		AddBroker(scheme + "://" + h.broker.Addr().String()).
		SetClientID(box).
		SetUsername(box).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectTimeout(waitTimeout)
	if tlsConfig != nil {
		opts.SetTLSConfig(tlsConfig)
	}
	c := paho.NewClient(opts)
	waitToken(t, c.Connect(), "connect "+box)
	t.Cleanup(func() { c.Disconnect(0) })

	waitToken(t, c.Subscribe(protocol.AckTopic(box), 1, func(_ paho.Client, m paho.Message) {
		ack, err := protocol.DecodeAck(m.Payload())
		if err != nil {
			t.Errorf("box received an invalid ack %q: %v", m.Payload(), err)
			return
		}
		h.acks <- ack
	}), "subscribe to acks")
	return c
}

func waitToken(t testing.TB, tok paho.Token, what string) {
	t.Helper()

	if !tok.WaitTimeout(waitTimeout) {
		t.Fatalf("%s: timed out after %s", what, waitTimeout)
	}
	if err := tok.Error(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// publish sends a message from box-a at QoS 1 and waits for the broker's PUBACK.
func (h *harness) publish(t testing.TB, topic string, payload []byte) {
	t.Helper()
	waitToken(t, h.box.Publish(topic, 1, false, payload), "publish "+topic)
}

// nextAck returns the next ack box-a receives.
func (h *harness) nextAck(t testing.TB) protocol.Ack {
	t.Helper()

	select {
	case ack := <-h.acks:
		ack.V = 0
		return ack
	case <-time.After(waitTimeout):
		t.Fatalf("no ack within %s", waitTimeout)
		return protocol.Ack{}
	}
}

// testChunk is one chunk of random mono PCM audio.
type testChunk struct {
	header  protocol.ChunkHeader
	audio   []byte
	samples []int16
}

func newChunk(t testing.TB, seq uint64) testChunk {
	t.Helper()

	audio := make([]byte, 2*framesPerChunk)
	if _, err := rand.Read(audio); err != nil {
		t.Fatal(err)
	}
	samples := make([]int16, framesPerChunk)
	for i := range samples {
		samples[i] = int16(binary.LittleEndian.Uint16(audio[2*i:]))
	}
	return testChunk{
		header: protocol.ChunkHeader{
			Format:     format,
			FirstFrame: seq * framesPerChunk,
			Frames:     framesPerChunk,
			CapturedAt: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC).Add(time.Duration(seq) * 100 * time.Millisecond),
		},
		audio:   audio,
		samples: samples,
	}
}

func (h *harness) seal(t testing.TB, rec string, seq uint64, c testChunk) []byte {
	t.Helper()

	msg, err := h.sealer.Seal(rec, seq, c.header, c.audio)
	if err != nil {
		t.Fatalf("Seal(%s, %d): %v", rec, seq, err)
	}
	return msg
}

// sendChunk seals and publishes a chunk and returns it.
func (h *harness) sendChunk(t testing.TB, rec string, seq uint64) testChunk {
	t.Helper()

	c := newChunk(t, seq)
	h.publish(t, protocol.ChunkTopic("box-a", rec, seq), h.seal(t, rec, seq, c))
	return c
}

func (h *harness) sendEvent(t testing.TB, rec string, e protocol.Event) {
	t.Helper()

	payload, err := protocol.EncodeEvent(e)
	if err != nil {
		t.Fatalf("EncodeEvent: %v", err)
	}
	h.publish(t, protocol.MetaTopic("box-a", rec), payload)
}

func consent(seq uint64) protocol.Event {
	return protocol.Event{
		Seq:  seq,
		Type: protocol.EventConsent,
		At:   time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC),
		Start: &protocol.StartInfo{
			Format:     format,
			BadgeID:    "badge-1",
			Board:      "sim",
			ConsentAsk: time.Date(2026, 12, 4, 9, 59, 50, 0, time.UTC),
		},
	}
}

// readChunk returns the stored samples of chunk seq of rec.
func (h *harness) readChunk(t testing.TB, rec string, seq uint64) ([]int16, error) {
	t.Helper()

	samples, _, err := h.store.ReadAudio(context.Background(), rec, seq*framesPerChunk, (seq+1)*framesPerChunk)
	return samples, err
}

func chunkAck(rec string, seq uint64) protocol.Ack {
	return protocol.Ack{RecordingID: rec, Chunks: []protocol.Range{{First: seq, Last: seq}}}
}

func eventAck(rec string, seq uint64) protocol.Ack {
	return protocol.Ack{RecordingID: rec, Events: []protocol.Range{{First: seq, Last: seq}}}
}

// checkNoPayloadInLog fails when the log contains any 8-byte stretch of
// payload, raw or in hex, or the whole payload in base64.
func checkNoPayloadInLog(t testing.TB, log string, payload []byte) {
	t.Helper()

	const window = 8
	limit := min(len(payload), 4096)
	for i := 0; i+window <= limit; i++ {
		part := payload[i : i+window]
		if strings.Contains(log, string(part)) || strings.Contains(log, hex.EncodeToString(part)) {
			t.Fatalf("log contains payload bytes %x at payload offset %d", part, i)
		}
	}
	if len(payload) >= window {
		if strings.Contains(log, base64.StdEncoding.EncodeToString(payload)) {
			t.Fatalf("log contains the payload in base64")
		}
	}
}
