package board

import (
	"testing"

	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/hal/halconformance"
)

func TestPinButtonConformance(t *testing.T) {
	halconformance.TestButton(t, func(t *testing.T) hal.Button {
		pin := newScriptPin()
		b, err := NewPinButton(pin, &ButtonOptions{Now: pin.clock})
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}
