package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// Subscriber is the part of the MQTT broker that ingest uses;
// central/broker.Broker implements it.
type Subscriber interface {
	// Subscribe calls handler for every message that matches filter. The
	// handler must not modify payload.
	Subscribe(filter string, handler func(topic string, payload []byte)) error
	Publish(topic string, payload []byte, retain bool, qos byte) error
}

// Store commits chunks and events; central/store.Store implements it.
// Both methods return only after the write is durable. They return errors
// that wrap store.ErrDeleted, store.ErrWrongBox and store.ErrConflict for
// messages that can never be stored.
type Store interface {
	PutChunk(ctx context.Context, box, rec string, seq uint64, h protocol.ChunkHeader, audio []byte) (duplicate bool, err error)
	PutEvent(ctx context.Context, box, rec string, e protocol.Event) (duplicate bool, err error)
}

// DefaultStoreTimeout bounds one store call when Options.StoreTimeout is zero.
const DefaultStoreTimeout = 30 * time.Second

// Options configures an Ingester.
type Options struct {
	// Decrypter opens chunks: the central service's HPKE private keyset.
	// Required.
	Decrypter tink.HybridDecrypt

	// Verifier returns the signature verifier of a box's enrolled signing
	// key, or nil when the box has none. A box with a verifier must sign
	// every chunk. An error means the key could not be loaded now, and the
	// chunk is not acknowledged so the box sends it again. Nil means no box
	// signs.
	Verifier func(box string) (tink.Verifier, error)

	// Notify is called with the recording id after a new chunk or event was
	// committed (not after a duplicate). It runs on the box's MQTT
	// connection goroutine and must not block. Nil means no call.
	Notify func(rec string)

	// StoreTimeout bounds one store call. Zero means DefaultStoreTimeout.
	StoreTimeout time.Duration

	// Now returns the current time, for rate-limiting repeated errors in the
	// log. Nil means time.Now.
	Now func() time.Time

	// Logger receives ids, sizes and reasons, never payloads. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// Ingester handles the messages boxes publish.
type Ingester struct {
	sub     Subscriber
	store   Store
	dec     tink.HybridDecrypt
	verify  func(box string) (tink.Verifier, error)
	notify  func(rec string)
	timeout time.Duration
	log     *slog.Logger

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc

	// transientLog limits the log lines of store and publish failures that
	// repeat while, for example, the disk stays full.
	transientLog *rateLimiter

	mu       sync.Mutex
	statuses map[string]protocol.Status // by box id
}

// New returns an Ingester that reads from sub and writes to st. Call Start
// to subscribe.
func New(sub Subscriber, st Store, opts *Options) (*Ingester, error) {
	if sub == nil || st == nil {
		return nil, errors.New("creating ingest: subscriber and store are required")
	}
	if opts == nil || opts.Decrypter == nil {
		return nil, errors.New("creating ingest: Options.Decrypter is required: pass the central service's HPKE private keyset")
	}

	in := &Ingester{
		sub:      sub,
		store:    st,
		dec:      opts.Decrypter,
		verify:   opts.Verifier,
		notify:   opts.Notify,
		timeout:  opts.StoreTimeout,
		log:      opts.Logger,
		statuses: make(map[string]protocol.Status),
	}
	if in.timeout <= 0 {
		in.timeout = DefaultStoreTimeout
	}
	if in.log == nil {
		in.log = slog.Default()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	in.transientLog = newRateLimiter(now, time.Second)
	in.ctx, in.cancel = context.WithCancel(context.Background())
	return in, nil
}

// Start subscribes to everything boxes publish. Retained status messages
// are handled before it returns.
func (in *Ingester) Start() error {
	if err := in.sub.Subscribe(protocol.AllUplinkFilter, in.handle); err != nil {
		return fmt.Errorf("starting ingest: %w", err)
	}
	in.log.Info("ingest started", "filter", protocol.AllUplinkFilter)
	return nil
}

// Close cancels store calls in progress. Messages that arrive afterwards
// are dropped without an ack, so their boxes send them again to the next
// process.
func (in *Ingester) Close() {
	in.cancel()
}

// Statuses returns a copy of the latest status of every box that reported one.
func (in *Ingester) Statuses() map[string]protocol.Status {
	in.mu.Lock()
	defer in.mu.Unlock()
	return maps.Clone(in.statuses)
}

// handle dispatches one message by its topic.
func (in *Ingester) handle(topic string, payload []byte) {
	if in.ctx.Err() != nil {
		return
	}

	t, err := protocol.ParseTopic(topic)
	if err != nil {
		in.log.Warn("mqtt message ignored", "bytes", len(payload), "error", err)
		return
	}

	switch t.Kind {
	case protocol.KindChunk:
		in.handleChunk(t, payload)
	case protocol.KindMeta:
		in.handleEvent(t, payload)
	case protocol.KindStatus:
		in.handleStatus(t, payload)
	default:
		in.log.Warn("mqtt message ignored", "box_id", t.BoxID, "kind", t.Kind.String(), "bytes", len(payload), "error", "not an uplink topic")
	}
}

// storeContext returns the context of one store call.
func (in *Ingester) storeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(in.ctx, in.timeout)
}

func (in *Ingester) notifyStored(rec string) {
	if in.notify != nil {
		in.notify(rec)
	}
}

// sendAck publishes an ack to box. A lost ack costs only a resend, which is
// acknowledged again, so a failure is logged and not retried.
func (in *Ingester) sendAck(box string, ack protocol.Ack) {
	payload, err := protocol.EncodeAck(ack)
	if err == nil {
		err = in.sub.Publish(protocol.AckTopic(box), payload, false, 1)
	}
	if err != nil {
		in.logTransient("ack not sent, box will resend", "box_id", box, "recording_id", ack.RecordingID, "error", err)
	}
}

// logTransient logs an error that may repeat for every message while its
// cause lasts. It writes at most one line per second (transientLog) and adds
// the count of the lines it dropped since the last one.
func (in *Ingester) logTransient(msg string, args ...any) {
	ok, suppressed := in.transientLog.allow()
	if !ok {
		return
	}
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	in.log.Error(msg, args...)
}
