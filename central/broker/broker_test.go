package broker_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/ordagrann/ordagrann/central/broker"
	"github.com/ordagrann/ordagrann/central/broker/brokertest"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// waitTimeout bounds every wait on the network in these tests.
const waitTimeout = 10 * time.Second

// logBuffer collects JSON log lines from concurrent goroutines.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	n, err := b.buf.Write(p)
	close(b.changed)
	b.changed = make(chan struct{})
	return n, err
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until the log contains substr, or fails the test after
// waitTimeout. The broker logs from its own goroutines, so a line about a
// rejected client may be written after the client saw the rejection.
func (b *logBuffer) waitFor(t *testing.T, substr string) {
	t.Helper()

	deadline := time.After(waitTimeout)
	for {
		b.mu.Lock()
		found := strings.Contains(b.buf.String(), substr)
		changed := b.changed
		b.mu.Unlock()
		if found {
			return
		}

		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("log does not contain %q after %s; log:\n%s", substr, waitTimeout, b.String())
		}
	}
}

func newLogger() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{changed: make(chan struct{})}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

type pki struct {
	ca      *brokertest.CA
	server  *tls.Config
	boxCert map[string]tls.Certificate
}

func newPKI(t *testing.T) *pki {
	ca := brokertest.NewCA(t, "ordagrann test CA")
	return &pki{ca: ca, server: ca.ServerTLS(t), boxCert: map[string]tls.Certificate{}}
}

func (p *pki) client(t *testing.T, cn string) *tls.Config {
	cert, ok := p.boxCert[cn]
	if !ok {
		cert = p.ca.ClientCert(t, cn)
		p.boxCert[cn] = cert
	}
	return brokertest.ClientTLS(p.ca, cert)
}

func startBroker(t *testing.T, opts *broker.Options) *broker.Broker {
	t.Helper()

	b, err := broker.New(opts)
	if err != nil {
		t.Fatalf("broker.New: %v", err)
	}
	if err := b.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func startTLSBroker(t *testing.T, p *pki, allowed func(string) bool) (*broker.Broker, *logBuffer) {
	log, buf := newLogger()
	b := startBroker(t, &broker.Options{Addr: "127.0.0.1:0", TLS: p.server, AllowedBoxes: allowed, Logger: log})
	return b, buf
}

// clientOptions returns paho options for a box that connects once and
// never reconnects, so a rejected connection fails the test quickly.
func clientOptions(b *broker.Broker, tlsConfig *tls.Config, clientID, username string) *paho.ClientOptions {
	scheme := "tcp"
	if tlsConfig != nil {
		scheme = "tls"
	}
	opts := paho.NewClientOptions().
		AddBroker(scheme + "://" + b.Addr().String()).
		SetClientID(clientID).
		SetUsername(username).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(waitTimeout)
	if tlsConfig != nil {
		opts.SetTLSConfig(tlsConfig)
	}
	return opts
}

func connect(opts *paho.ClientOptions) (paho.Client, error) {
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(waitTimeout) {
		return c, errTimeout
	}
	return c, tok.Error()
}

var errTimeout = &timeoutError{}

type timeoutError struct{}

func (*timeoutError) Error() string { return "timed out" }

func mustConnect(t *testing.T, opts *paho.ClientOptions) paho.Client {
	t.Helper()

	c, err := connect(opts)
	if err != nil {
		t.Fatalf("Connect(%s): %v", opts.ClientID, err)
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

func waitToken(t *testing.T, tok paho.Token, what string) {
	t.Helper()

	if !tok.WaitTimeout(waitTimeout) {
		t.Fatalf("%s: timed out after %s", what, waitTimeout)
	}
	if err := tok.Error(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

type message struct {
	topic   string
	payload string
}

// collect subscribes the central service to filter and returns a channel of
// what arrives.
func collect(t *testing.T, b *broker.Broker, filter string) <-chan message {
	t.Helper()

	ch := make(chan message, 100)
	err := b.Subscribe(filter, func(topic string, payload []byte) {
		ch <- message{topic, string(payload)}
	})
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", filter, err)
	}
	return ch
}

func receive(t *testing.T, ch <-chan message, what string) message {
	t.Helper()

	select {
	case m := <-ch:
		return m
	case <-time.After(waitTimeout):
		t.Fatalf("%s: nothing received within %s", what, waitTimeout)
		return message{}
	}
}

func TestNewValidatesOptions(t *testing.T) {
	p := newPKI(t)
	noClientCAs := p.server.Clone()
	noClientCAs.ClientCAs = nil
	noCert := p.server.Clone()
	noCert.Certificates = nil

	tests := []struct {
		name    string
		opts    *broker.Options
		wantErr string // empty when New must succeed
	}{
		{"nil-options", nil, "options are missing"},
		{"insecure-ipv4-loopback", &broker.Options{Addr: "127.0.0.1:0", Insecure: true}, ""},
		{"insecure-ipv6-loopback", &broker.Options{Addr: "[::1]:0", Insecure: true}, ""},
		{"insecure-all-interfaces", &broker.Options{Addr: ":1883", Insecure: true}, "allowed only on a loopback IP address"},
		{"insecure-unspecified-ipv4", &broker.Options{Addr: "0.0.0.0:1883", Insecure: true}, "allowed only on a loopback IP address"},
		{"insecure-unspecified-ipv6", &broker.Options{Addr: "[::]:1883", Insecure: true}, "allowed only on a loopback IP address"},
		{"insecure-lan-address", &broker.Options{Addr: "192.0.2.10:1883", Insecure: true}, "allowed only on a loopback IP address"},
		{"insecure-hostname", &broker.Options{Addr: "localhost:1883", Insecure: true}, "allowed only on a loopback IP address"},
		{"insecure-with-tls", &broker.Options{Addr: "127.0.0.1:0", Insecure: true, TLS: p.server}, "set only one"},
		{"no-tls", &broker.Options{Addr: "0.0.0.0:8883"}, "TLS configuration is missing"},
		{"tls-without-client-ca", &broker.Options{Addr: "0.0.0.0:8883", TLS: noClientCAs}, "no ClientCAs"},
		{"tls-without-certificate", &broker.Options{Addr: "0.0.0.0:8883", TLS: noCert}, "no server certificate"},
		{"tls-any-address", &broker.Options{Addr: "0.0.0.0:8883", TLS: p.server}, ""},
		{"address-without-port", &broker.Options{Addr: "127.0.0.1", Insecure: true}, "invalid broker address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts != nil {
				tt.opts.Logger = slog.New(slog.DiscardHandler)
			}
			_, err := broker.New(tt.opts)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New() = %v, want no error", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestTLSBoxRoundTrip(t *testing.T) {
	p := newPKI(t)
	b, _ := startTLSBroker(t, p, nil)
	uplink := collect(t, b, protocol.AllUplinkFilter)

	box := mustConnect(t, clientOptions(b, p.client(t, "box-a"), "box-a", "box-a"))
	downlink := make(chan message, 10)
	waitToken(t, box.Subscribe(protocol.BoxDownlinkFilter("box-a"), 1, func(_ paho.Client, m paho.Message) {
		downlink <- message{m.Topic(), string(m.Payload())}
	}), "subscribing to own downlink")

	waitToken(t, box.Publish(protocol.StatusTopic("box-a"), 1, true, `{"v":1}`), "publishing status")
	got := receive(t, uplink, "status at central")
	if want := (message{protocol.StatusTopic("box-a"), `{"v":1}`}); got != want {
		t.Errorf("central received %+v, want %+v", got, want)
	}

	if err := b.Publish(protocol.AckTopic("box-a"), []byte("ack"), false, 1); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	got = receive(t, downlink, "ack at box")
	if want := (message{protocol.AckTopic("box-a"), "ack"}); got != want {
		t.Errorf("box received %+v, want %+v", got, want)
	}
}

func TestTLSRejectsBadIdentity(t *testing.T) {
	p := newPKI(t)
	otherCA := brokertest.NewCA(t, "another CA")
	enrolled := func(box string) bool { return box != "box-unknown" }
	b, logs := startTLSBroker(t, p, enrolled)

	tests := []struct {
		name      string
		tls       *tls.Config
		clientID  string
		username  string
		will      string // last will topic, empty for none
		wantInLog string
	}{
		{"no-client-cert", brokertest.ClientTLS(p.ca, tls.Certificate{}), "box-a", "box-a", "", "tls handshake failed"},
		{"cert-from-other-ca", brokertest.ClientTLS(p.ca, otherCA.ClientCert(t, "box-a")), "box-a", "box-a", "", "tls handshake failed"},
		{"username-not-cn", p.client(t, "box-a"), "box-a", "box-b", "", `username \"box-b\" does not match box id \"box-a\"`},
		{"client-id-not-cn", p.client(t, "box-a"), "box-b", "box-a", "", `client id \"box-b\" does not match box id \"box-a\"`},
		{"cn-invalid-id", p.client(t, "Box A"), "Box A", "Box A", "", `invalid box id \"Box A\"`},
		{"box-not-enrolled", p.client(t, "box-unknown"), "box-unknown", "box-unknown", "", `box \"box-unknown\" is not enrolled`},
		{"reserved-inline-id", p.client(t, "inline"), "inline", "inline", "", `box id \"inline\" is reserved`},
		{"will-outside-tree", p.client(t, "box-a"), "box-a", "box-a", protocol.StatusTopic("box-b"), "last will topic"},
		// A retained will on any other topic of the box's own tree would stay in broker memory for ever.
		{"will-not-status", p.client(t, "box-a"), "box-a", "box-a", protocol.Prefix + "box/box-a/x1", "not the box's status topic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := clientOptions(b, tt.tls, tt.clientID, tt.username)
			if tt.will != "" {
				opts.SetWill(tt.will, "offline", 1, true)
			}
			c, err := connect(opts)
			if err == nil {
				c.Disconnect(0)
				t.Fatalf("Connect(%s) succeeded, want rejection", tt.name)
			}
			logs.waitFor(t, tt.wantInLog)
		})
	}

	t.Run("valid-box-still-connects", func(t *testing.T) {
		mustConnect(t, clientOptions(b, p.client(t, "box-a"), "box-a", "box-a"))
	})
}

func TestBoxCannotSubscribeOutsideOwnTree(t *testing.T) {
	p := newPKI(t)
	b, logs := startTLSBroker(t, p, nil)
	boxA := mustConnect(t, clientOptions(b, p.client(t, "box-a"), "box-a", "box-a"))
	mustConnect(t, clientOptions(b, p.client(t, "box-b"), "box-b", "box-b"))

	tests := []struct {
		filter string
		want   byte // SUBACK return code: granted QoS, or 0x80 for failure
	}{
		{protocol.BoxDownlinkFilter("box-b"), 0x80},
		{protocol.AckTopic("box-b"), 0x80},
		{protocol.Prefix + "central/box/+/ack", 0x80},
		{protocol.Prefix + "#", 0x80},
		{"#", 0x80},
		{"$share/g/" + protocol.BoxDownlinkFilter("box-a"), 0x80},
		{"$SYS/#", 0x80},
		{protocol.StatusTopic("box-b"), 0x80},
		{protocol.AllUplinkFilter, 0x80},
		{protocol.BoxDownlinkFilter("box-a"), 1},
		{protocol.AckTopic("box-a"), 1},
	}
	for _, tt := range tests {
		t.Run(strings.NewReplacer("/", "_", "#", "hash", "+", "plus", "$", "").Replace(tt.filter), func(t *testing.T) {
			tok := boxA.Subscribe(tt.filter, 1, func(paho.Client, paho.Message) {})
			waitToken(t, tok, "subscribe")
			// paho keys the result by the filter without a "$share/group/" prefix.
			result := tok.(*paho.SubscribeToken).Result()
			if len(result) != 1 {
				t.Fatalf("SUBACK result = %v, want one entry", result)
			}
			var got byte
			for _, code := range result {
				got = code
			}
			if got != tt.want {
				t.Errorf("SUBACK code for %q = %#x, want %#x", tt.filter, got, tt.want)
			}
		})
	}
	logs.waitFor(t, `"msg":"mqtt subscribe denied","box_id":"box-a"`)
}

func TestBoxCannotReadOtherBoxDownlink(t *testing.T) {
	p := newPKI(t)
	b, _ := startTLSBroker(t, p, nil)
	boxA := mustConnect(t, clientOptions(b, p.client(t, "box-a"), "box-a", "box-a"))

	got := make(chan message, 10)
	handler := func(_ paho.Client, m paho.Message) { got <- message{m.Topic(), string(m.Payload())} }
	waitToken(t, boxA.Subscribe(protocol.BoxDownlinkFilter("box-a"), 1, handler), "subscribe own downlink")
	tok := boxA.Subscribe(protocol.BoxDownlinkFilter("box-b"), 1, handler)
	waitToken(t, tok, "subscribe other downlink")

	// The broker delivers to one client in order, so once box-a has the
	// message for itself, a leaked message for box-b would already be there.
	for _, topic := range []string{protocol.AckTopic("box-b"), protocol.CommandTopic("box-b"), protocol.AckTopic("box-a")} {
		if err := b.Publish(topic, []byte("for "+topic), false, 1); err != nil {
			t.Fatalf("Publish(%q): %v", topic, err)
		}
	}
	first := receive(t, got, "own ack")
	if first.topic != protocol.AckTopic("box-a") {
		t.Errorf("box-a first received %q, want only %q", first.topic, protocol.AckTopic("box-a"))
	}
	select {
	case extra := <-got:
		t.Errorf("box-a also received %q", extra.topic)
	default:
	}
}

func TestBoxCannotPublishOutsideOwnTree(t *testing.T) {
	p := newPKI(t)
	b, logs := startTLSBroker(t, p, nil)
	uplink := collect(t, b, "#")
	boxA := mustConnect(t, clientOptions(b, p.client(t, "box-a"), "box-a", "box-a"))

	// QoS 0, because a denied QoS 1 publish from an MQTT 3.1.1 client makes
	// the broker close the connection.
	for _, topic := range []string{protocol.StatusTopic("box-b"), protocol.AckTopic("box-a"), protocol.ConfigTopic("box-b"), "other/topic"} {
		waitToken(t, boxA.Publish(topic, 0, false, "forged"), "publish to "+topic)
	}
	waitToken(t, boxA.Publish(protocol.StatusTopic("box-a"), 1, false, "own"), "publish own status")

	got := receive(t, uplink, "own status")
	if want := (message{protocol.StatusTopic("box-a"), "own"}); got != want {
		t.Errorf("central first received %+v, want %+v", got, want)
	}
	logs.waitFor(t, `"msg":"mqtt publish denied","box_id":"box-a","topic":"ordagrann/v1/box/box-b/status"`)
}

func TestBoxRetainsOnlyItsStatus(t *testing.T) {
	p := newPKI(t)
	b, _ := startTLSBroker(t, p, nil)
	boxA := mustConnect(t, clientOptions(b, p.client(t, "box-a"), "box-a", "box-a"))

	// The broker stores a retained message before it sends the PUBACK.
	waitToken(t, boxA.Publish(protocol.MetaTopic("box-a", "rec-1"), 1, true, "event"), "publish retained event")
	waitToken(t, boxA.Publish(protocol.StatusTopic("box-a"), 1, true, "status"), "publish retained status")

	retained := collect(t, b, protocol.BoxUplinkFilter("box-a"))
	got := receive(t, retained, "retained status")
	if want := (message{protocol.StatusTopic("box-a"), "status"}); got != want {
		t.Errorf("retained message = %+v, want %+v", got, want)
	}
	select {
	case extra := <-retained:
		t.Errorf("broker also retained %+v", extra)
	default:
	}
}

// killableConn lets a test cut a client's TCP connection without an MQTT
// DISCONNECT, as a power cut would.
type killableConn struct {
	mu   sync.Mutex
	conn net.Conn
}

func (k *killableConn) dial(tlsConfig *tls.Config) paho.OpenConnectionFunc {
	return func(uri *url.URL, _ paho.ClientOptions) (net.Conn, error) {
		conn, err := tls.Dial("tcp", uri.Host, tlsConfig)
		if err != nil {
			return nil, err
		}
		k.mu.Lock()
		k.conn = conn
		k.mu.Unlock()
		return conn, nil
	}
}

func (k *killableConn) kill() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.conn.(*tls.Conn).NetConn().Close()
}

func TestLastWillWhenBoxDies(t *testing.T) {
	p := newPKI(t)
	b, _ := startTLSBroker(t, p, nil)
	statuses := collect(t, b, protocol.StatusTopic("box-a"))

	will, err := protocol.EncodeStatus(protocol.Status{State: protocol.StateOffline})
	if err != nil {
		t.Fatal(err)
	}
	var conn killableConn
	tlsConfig := p.client(t, "box-a")
	opts := clientOptions(b, tlsConfig, "box-a", "box-a").
		SetBinaryWill(protocol.StatusTopic("box-a"), will, 1, true).
		SetCustomOpenConnectionFn(conn.dial(tlsConfig))
	box := mustConnect(t, opts)
	waitToken(t, box.Publish(protocol.StatusTopic("box-a"), 1, true, `{"v":1,"state":"idle"}`), "publish status")
	receive(t, statuses, "idle status")

	conn.kill()

	got := receive(t, statuses, "last will")
	var st protocol.Status
	if err := json.Unmarshal([]byte(got.payload), &st); err != nil {
		t.Fatalf("last will payload %q: %v", got.payload, err)
	}
	if st.State != protocol.StateOffline {
		t.Errorf("last will state = %q, want %q", st.State, protocol.StateOffline)
	}

	// The will is retained, so a later subscriber also receives the offline status.
	late := collect(t, b, protocol.StatusTopic("box-a"))
	if got := receive(t, late, "retained last will"); got.payload != string(will) {
		t.Errorf("retained status = %q, want the last will %q", got.payload, will)
	}
}

func TestInsecureLoopbackUsesUsername(t *testing.T) {
	log, logs := newLogger()
	b := startBroker(t, &broker.Options{Addr: "127.0.0.1:0", Insecure: true, Logger: log})
	logs.waitFor(t, "mqtt broker without tls")
	if ip := b.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		t.Fatalf("Addr() = %v, want a loopback address", b.Addr())
	}
	uplink := collect(t, b, protocol.AllUplinkFilter)

	if _, err := connect(clientOptions(b, nil, "box-a", "box-b")); err == nil {
		t.Errorf("Connect with client id box-a and username box-b succeeded, want rejection")
	}
	if _, err := connect(clientOptions(b, nil, "box-a", "")); err == nil {
		t.Errorf("Connect without username succeeded, want rejection")
	}

	box := mustConnect(t, clientOptions(b, nil, "box-a", "box-a"))
	waitToken(t, box.Publish(protocol.StatusTopic("box-a"), 1, false, "idle"), "publish status")
	if got := receive(t, uplink, "status"); got.topic != protocol.StatusTopic("box-a") {
		t.Errorf("central received topic %q, want %q", got.topic, protocol.StatusTopic("box-a"))
	}
}

func TestStartTwiceFails(t *testing.T) {
	b := startBroker(t, &broker.Options{Addr: "127.0.0.1:0", Insecure: true, Logger: slog.New(slog.DiscardHandler)})
	if err := b.Start(); err == nil {
		t.Errorf("second Start() = nil, want an error")
	}
	if err := b.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
}

func TestAckQueuedWhileBoxOffline(t *testing.T) {
	p := newPKI(t)
	b, _ := startTLSBroker(t, p, nil)
	received := make(chan message, 10)
	opts := clientOptions(b, p.client(t, "box-a"), "box-a", "box-a").
		SetCleanSession(false).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
			received <- message{m.Topic(), string(m.Payload())}
		})

	box, err := connect(opts)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	waitToken(t, box.Subscribe(protocol.AckTopic("box-a"), 1, nil), "subscribe to acks")
	box.Disconnect(0)

	// The broker keeps a QoS 1 message for the persistent session of a box
	// that is offline, and delivers it when the box connects again.
	if err := b.Publish(protocol.AckTopic("box-a"), []byte("ack while offline"), false, 1); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	mustConnect(t, opts)
	if got, want := receive(t, received, "queued ack"), (message{protocol.AckTopic("box-a"), "ack while offline"}); got != want {
		t.Errorf("box received %+v, want %+v", got, want)
	}
}
