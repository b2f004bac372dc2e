package broker

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// listener is a mochi-mqtt listener that completes the TLS handshake before
// it hands a connection to the broker, so a failed handshake is logged with
// its reason. A deadline bounds the handshake and the CONNECT packet; the
// broker replaces it with the keepalive deadline once the client is
// connected.
type listener struct {
	id             string
	addr           string
	tls            *tls.Config
	connectTimeout time.Duration
	log            *slog.Logger

	mu     sync.Mutex
	ln     net.Listener
	closed atomic.Bool
}

var _ listeners.Listener = (*listener)(nil)

func (l *listener) ID() string { return l.id }

func (l *listener) Protocol() string {
	if l.tls != nil {
		return "tls"
	}
	return "tcp"
}

func (l *listener) Address() string {
	if a := l.boundAddr(); a != nil {
		return a.String()
	}
	return l.addr
}

func (l *listener) boundAddr() net.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()

	if l.ln == nil {
		return nil
	}
	return l.ln.Addr()
}

// Init binds the address. The broker calls it when the listener is added.
func (l *listener) Init(*slog.Logger) error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return err
	}

	l.mu.Lock()
	l.ln = ln
	l.mu.Unlock()
	return nil
}

// Serve accepts connections until Close. Accept errors other than a closed
// listener (such as running out of file descriptors) are logged and retried
// with a growing delay, as net/http does.
func (l *listener) Serve(establish listeners.EstablishFn) {
	var delay time.Duration
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			if l.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			l.log.Error("mqtt accept failed", "error", err, "retry_in", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0

		go l.handle(conn, establish)
	}
}

func (l *listener) handle(conn net.Conn, establish listeners.EstablishFn) {
	remote := conn.RemoteAddr().String()
	if err := conn.SetDeadline(time.Now().Add(l.connectTimeout)); err != nil {
		l.log.Warn("mqtt connection dropped", "remote", remote, "error", err)
		conn.Close()
		return
	}

	if l.tls != nil {
		tc := tls.Server(conn, l.tls)
		ctx, cancel := context.WithTimeout(context.Background(), l.connectTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			l.log.Warn("tls handshake failed", "remote", remote, "error", err)
			tc.Close()
			return
		}
		conn = tc
	}

	if l.closed.Load() {
		conn.Close()
		return
	}

	// establish returns when the client disconnects, with the cause as error.
	if err := establish(l.id, conn); err != nil {
		l.log.Debug("mqtt connection closed", "remote", remote, "error", err)
	}
}

// Close stops accepting, then closes the connected clients through
// closeClients.
func (l *listener) Close(closeClients listeners.CloseFn) {
	if !l.closed.CompareAndSwap(false, true) {
		return
	}

	l.mu.Lock()
	ln := l.ln
	l.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	closeClients(l.id)
}
