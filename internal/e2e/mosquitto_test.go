package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/ordagrann/ordagrann/central/pki"
	"github.com/ordagrann/ordagrann/firmware/spool"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/ordagrann/ordagrann/sync/uplink"
)

// mosquitto runs Debian's Mosquitto with client certificates required, the
// certificate's CN as the user name, and per-box ACLs: the setup a larger
// site would use instead of the embedded broker.
type mosquitto struct {
	addr, dir string
	cmd       *exec.Cmd
}

func startMosquitto(t *testing.T, dir, addr string) *mosquitto {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mosquitto not installed; .ci/run installs the Debian package mosquitto")
		}
		t.Skip("mosquitto not installed (apt-get install mosquitto)")
	}
	host, port, _ := net.SplitHostPort(addr)
	acl := `pattern readwrite ordagrann/v1/box/%u/#
pattern read ordagrann/v1/central/box/%u/#
user central
topic readwrite ordagrann/v1/#
`
	conf := fmt.Sprintf(`user root
persistence false
log_dest stderr
listener %s %s
cafile %s
certfile %s
keyfile %s
require_certificate true
use_identity_as_username true
tls_version tlsv1.2
acl_file %s
`, port, host, filepath.Join(dir, "ca.pem"), filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem"), filepath.Join(dir, "acl"))
	for name, body := range map[string]string{"acl": acl, "mosquitto.conf": conf} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var logs logBuffer
	cmd := exec.Command(bin, "-c", filepath.Join(dir, "mosquitto.conf"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m := &mosquitto{addr: addr, dir: dir, cmd: cmd}
	t.Cleanup(func() {
		m.stop()
		if t.Failed() {
			t.Logf("mosquitto log:\n%s", logs.String())
		}
	})
	eventually(t, "mosquitto to listen", func() (bool, error) {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil, nil
	})
	return m
}

func (m *mosquitto) stop() {
	if m.cmd.Process != nil {
		m.cmd.Process.Kill()
		m.cmd.Wait()
	}
}

func TestUplinkThroughMosquitto(t *testing.T) {
	if testing.Short() {
		t.Skip("interop test")
	}
	dir := t.TempDir()
	ca, err := pki.InitCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	server, err := pki.IssueServerCert(ca, []string{"127.0.0.1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.WriteKeyPair(server, filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")); err != nil {
		t.Fatal(err)
	}
	clientTLS := func(id string) *pkiTLS {
		kp, err := pki.IssueClientCert(ca, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		return &pkiTLS{ca: ca.CertPEM, kp: kp}
	}
	addr := freeAddr(t)
	broker := startMosquitto(t, dir, addr)

	// The central side: acks every chunk it receives.
	var mu sync.Mutex
	received := map[uint64]int{}
	centralTLS, err := clientTLS("central").config()
	if err != nil {
		t.Fatal(err)
	}
	co := mqtt.NewClientOptions().AddBroker("ssl://" + addr).SetClientID("central").SetTLSConfig(centralTLS).
		SetAutoReconnect(true).SetConnectRetry(true).SetMaxReconnectInterval(200 * time.Millisecond)
	co.SetOnConnectHandler(func(cl mqtt.Client) {
		cl.Subscribe(protocol.AllUplinkFilter, 1, func(cl mqtt.Client, m mqtt.Message) {
			top, err := protocol.ParseTopic(m.Topic())
			if err != nil || top.Kind != protocol.KindChunk {
				return
			}
			mu.Lock()
			received[top.Seq]++
			mu.Unlock()
			ack, _ := protocol.EncodeAck(protocol.Ack{RecordingID: top.RecordingID, Chunks: []protocol.Range{{First: top.Seq, Last: top.Seq}}})
			cl.Publish(protocol.AckTopic(top.BoxID), 1, false, ack)
		})
	})
	centralClient := mqtt.NewClient(co)
	centralClient.Connect()
	defer centralClient.Disconnect(100)

	// The box: a real spool behind the uplink.
	sp, err := spool.Open(filepath.Join(dir, "spool.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	boxTLS, err := clientTLS("room-1").config()
	if err != nil {
		t.Fatal(err)
	}
	logger, _ := newLogger(t, "uplink")
	up, err := uplink.New("room-1", spoolOutbox{sp}, &uplink.Options{Broker: "ssl://" + addr, TLS: boxTLS,
		MaxReconnectInterval: 200 * time.Millisecond, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- up.Run(ctx) }()
	defer func() { cancel(); <-done }()

	add := func(from, to uint64) {
		for seq := from; seq < to; seq++ {
			if err := sp.AddChunk("rec-1", seq, seq*80000, 80000, []byte(fmt.Sprintf("sealed-%d", seq))); err != nil {
				t.Fatal(err)
			}
		}
		up.Notify()
	}
	pending := func() (bool, error) {
		n, err := sp.PendingCount("rec-1")
		return err == nil && n == 0, err
	}

	add(0, 10)
	eventually(t, "chunks acked through mosquitto", pending)

	// Mosquitto restarts with persistence off: whatever it held is gone,
	// and the spool still delivers everything added meanwhile.
	broker.stop()
	add(10, 20)
	startMosquitto(t, dir, addr)
	eventually(t, "chunks acked after a mosquitto restart", pending)

	mu.Lock()
	defer mu.Unlock()
	for seq := uint64(0); seq < 20; seq++ {
		if received[seq] == 0 {
			t.Errorf("chunk %d never reached the central side", seq)
		}
	}
}

func TestMosquittoACLKeepsBoxesApart(t *testing.T) {
	if testing.Short() {
		t.Skip("interop test")
	}
	dir := t.TempDir()
	ca, err := pki.InitCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	server, _ := pki.IssueServerCert(ca, []string{"127.0.0.1"}, 0)
	if err := pki.WriteKeyPair(server, filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	startMosquitto(t, dir, addr)

	connect := func(id string) mqtt.Client {
		kp, err := pki.IssueClientCert(ca, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		tlsConfig, err := (&pkiTLS{ca: ca.CertPEM, kp: kp}).config()
		if err != nil {
			t.Fatal(err)
		}
		c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("ssl://" + addr).SetClientID(id).SetTLSConfig(tlsConfig))
		if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("%s connect: %v", id, tok.Error())
		}
		t.Cleanup(func() { c.Disconnect(100) })
		return c
	}
	spy := connect("room-2")
	got := make(chan string, 10)
	spy.Subscribe(protocol.AckTopic("room-1"), 1, func(_ mqtt.Client, m mqtt.Message) { got <- m.Topic() })
	spy.Subscribe(protocol.Prefix+"box/room-1/#", 1, func(_ mqtt.Client, m mqtt.Message) { got <- m.Topic() })
	own := make(chan string, 10)
	spy.Subscribe(protocol.AckTopic("room-2"), 1, func(_ mqtt.Client, m mqtt.Message) { own <- m.Topic() })

	centralClient := connect("central")
	victim := connect("room-1")
	victim.Publish(protocol.ChunkTopic("room-1", "rec-1", 0), 1, false, []byte("x")).Wait()
	centralClient.Publish(protocol.AckTopic("room-1"), 1, false, []byte("{}")).Wait()
	// The ack to room-2 is the barrier: mosquitto delivers in order, so once
	// it arrives, anything leaked from room-1 would have arrived too.
	centralClient.Publish(protocol.AckTopic("room-2"), 1, false, []byte("{}")).Wait()
	select {
	case <-own:
	case <-time.After(10 * time.Second):
		t.Fatal("room-2 did not receive its own ack")
	}
	select {
	case topic := <-got:
		t.Errorf("room-2 received %s of room-1", topic)
	default:
	}
}

type pkiTLS struct {
	ca []byte
	kp *pki.KeyPair
}

func (p *pkiTLS) config() (*tls.Config, error) {
	return pki.ClientTLSConfig(p.ca, p.kp.CertPEM, p.kp.KeyPEM)
}

// spoolOutbox adapts the real spool to the uplink, as firmware/app does.
type spoolOutbox struct{ sp *spool.Spool }

func (o spoolOutbox) Pending(after int64, limit int) ([]uplink.Item, error) {
	items, err := o.sp.Pending(after, limit)
	out := make([]uplink.Item, len(items))
	for i, it := range items {
		out[i] = uplink.Item{ID: it.ID, Chunk: it.Kind == spool.KindChunk, RecordingID: it.RecordingID, Seq: it.Seq, Payload: it.Payload}
	}
	return out, err
}

func (o spoolOutbox) Acknowledge(rec string, chunks, events []protocol.Range) error {
	if _, err := o.sp.Acknowledge(rec, spool.KindChunk, chunks); err != nil {
		return err
	}
	_, err := o.sp.Acknowledge(rec, spool.KindEvent, events)
	return err
}

func (o spoolOutbox) Reject(rec string, chunk bool, seq uint64, reason string) error {
	kind := spool.KindEvent
	if chunk {
		kind = spool.KindChunk
	}
	return o.sp.Reject(rec, kind, seq, reason)
}

func (o spoolOutbox) DropRecording(rec string) error {
	_, err := o.sp.DropRecording(rec)
	return err
}
