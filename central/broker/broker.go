package broker

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// DefaultConnectTimeout bounds the TLS handshake and CONNECT packet of a new
// connection when Options.ConnectTimeout is zero.
const DefaultConnectTimeout = 10 * time.Second

// MaxPacketSize is the largest MQTT packet the broker accepts: the largest
// chunk envelope plus room for the topic name and packet header. A larger
// packet makes the broker close the connection.
const MaxPacketSize = protocol.MaxChunkMessage + 4<<10

// Options configures a Broker.
type Options struct {
	// Addr is the TCP address to listen on, such as "127.0.0.1:8883". Port 0
	// picks a free port, which Addr returns after Start. Required.
	Addr string

	// TLS is the listener's TLS configuration: a server certificate and the
	// ClientCAs that issue box certificates. New works on a copy that
	// requires and verifies a client certificate and at least TLS 1.2.
	// Required unless Insecure is set.
	TLS *tls.Config

	// Insecure serves plain TCP without client certificates, for development
	// only. New accepts it only when Addr's host is a loopback IP address,
	// and Start logs a warning. The MQTT username is then the box id.
	Insecure bool

	// AllowedBoxes reports whether a box id is enrolled. Nil accepts every
	// box with a valid certificate (or, in insecure mode, every valid id).
	AllowedBoxes func(boxID string) bool

	// ConnectTimeout bounds the TLS handshake and the CONNECT packet of a new
	// connection. Zero means DefaultConnectTimeout.
	ConnectTimeout time.Duration

	// Logger receives the broker's log, mochi-mqtt's included, with packet
	// contents redacted. Nil means slog.Default().
	Logger *slog.Logger
}

// Broker is the embedded MQTT broker of the central service.
type Broker struct {
	server   *mqtt.Server
	listener *listener
	insecure bool
	log      *slog.Logger

	mu        sync.Mutex
	nextSubID int
	started   bool
	closed    bool
}

// New validates opts and prepares a broker. It does not listen yet.
func New(opts *Options) (*Broker, error) {
	if opts == nil {
		return nil, errors.New("broker options are missing: set Addr and TLS (or Insecure on a loopback address)")
	}
	if err := checkListen(opts); err != nil {
		return nil, err
	}

	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	timeout := opts.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}

	var tlsConfig *tls.Config
	if !opts.Insecure {
		tlsConfig = opts.TLS.Clone()
		tlsConfig.ClientAuth = tls.RequireAndVerifyClientCert
		tlsConfig.MinVersion = max(tlsConfig.MinVersion, tls.VersionTLS12)
	}

	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = MaxPacketSize
	caps.MinimumProtocolVersion = 4 // MQTT 3.1.1
	// mochi-mqtt v2.7.9 deletes retained messages and queued QoS 1 messages
	// older than this many seconds (default one day). Zero keeps them, so a
	// retained configuration and the acks for a box that stays offline over
	// a weekend are still there when it returns.
	caps.MaximumMessageExpiryInterval = 0
	server := mqtt.New(&mqtt.Options{
		Capabilities: caps,
		InlineClient: true,
		Logger:       slog.New(redactHandler{next: log.Handler()}).With("component", "mqtt"),
	})

	hook := &authHook{insecure: opts.Insecure, allowed: opts.AllowedBoxes, log: log}
	if err := server.AddHook(hook, nil); err != nil {
		return nil, fmt.Errorf("adding the mqtt auth hook: %w", err)
	}

	return &Broker{
		server: server,
		listener: &listener{
			id:             "ordagrann",
			addr:           opts.Addr,
			tls:            tlsConfig,
			connectTimeout: timeout,
			log:            log,
		},
		insecure: opts.Insecure,
		log:      log,
	}, nil
}

// checkListen rejects a configuration that would serve MQTT without TLS
// beyond the local machine.
func checkListen(opts *Options) error {
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return fmt.Errorf("invalid broker address %q: use host:port, such as 127.0.0.1:8883: %w", opts.Addr, err)
	}

	switch {
	case opts.Insecure && opts.TLS != nil:
		return errors.New("broker options set both TLS and Insecure: set only one")
	case opts.Insecure:
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("insecure mqtt on %q rejected: plain TCP without client certificates is allowed only on a loopback IP address such as 127.0.0.1 or ::1; configure TLS for any other address", opts.Addr)
		}
	case opts.TLS == nil:
		return errors.New("broker TLS configuration is missing: set a server certificate and the client CA, or Insecure on a loopback address for development")
	case len(opts.TLS.Certificates) == 0 && opts.TLS.GetCertificate == nil && opts.TLS.GetConfigForClient == nil:
		return errors.New("broker TLS configuration has no server certificate: set Certificates or GetCertificate")
	case opts.TLS.ClientCAs == nil && opts.TLS.GetConfigForClient == nil:
		return errors.New("broker TLS configuration has no ClientCAs: set the CA that issues box certificates")
	}
	return nil
}

// Start binds the address and starts serving.
func (b *Broker) Start() error {
	b.mu.Lock()
	defer b.mu.Unlock()

	if b.started || b.closed {
		return errors.New("broker already started or closed")
	}

	if err := b.server.AddListener(b.listener); err != nil {
		return fmt.Errorf("listening for mqtt on %s: %w", b.listener.addr, err)
	}
	if err := b.server.Serve(); err != nil {
		return fmt.Errorf("starting the mqtt broker: %w", err)
	}
	b.started = true

	if b.insecure {
		b.log.Warn("mqtt broker without tls: development only, boxes are identified by username alone",
			"addr", b.listener.Address())
	} else {
		b.log.Info("mqtt broker listening", "addr", b.listener.Address())
	}
	return nil
}

// Addr returns the bound address, or nil before Start.
func (b *Broker) Addr() net.Addr {
	return b.listener.boundAddr()
}

// Close disconnects every client and stops the broker. It is safe to call
// more than once.
func (b *Broker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()

	if b.closed {
		return nil
	}
	b.closed = true

	if !b.started {
		return nil
	}
	return b.server.Close()
}

// Subscribe delivers every message matching filter to handler, in process
// and without access checks. It may be called before Start; retained
// messages that already match are delivered before it returns.
//
// The broker calls handler on the publishing client's connection goroutine,
// so handlers for different boxes run concurrently, while the messages of
// one connection arrive one at a time and in order. A slow handler holds up
// that one connection. The handler must not modify payload.
func (b *Broker) Subscribe(filter string, handler func(topic string, payload []byte)) error {
	b.mu.Lock()
	b.nextSubID++
	id := b.nextSubID
	b.mu.Unlock()

	err := b.server.Subscribe(filter, id, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
		handler(pk.TopicName, pk.Payload)
	})
	if err != nil {
		return fmt.Errorf("subscribing to %q: %w", filter, err)
	}
	return nil
}

// Publish sends a message from the central service, without access checks.
// qos caps the delivery QoS to each subscriber. The broker keeps retained
// messages, and QoS 1 messages for a disconnected box with a persistent
// session, in memory only. After a restart the caller must publish its
// retained messages again.
func (b *Broker) Publish(topic string, payload []byte, retain bool, qos byte) error {
	if qos > 2 {
		return fmt.Errorf("invalid qos %d for %q: use 0, 1 or 2", qos, topic)
	}
	if err := b.server.Publish(topic, payload, retain, qos); err != nil {
		return fmt.Errorf("publishing to %q: %w", topic, err)
	}
	return nil
}
