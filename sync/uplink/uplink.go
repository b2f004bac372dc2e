// Package uplink is the box's MQTT client. It sends the items in the box's
// outbox (recording events and sealed chunks) to the central service with
// QoS 1, keeping a bounded number of them waiting for the central service's
// ack. It applies each ack or rejection to the outbox, and it publishes the
// box's retained status with a last will.
//
// The broker's PUBACK is not durability: only the central service's ack on
// protocol.AckTopic says an item is committed, and only then may the outbox
// delete it. Everything not acknowledged is sent again after a reconnect or
// after AckTimeout, so the outbox, not the MQTT session, is the durable
// queue. That is why the client uses a clean session and no paho store:
// duplicates are harmless because ingest is idempotent on (box, recording, seq).
//
// Only the box side (cmd/box) imports this package.
package uplink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// Item is one message waiting in the outbox.
type Item struct {
	ID          int64 // outbox order; Pending returns items with larger ids
	Chunk       bool  // true for an audio chunk, false for a recording event
	RecordingID string
	Seq         uint64
	Payload     []byte
}

// Outbox is the box's durable queue, implemented by firmware/spool through an adapter.
type Outbox interface {
	// Pending returns up to limit unacknowledged, unrejected items with ID > afterID, in ID order.
	Pending(afterID int64, limit int) ([]Item, error)
	// Acknowledge deletes what the central service committed.
	Acknowledge(rec string, chunks, events []protocol.Range) error
	// Reject marks an item the central service will never accept, so it is not sent again.
	Reject(rec string, chunk bool, seq uint64, reason string) error
	// DropRecording deletes all a recording still holds, because the central service deleted it.
	DropRecording(rec string) error
}

// Options configures a Client. Zero fields take the documented defaults.
type Options struct {
	// Broker is the broker URL: "ssl://host:8883" or, on loopback only, "tcp://127.0.0.1:1883".
	Broker string
	// TLS is required for ssl:// brokers: the box's client certificate and the fleet CA.
	TLS *tls.Config
	// Window is the maximum number of items sent and not yet acknowledged. Default 16.
	Window int
	// AckTimeout is how long an item may wait for the central service's ack
	// before it is sent again. Default 30 s.
	AckTimeout time.Duration
	// MaxReconnectInterval caps the reconnect backoff. Default 30 s.
	MaxReconnectInterval time.Duration
	// OnCommand receives commands from the central service. Optional.
	OnCommand func(protocol.Command)
	// OnAcked is called after an ack was applied to the outbox. Optional.
	OnAcked func()
	Logger  *slog.Logger
}

// Client sends the outbox to the central service.
type Client struct {
	boxID  string
	outbox Outbox
	opts   Options
	log    *slog.Logger
	mqtt   mqtt.Client

	wake         chan struct{}
	connected    chan struct{}
	lost         chan struct{} // to the sender loop
	disconnected chan struct{} // to the connect loop
	acks         chan protocol.Ack

	mu     sync.Mutex
	status protocol.Status
}

type itemKey struct {
	rec   string
	chunk bool
	seq   uint64
}

// New validates the options and builds a client; Run connects it.
func New(boxID string, outbox Outbox, opts *Options) (*Client, error) {
	if err := protocol.CheckID("box id", boxID); err != nil {
		return nil, err
	}
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Window <= 0 {
		o.Window = 16
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 30 * time.Second
	}
	if o.MaxReconnectInterval <= 0 {
		o.MaxReconnectInterval = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if err := checkBroker(o.Broker, o.TLS); err != nil {
		return nil, err
	}

	c := &Client{
		boxID:        boxID,
		outbox:       outbox,
		opts:         o,
		log:          o.Logger.With("box_id", boxID),
		wake:         make(chan struct{}, 1),
		connected:    make(chan struct{}, 1),
		lost:         make(chan struct{}, 1),
		disconnected: make(chan struct{}, 1),
		acks:         make(chan protocol.Ack, 256),
		status:       protocol.Status{State: protocol.StateIdle},
	}

	will, err := protocol.EncodeStatus(protocol.Status{State: protocol.StateOffline, At: time.Now().UTC()})
	if err != nil {
		return nil, err
	}
	mo := mqtt.NewClientOptions().
		AddBroker(o.Broker).
		SetClientID(boxID).
		SetUsername(boxID).
		SetCleanSession(true).
		SetOrderMatters(false).
		// connectLoop reconnects, so that every failed attempt is logged
		// with its cause; paho's own retry hides the errors.
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(connectTimeout).
		SetKeepAlive(30*time.Second).
		SetBinaryWill(protocol.StatusTopic(boxID), will, 1, true).
		SetOnConnectHandler(c.onConnect).
		SetConnectionLostHandler(c.onLost)
	if o.TLS != nil {
		mo.SetTLSConfig(o.TLS)
	}
	c.mqtt = mqtt.NewClient(mo)
	return c, nil
}

// connectTimeout bounds one connection attempt, including waiting for the
// broker's CONNACK: a broker that accepts TCP and never answers (one
// shutting down, or overloaded) must not stall the box for long.
const connectTimeout = 8 * time.Second

// checkBroker rejects a plain-TCP broker that is not on loopback.
func checkBroker(broker string, tlsConfig *tls.Config) error {
	u, err := url.Parse(broker)
	if err != nil || u.Host == "" {
		return fmt.Errorf("invalid broker URL %q: use ssl://host:8883", broker)
	}
	switch u.Scheme {
	case "ssl", "tls", "mqtts":
		if tlsConfig == nil {
			return fmt.Errorf("broker %q needs a TLS configuration with the box certificate", broker)
		}
		return nil
	case "tcp", "mqtt":
		ip := net.ParseIP(u.Hostname())
		if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("plain TCP broker %q rejected: plain MQTT is allowed only on loopback for development; use ssl://", broker)
		}
		return nil
	}
	return fmt.Errorf("invalid broker URL scheme %q: use ssl:// (or tcp:// on loopback for development)", u.Scheme)
}

// waitDisconnected returns when the connection is lost or ctx ends. Besides
// the loss signal it checks the client's state every tick, so a missed
// signal cannot leave the box offline for good.
func (c *Client) waitDisconnected(ctx context.Context, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.disconnected:
			return
		case <-tick:
			if !c.mqtt.IsConnectionOpen() {
				c.log.Warn("mqtt connection found closed without a loss signal, reconnecting")
				return
			}
		}
	}
}

// Notify wakes the client because the outbox has new items. It never blocks.
func (c *Client) Notify() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// SetStatus publishes the box's retained status now if connected, and again on every connect.
func (c *Client) SetStatus(s protocol.Status) {
	c.mu.Lock()
	c.status = s
	c.mu.Unlock()
	if c.mqtt.IsConnectionOpen() {
		c.publishStatus()
	}
}

func (c *Client) publishStatus() {
	c.mu.Lock()
	s := c.status
	c.mu.Unlock()
	if s.At.IsZero() {
		s.At = time.Now().UTC()
	}
	b, err := protocol.EncodeStatus(s)
	if err != nil {
		c.log.Error("status encode failed", "error", err)
		return
	}
	c.mqtt.Publish(protocol.StatusTopic(c.boxID), 1, true, b)
}

func (c *Client) onConnect(cl mqtt.Client) {
	c.log.Info("mqtt connected", "broker", c.opts.Broker)
	if u, err := url.Parse(c.opts.Broker); err == nil && (u.Scheme == "tcp" || u.Scheme == "mqtt") {
		c.log.Warn("MQTT WITHOUT TLS: development mode on loopback only, never use this in a meeting room", "broker", c.opts.Broker)
	}
	subs := map[string]byte{protocol.AckTopic(c.boxID): 1, protocol.CommandTopic(c.boxID): 1}
	tok := cl.SubscribeMultiple(subs, c.onMessage)
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		c.log.Error("mqtt subscribe failed", "error", tok.Error())
		// Without the ack subscription nothing can ever be deleted; reconnect and try again.
		go func() {
			cl.Disconnect(0)
			signal(c.disconnected)
		}()
		return
	}
	c.publishStatus()
	select {
	case c.connected <- struct{}{}:
	default:
	}
}

func (c *Client) onLost(_ mqtt.Client, err error) {
	c.log.Warn("mqtt connection lost", "error", err)
	signal(c.lost)
	signal(c.disconnected)
}

// signal wakes the reader of ch without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// connectLoop connects, and reconnects after every loss, with exponential
// backoff up to MaxReconnectInterval. Each failed attempt is logged with
// its cause (the first one, then every tenth), because a box that cannot
// reach its broker must say why: a wrong CA, a refused connection, a
// rejected certificate.
func (c *Client) connectLoop(ctx context.Context) {
	backoff := time.Second
	failures := 0
	check := time.NewTicker(5 * time.Second)
	defer check.Stop()
	for ctx.Err() == nil {
		var err error
		tok := c.mqtt.Connect()
		select {
		case <-ctx.Done():
			return
		case <-tok.Done():
			err = tok.Error()
		case <-c.disconnected:
			// A connection lost right after it came up may leave the
			// token pending; start over.
			err = errors.New("connection lost while connecting")
		case <-time.After(connectTimeout + 2*time.Second):
			err = fmt.Errorf("connect timed out after %s: the broker accepted the connection but did not answer", connectTimeout+2*time.Second)
		}
		if err == nil {
			if failures > 0 {
				c.log.Info("mqtt connected after failed attempts", "attempts", failures)
			}
			failures, backoff = 0, time.Second
			c.waitDisconnected(ctx, check.C)
			continue
		}

		failures++
		if failures == 1 || failures%10 == 0 {
			c.log.Warn("mqtt connect failed, retrying", "broker", c.opts.Broker, "error", err, "attempts", failures, "retry_in", backoff.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, c.opts.MaxReconnectInterval)
	}
}

func (c *Client) onMessage(_ mqtt.Client, m mqtt.Message) {
	t, err := protocol.ParseTopic(m.Topic())
	if err != nil || t.BoxID != c.boxID {
		c.log.Warn("message on unexpected topic dropped", "topic", m.Topic())
		return
	}
	switch t.Kind {
	case protocol.KindAck:
		a, err := protocol.DecodeAck(m.Payload())
		if err != nil {
			c.log.Warn("invalid ack dropped", "error", err, "size", len(m.Payload()))
			return
		}
		c.acks <- a
	case protocol.KindCommand:
		cmd, err := protocol.DecodeCommand(m.Payload())
		if err != nil {
			c.log.Warn("invalid command dropped", "error", err, "size", len(m.Payload()))
			return
		}
		c.log.Info("command received", "command", string(cmd.Type), "command_id", cmd.ID)
		if c.opts.OnCommand != nil {
			c.opts.OnCommand(cmd)
		}
	}
}

// Run connects and sends until ctx ends, then disconnects. It returns
// only ctx's error; connection failures are retried with backoff.
func (c *Client) Run(ctx context.Context) error {
	go c.connectLoop(ctx)

	s := sender{c: c, inflight: map[itemKey]time.Time{}}
	tick := time.NewTicker(c.opts.AckTimeout / 4)
	defer tick.Stop()

	for {
		select {
		case <-ctx.Done():
			c.mqtt.Disconnect(250)
			return ctx.Err()
		// The two signals can be read out of order (a stale loss after a new
		// connect), so the state comes from the client, not the signal.
		case <-c.connected:
			s.online = c.mqtt.IsConnectionOpen()
			s.reset()
		case <-c.lost:
			s.online = c.mqtt.IsConnectionOpen()
			s.reset()
		case a := <-c.acks:
			s.apply(a)
		case <-c.wake:
		case now := <-tick.C:
			s.expire(now)
		}
		s.fill()
	}
}

// sender is the state of Run's loop; only that goroutine touches it.
type sender struct {
	c        *Client
	online   bool
	cursor   int64 // largest outbox id sent since the last reset
	inflight map[itemKey]time.Time
}

// reset clears the in-flight set, so everything unacknowledged is sent again.
func (s *sender) reset() {
	s.cursor = 0
	clear(s.inflight)
}

func (s *sender) fill() {
	for s.online && len(s.inflight) < s.c.opts.Window {
		items, err := s.c.outbox.Pending(s.cursor, s.c.opts.Window-len(s.inflight))
		if err != nil {
			s.c.log.Error("outbox read failed", "error", err)
			return
		}
		if len(items) == 0 {
			return
		}
		for _, it := range items {
			s.cursor = it.ID
			key := itemKey{it.RecordingID, it.Chunk, it.Seq}
			if _, sent := s.inflight[key]; sent {
				continue
			}
			if err := s.publish(it); err != nil {
				s.c.log.Warn("publish failed", "error", err, "recording_id", it.RecordingID, "seq", it.Seq)
				s.reset()
				return
			}
			s.inflight[key] = time.Now()
		}
	}
}

func (s *sender) publish(it Item) error {
	topic := protocol.MetaTopic(s.c.boxID, it.RecordingID)
	if it.Chunk {
		topic = protocol.ChunkTopic(s.c.boxID, it.RecordingID, it.Seq)
	}
	if !s.c.mqtt.IsConnectionOpen() {
		return errors.New("not connected")
	}
	// The PUBACK is not awaited: the central service's ack is what counts,
	// and the window bounds what is outstanding.
	s.c.mqtt.Publish(topic, 1, false, it.Payload)
	return nil
}

func (s *sender) apply(a protocol.Ack) {
	log := s.c.log.With("recording_id", a.RecordingID)
	if a.Deleted {
		if err := s.c.outbox.DropRecording(a.RecordingID); err != nil {
			log.Error("outbox drop failed", "error", err)
			return
		}
		for k := range s.inflight {
			if k.rec == a.RecordingID {
				delete(s.inflight, k)
			}
		}
		log.Info("recording deleted by central service, dropped from outbox")
	}
	for _, r := range a.Rejected {
		chunk := r.Kind == "chunk"
		log.Warn("item rejected by central service", "kind", r.Kind, "seq", r.Seq, "reason", r.Reason)
		if err := s.c.outbox.Reject(a.RecordingID, chunk, r.Seq, r.Reason); err != nil {
			log.Error("outbox reject failed", "error", err, "seq", r.Seq)
		}
		delete(s.inflight, itemKey{a.RecordingID, chunk, r.Seq})
	}
	if len(a.Chunks) > 0 || len(a.Events) > 0 {
		if err := s.c.outbox.Acknowledge(a.RecordingID, a.Chunks, a.Events); err != nil {
			log.Error("outbox acknowledge failed", "error", err)
			return
		}
		for k := range s.inflight {
			if k.rec != a.RecordingID {
				continue
			}
			ranges := a.Events
			if k.chunk {
				ranges = a.Chunks
			}
			for _, r := range ranges {
				if r.Contains(k.seq) {
					delete(s.inflight, k)
					break
				}
			}
		}
	}
	if s.c.opts.OnAcked != nil {
		s.c.opts.OnAcked()
	}
}

// expire sends everything again when an item waited longer than AckTimeout.
func (s *sender) expire(now time.Time) {
	for k, sent := range s.inflight {
		if now.Sub(sent) > s.c.opts.AckTimeout {
			s.c.log.Warn("ack timed out, resending unacknowledged items", "recording_id", k.rec, "seq", k.seq, "in_flight", len(s.inflight))
			s.reset()
			return
		}
	}
}
