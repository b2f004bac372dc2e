package sim

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/hal/halconformance"
)

func quietBoard() *Board {
	return NewBoard(&Options{Logger: slog.New(slog.DiscardHandler)})
}

func TestConformance(t *testing.T) {
	t.Run("microphone", func(t *testing.T) {
		halconformance.TestMicrophone(t, func(t *testing.T) hal.Microphone {
			m, err := ReadWAVMicrophone(bytes.NewReader(wavBytes(t, ramp(16000, 2), 16000, 2)), nil)
			if err != nil {
				t.Fatal(err)
			}
			return m
		})
	})
	t.Run("button", func(t *testing.T) {
		halconformance.TestButton(t, func(*testing.T) hal.Button { return quietBoard().Green() })
	})
	t.Run("led", func(t *testing.T) {
		halconformance.TestLED(t, func(*testing.T) hal.LED { return quietBoard().StatusLED() })
	})
	t.Run("badge_reader", func(t *testing.T) {
		halconformance.TestBadgeReader(t, func(*testing.T) hal.BadgeReader { return quietBoard().Reader() })
	})
}
