package sim

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// maxLine is the longest control line accepted, in bytes.
const maxLine = 1024

// maxConnections is how many control socket clients may be connected at once.
const maxConnections = 8

const helpReply = "ok commands: g|green, r|red, R|long, b|badge <hex-uid>, state, help"

// Command runs one control line and returns the reply line without its
// newline. A blank line returns "".
func (b *Board) Command(line string) string {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return ""
	}

	name, args := fields[0], fields[1:]
	if name != "R" {
		name = strings.ToLower(name)
	}
	if name != "b" && name != "badge" && len(args) > 0 {
		return fmt.Sprintf("error: %s takes no arguments", name)
	}

	var err error
	switch name {
	case "g", "green":
		err = b.PressGreen()
	case "r", "red":
		err = b.PressRed()
	case "R", "long":
		err = b.LongPressRed()
	case "b", "badge":
		err = b.tapHex(args)
	case "state":
		return "led=" + b.LED().String()
	case "help":
		return helpReply
	default:
		return fmt.Sprintf("error: unknown command %q: send help for the list", fields[0])
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}

func (b *Board) tapHex(args []string) error {
	if len(args) != 1 {
		return errors.New("badge needs one card uid in hex, such as: badge 04a1b2c3")
	}
	uid, err := hex.DecodeString(args[0])
	if err != nil || len(uid) == 0 {
		return fmt.Errorf("invalid card uid %q: use hex digits, such as 04a1b2c3", args[0])
	}
	if len(uid) > 10 {
		return fmt.Errorf("invalid card uid %q: %d bytes, a card uid has 4, 7 or 10", args[0], len(uid))
	}
	return b.TapBadge(uid)
}

// ServeLines reads control lines from r until EOF and writes one reply line
// per command to w. It does not watch a context because a read from a
// terminal cannot be interrupted; close r to stop it.
func (b *Board) ServeLines(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxLine)
	for sc.Scan() {
		reply := b.Command(sc.Text())
		if reply == "" {
			continue
		}
		if _, err := io.WriteString(w, reply+"\n"); err != nil {
			return fmt.Errorf("write control reply: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			io.WriteString(w, fmt.Sprintf("error: line longer than %d bytes\n", maxLine))
		}
		return fmt.Errorf("read control line: %w", err)
	}
	return nil
}

// ControlServer serves the control protocol on a Unix socket.
type ControlServer struct {
	board *Board
	path  string
	ln    *net.UnixListener
	wg    sync.WaitGroup
	slots chan struct{}

	mu     sync.Mutex // guards conns and closed
	conns  map[net.Conn]struct{}
	closed bool
}

// ListenControl creates a Unix socket at path, readable and writable only
// by the owner (mode 0600), and serves the control protocol on it until
// Close. A stale socket left at path by a crash is replaced; a socket that
// another process still serves is not.
func (b *Board) ListenControl(path string) (*ControlServer, error) {
	if conn, err := net.Dial("unix", path); err == nil {
		conn.Close()
		return nil, fmt.Errorf("listen on control socket %s: another process serves it", path)
	}

	ln, err := listenPrivate(path)
	if err != nil {
		return nil, err
	}

	s := &ControlServer{
		board: b,
		path:  path,
		ln:    ln,
		slots: make(chan struct{}, maxConnections),
		conns: make(map[net.Conn]struct{}),
	}
	s.wg.Add(1)
	go s.accept()
	b.log.Info("control socket listening", "path", path)
	return s, nil
}

// listenPrivate binds the socket in a new directory only the owner can
// enter, sets its mode to 0600 and renames it to path, so no other user can
// connect in the moment between bind and chmod.
func listenPrivate(path string) (*net.UnixListener, error) {
	dir, err := os.MkdirTemp(filepath.Dir(path), ".sim-control-")
	if err != nil {
		return nil, fmt.Errorf("listen on control socket %s: %w", path, err)
	}
	defer os.RemoveAll(dir)

	tmp := filepath.Join(dir, "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on control socket %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(false)

	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen on control socket %s: set mode: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen on control socket %s: %w", path, err)
	}
	return ln, nil
}

// Path returns the socket's path.
func (s *ControlServer) Path() string { return s.path }

func (s *ControlServer) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if !s.isClosed() {
				s.board.log.Error("control socket accept failed", "error", err)
			}
			return
		}

		select {
		case s.slots <- struct{}{}:
		default:
			io.WriteString(conn, fmt.Sprintf("error: more than %d control connections\n", maxConnections))
			conn.Close()
			continue
		}
		if !s.track(conn) {
			conn.Close()
			return
		}
		s.wg.Add(1)
		go s.serve(conn)
	}
}

func (s *ControlServer) serve(conn net.Conn) {
	defer s.wg.Done()
	defer func() { <-s.slots }()
	defer s.untrack(conn)
	defer conn.Close()

	if err := s.board.ServeLines(conn, conn); err != nil && !s.isClosed() {
		s.board.log.Warn("control connection failed", "error", err)
	}
}

func (s *ControlServer) track(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[conn] = struct{}{}
	return true
}

func (s *ControlServer) untrack(conn net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, conn)
}

func (s *ControlServer) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops accepting, closes open connections, waits for their
// handlers and removes the socket file.
func (s *ControlServer) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for conn := range s.conns {
		conn.Close()
	}
	s.mu.Unlock()

	err := s.ln.Close()
	s.wg.Wait()
	if rmErr := os.Remove(s.path); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
		err = errors.Join(err, rmErr)
	}
	if err != nil {
		return fmt.Errorf("close control socket %s: %w", s.path, err)
	}
	return nil
}
