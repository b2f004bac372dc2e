//go:build linux

package board

import (
	"fmt"

	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"
)

// openGPIOButtons opens the green and red buttons on the profile's pins
// through periph.io's GPIO character device or bcm283x drivers.
func openGPIOButtons(p Profile) (*PinButton, *PinButton, error) {
	if _, err := host.Init(); err != nil {
		return nil, nil, fmt.Errorf("buttons: load GPIO drivers: %w", err)
	}

	open := func(color, name string) (*PinButton, error) {
		pin := gpioreg.ByName(name)
		if pin == nil {
			return nil, fmt.Errorf("%s button: GPIO pin %s not found: check the board profile and that /dev/gpiochip0 exists", color, name)
		}
		b, err := NewPinButton(pin, &ButtonOptions{LongPress: p.LongPress})
		if err != nil {
			return nil, fmt.Errorf("%s button: %w", color, err)
		}
		return b, nil
	}

	green, err := open("green", p.Pins.Green)
	if err != nil {
		return nil, nil, err
	}
	red, err := open("red", p.Pins.Red)
	if err != nil {
		green.Close()
		return nil, nil, err
	}
	return green, red, nil
}
