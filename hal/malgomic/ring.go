package malgomic

import "sync"

// ring is a bounded buffer of interleaved samples between the audio
// callback, which must not wait for the reader, and Read, which blocks
// until audio is there. When the buffer is full the newest samples are dropped and
// counted, because the callback cannot wait for a slow reader.
type ring struct {
	channels int

	mu        sync.Mutex
	cond      *sync.Cond
	buf       []int16
	start     int // index of the oldest sample
	size      int // samples held
	dropped   uint64
	active    bool  // between start and stop; read returns at once when false
	closedErr error // returned by read once the buffer is empty, such as hal.ErrDisconnected
}

func newRing(frames, channels int) *ring {
	r := &ring{channels: channels, buf: make([]int16, frames*channels)}
	r.cond = sync.NewCond(&r.mu)
	return r
}

// write appends whole frames and returns how many samples it dropped
// because the buffer was full. Between end and begin it discards
// everything without counting it.
func (r *ring) write(samples []int16) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.active {
		return 0
	}

	free := len(r.buf) - r.size
	n := min(len(samples), free)
	n -= n % r.channels
	end := (r.start + r.size) % len(r.buf)
	first := copy(r.buf[end:], samples[:n])
	copy(r.buf, samples[first:n])
	r.size += n

	dropped := len(samples) - n
	r.dropped += uint64(dropped)
	if n > 0 {
		r.cond.Broadcast()
	}
	return dropped
}

// read moves whole frames into buf, blocking until at least one frame is
// there, stop is called or the ring is closed. It returns 0 samples at once
// while the ring is stopped.
func (r *ring) read(buf []int16) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()

	for r.size == 0 {
		switch {
		case r.closedErr != nil:
			return 0, r.closedErr
		case !r.active:
			return 0, nil
		}
		r.cond.Wait()
	}

	n := min(len(buf), r.size)
	n -= n % r.channels
	first := copy(buf[:n], r.buf[r.start:min(r.start+n, len(r.buf))])
	copy(buf[first:n], r.buf[:n-first])
	r.start = (r.start + n) % len(r.buf)
	r.size -= n
	return n, nil
}

// begin discards what the ring holds and lets read wait for audio.
func (r *ring) begin() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.start, r.size = 0, 0
	r.active = true
}

// end discards what the ring holds and makes read return 0 samples, now
// and until begin. Audio written meanwhile is discarded.
func (r *ring) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.start, r.size = 0, 0
	r.active = false
	r.cond.Broadcast()
}

// close makes read return err once the buffer is empty. The first error wins.
func (r *ring) close(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closedErr == nil {
		r.closedErr = err
	}
	r.cond.Broadcast()
}

// droppedSamples returns how many samples write has dropped so far.
func (r *ring) droppedSamples() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped
}
