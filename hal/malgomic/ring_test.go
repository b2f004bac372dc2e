package malgomic

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/hal"
)

func TestRingWrapsAround(t *testing.T) {
	r := newRing(4, 2) // 8 samples
	r.begin()
	if dropped := r.write([]int16{1, 2, 3, 4, 5, 6}); dropped != 0 {
		t.Fatalf("write() dropped %d, want 0", dropped)
	}

	buf := make([]int16, 4)
	n, err := r.read(buf)
	if err != nil || n != 4 {
		t.Fatalf("read() = %d, %v; want 4, nil", n, err)
	}
	if diff := cmp.Diff([]int16{1, 2, 3, 4}, buf[:n]); diff != "" {
		t.Errorf("first read (-want +got):\n%s", diff)
	}

	// 2 samples left at the end; 6 more wrap around the end of the buffer.
	if dropped := r.write([]int16{7, 8, 9, 10, 11, 12}); dropped != 0 {
		t.Fatalf("write() dropped %d, want 0", dropped)
	}
	buf = make([]int16, 16)
	n, err = r.read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int16{5, 6, 7, 8, 9, 10, 11, 12}, buf[:n]); diff != "" {
		t.Errorf("read across the wrap (-want +got):\n%s", diff)
	}
}

func TestRingDropsWhenFull(t *testing.T) {
	r := newRing(2, 2) // 4 samples
	r.begin()
	if dropped := r.write([]int16{1, 2, 3, 4, 5, 6}); dropped != 2 {
		t.Errorf("write() of 6 samples into 4 dropped %d, want 2", dropped)
	}
	if got := r.droppedSamples(); got != 2 {
		t.Errorf("droppedSamples() = %d, want 2", got)
	}
	buf := make([]int16, 8)
	n, _ := r.read(buf)
	if diff := cmp.Diff([]int16{1, 2, 3, 4}, buf[:n]); diff != "" {
		t.Errorf("kept samples (-want +got):\n%s", diff)
	}
}

func TestRingReadsWholeFrames(t *testing.T) {
	r := newRing(4, 2)
	r.begin()
	r.write([]int16{1, 2, 3, 4})
	buf := make([]int16, 3) // room for one and a half frames
	n, err := r.read(buf)
	if err != nil || n != 2 {
		t.Errorf("read() into 3 samples = %d, %v; want 2, nil", n, err)
	}
}

func TestRingReadBlocksUntilWrite(t *testing.T) {
	r := newRing(4, 1)
	r.begin()
	got := make(chan []int16, 1)
	go func() {
		buf := make([]int16, 4)
		n, _ := r.read(buf)
		got <- buf[:n]
	}()

	r.write([]int16{42})
	select {
	case samples := <-got:
		if diff := cmp.Diff([]int16{42}, samples); diff != "" {
			t.Errorf("read (-want +got):\n%s", diff)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("read() still blocked 5 s after a write")
	}
}

func TestRingEndUnblocksRead(t *testing.T) {
	r := newRing(4, 1)
	r.begin()
	done := make(chan error, 1)
	go func() {
		n, err := r.read(make([]int16, 4))
		if n != 0 {
			err = errors.New("read returned samples")
		}
		done <- err
	}()
	r.end()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("read() after end = %v, want 0 samples and nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("read() still blocked 5 s after end")
	}
}

func TestRingCloseDrainsFirst(t *testing.T) {
	r := newRing(4, 1)
	r.begin()
	r.write([]int16{1, 2})
	r.close(hal.ErrDisconnected)
	r.close(hal.ErrClosed) // the first error wins

	buf := make([]int16, 4)
	if n, err := r.read(buf); n != 2 || err != nil {
		t.Errorf("read() after close with audio left = %d, %v; want 2, nil", n, err)
	}
	if _, err := r.read(buf); !errors.Is(err, hal.ErrDisconnected) {
		t.Errorf("read() after close = %v, want hal.ErrDisconnected", err)
	}
}

func TestRingBeginDiscards(t *testing.T) {
	r := newRing(4, 1)
	r.begin()
	r.write([]int16{1, 2, 3})
	r.end()
	r.begin()
	r.write([]int16{9})
	buf := make([]int16, 4)
	n, _ := r.read(buf)
	if diff := cmp.Diff([]int16{9}, buf[:n]); diff != "" {
		t.Errorf("read after begin (-want +got):\n%s", diff)
	}
}

// BenchmarkRing measures moving one 10 ms callback of 2-channel 16 kHz
// audio through the ring.
func BenchmarkRing(b *testing.B) {
	r := newRing(32000, 2)
	r.begin()
	in := make([]int16, 320)
	out := make([]int16, 320)
	b.ReportAllocs()
	for b.Loop() {
		r.write(in)
		r.read(out)
	}
}

func TestRingEndDiscards(t *testing.T) {
	r := newRing(4, 1)
	r.begin()
	r.write([]int16{1, 2})
	r.end()
	if dropped := r.write([]int16{3}); dropped != 0 {
		t.Errorf("write() after end dropped %d, want 0: it is discarded, not an overrun", dropped)
	}
	if n, err := r.read(make([]int16, 4)); n != 0 || err != nil {
		t.Errorf("read() after end = %d, %v; want 0, nil", n, err)
	}
}

func TestRingClosedAfterEnd(t *testing.T) {
	r := newRing(4, 1)
	r.begin()
	r.write([]int16{1, 2})
	r.close(hal.ErrClosed)
	r.end()
	if _, err := r.read(make([]int16, 4)); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("read() after close and end = %v, want hal.ErrClosed", err)
	}
}
