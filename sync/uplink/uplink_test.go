package uplink_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/ordagrann/ordagrann/sync/uplink"
)

// memOutbox is an in-memory outbox. The durable one (firmware/spool) is
// exercised through this client in the end-to-end tests of cmd/box.
type memOutbox struct {
	mu       sync.Mutex
	nextID   int64
	items    []uplink.Item
	rejected map[uint64]string
	dropped  []string
}

func (o *memOutbox) add(it uplink.Item) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.nextID++
	it.ID = o.nextID
	o.items = append(o.items, it)
}

func (o *memOutbox) Pending(after int64, limit int) ([]uplink.Item, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []uplink.Item
	for _, it := range o.items {
		if it.ID > after && len(out) < limit {
			if _, rej := o.rejected[it.Seq]; rej && it.Chunk {
				continue
			}
			out = append(out, it)
		}
	}
	return out, nil
}

func (o *memOutbox) Acknowledge(rec string, chunks, events []protocol.Range) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.items = slices.DeleteFunc(o.items, func(it uplink.Item) bool {
		ranges := events
		if it.Chunk {
			ranges = chunks
		}
		return it.RecordingID == rec && slices.ContainsFunc(ranges, func(r protocol.Range) bool { return r.Contains(it.Seq) })
	})
	return nil
}

func (o *memOutbox) Reject(rec string, chunk bool, seq uint64, reason string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.rejected == nil {
		o.rejected = map[uint64]string{}
	}
	o.rejected[seq] = reason
	return nil
}

func (o *memOutbox) DropRecording(rec string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.items = slices.DeleteFunc(o.items, func(it uplink.Item) bool { return it.RecordingID == rec })
	o.dropped = append(o.dropped, rec)
	return nil
}

func (o *memOutbox) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.items) - len(o.rejected)
}

// central is a stand-in for the ingest side: it acks every chunk and event
// it receives, except the chunk sequence numbers in reject.
type central struct {
	mu       sync.Mutex
	received map[uint64]int // chunk seq -> times received
	reject   map[uint64]bool
}

func startBroker(t *testing.T, addr string, c *central) *mochi.Server {
	t.Helper()
	srv := mochi.New(&mochi.Options{InlineClient: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		t.Fatal(err)
	}
	// The ack side subscribes before the listener opens, so a box that
	// reconnects at once never publishes into a broker with no subscriber.
	err := srv.Subscribe(protocol.AllUplinkFilter, 1, func(_ *mochi.Client, _ packets.Subscription, pk packets.Packet) {
		top, err := protocol.ParseTopic(pk.TopicName)
		if err != nil || top.Kind == protocol.KindStatus {
			return
		}
		ack := protocol.Ack{RecordingID: top.RecordingID}
		if top.Kind == protocol.KindMeta {
			e, err := protocol.DecodeEvent(pk.Payload)
			if err != nil {
				return
			}
			ack.Events = []protocol.Range{{First: e.Seq, Last: e.Seq}}
		} else {
			c.mu.Lock()
			c.received[top.Seq]++
			rej := c.reject[top.Seq]
			c.mu.Unlock()
			if rej {
				ack.Rejected = []protocol.Rejection{{Kind: "chunk", Seq: top.Seq, Reason: "test"}}
			} else {
				ack.Chunks = []protocol.Range{{First: top.Seq, Last: top.Seq}}
			}
		}
		b, _ := protocol.EncodeAck(ack)
		srv.Publish(protocol.AckTopic(top.BoxID), b, false, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddListener(listeners.NewTCP(listeners.Config{ID: "t", Address: addr})); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	return srv
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func eventPayload(t *testing.T, seq uint64) []byte {
	t.Helper()
	b, err := protocol.EncodeEvent(protocol.Event{Seq: seq, Type: protocol.EventPause, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUplinkDeliversAndSurvivesBrokerRestart(t *testing.T) {
	addr := freeAddr(t)
	c := &central{received: map[uint64]int{}}
	srv := startBroker(t, addr, c)

	box := &memOutbox{}
	var logs safeBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("uplink log:\n%s", logs.String())
		}
	})
	client, err := uplink.New("room-1", box, &uplink.Options{
		Broker: "tcp://" + addr, Window: 4, MaxReconnectInterval: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- client.Run(ctx) }()
	defer func() { cancel(); <-done }()

	box.add(uplink.Item{RecordingID: "rec-1", Seq: 0, Payload: eventPayload(t, 0)})
	for seq := uint64(0); seq < 10; seq++ {
		box.add(uplink.Item{Chunk: true, RecordingID: "rec-1", Seq: seq, Payload: []byte(fmt.Sprint("chunk", seq))})
	}
	client.Notify()
	waitFor(t, "first batch acked", func() bool { return box.len() == 0 })

	// The broker dies; the box keeps recording into its outbox.
	srv.Close()
	for seq := uint64(10); seq < 20; seq++ {
		box.add(uplink.Item{Chunk: true, RecordingID: "rec-1", Seq: seq, Payload: []byte(fmt.Sprint("chunk", seq))})
	}
	client.Notify()
	if n := box.len(); n != 10 {
		t.Fatalf("outbox holds %d items while the broker is down, want 10", n)
	}

	srv2 := startBroker(t, addr, c)
	defer srv2.Close()
	waitFor(t, "second batch acked after broker restart", func() bool { return box.len() == 0 })

	c.mu.Lock()
	defer c.mu.Unlock()
	for seq := uint64(0); seq < 20; seq++ {
		if c.received[seq] < 1 {
			t.Errorf("chunk %d never reached the central side", seq)
		}
	}
}

func TestUplinkRejectedChunkNotResent(t *testing.T) {
	addr := freeAddr(t)
	c := &central{received: map[uint64]int{}, reject: map[uint64]bool{1: true}}
	srv := startBroker(t, addr, c)

	box := &memOutbox{}
	var logs safeBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("uplink log:\n%s", logs.String())
		}
	})
	client, err := uplink.New("room-1", box, &uplink.Options{
		Broker: "tcp://" + addr, MaxReconnectInterval: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- client.Run(ctx) }()
	defer func() { cancel(); <-done }()

	for seq := uint64(0); seq < 3; seq++ {
		box.add(uplink.Item{Chunk: true, RecordingID: "rec-1", Seq: seq, Payload: []byte("x")})
	}
	client.Notify()
	waitFor(t, "all settled", func() bool { return box.len() == 0 })

	box.mu.Lock()
	reason := box.rejected[1]
	box.mu.Unlock()
	if reason != "test" {
		t.Errorf("rejection reason of chunk 1 = %q, want %q", reason, "test")
	}
	// A reconnect makes the client send everything unacknowledged again. The
	// marker chunk 3, added after the reconnect, is acked only after that
	// pass, so by then a wrongly resent chunk 1 would have arrived.
	before := receivedCount(c, 1)
	srv.Close()
	srv2 := startBroker(t, addr, c)
	defer srv2.Close()
	box.add(uplink.Item{Chunk: true, RecordingID: "rec-1", Seq: 3, Payload: []byte("x")})
	client.Notify()
	waitFor(t, "marker chunk acked", func() bool { return box.len() == 0 && receivedCount(c, 3) > 0 })
	if after := receivedCount(c, 1); after != before {
		t.Errorf("rejected chunk was sent again: %d times before the reconnect, %d after", before, after)
	}
}

func receivedCount(c *central, seq uint64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.received[seq]
}

func TestNewRejectsPlainTCPOffLoopback(t *testing.T) {
	tests := []struct {
		broker string
		ok     bool
	}{
		{"tcp://127.0.0.1:1883", true},
		{"tcp://[::1]:1883", true},
		{"tcp://localhost:1883", true},
		{"tcp://192.0.2.1:1883", false},
		{"tcp://central.example:1883", false},
		{"ssl://central.example:8883", false}, // no TLS config given
		{"http://127.0.0.1:1883", false},
		{"::", false},
	}
	for _, tt := range tests {
		_, err := uplink.New("room-1", &memOutbox{}, &uplink.Options{Broker: tt.broker})
		if (err == nil) != tt.ok {
			t.Errorf("New(broker %q) error = %v, want ok=%v", tt.broker, err, tt.ok)
		}
	}
}

func TestUplinkLogsConnectFailure(t *testing.T) {
	addr := freeAddr(t) // nothing listens here
	var logs safeBuffer
	client, err := uplink.New("room-1", &memOutbox{}, &uplink.Options{
		Broker: "tcp://" + addr, MaxReconnectInterval: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- client.Run(ctx) }()
	waitFor(t, "a logged connect failure", func() bool {
		s := logs.String()
		return strings.Contains(s, "mqtt connect failed") && strings.Contains(s, "connection refused")
	})

	// The broker appears; the client connects without a restart.
	c := &central{received: map[uint64]int{}}
	srv := startBroker(t, addr, c)
	defer srv.Close()
	waitFor(t, "connect after failures", func() bool { return strings.Contains(logs.String(), "mqtt connected after failed attempts") })
	cancel()
	<-done
}

type safeBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
