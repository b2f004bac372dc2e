//go:build !linux

package board

import "errors"

// openGPIOButtons fails: periph.io's GPIO drivers need Linux.
func openGPIOButtons(p Profile) (*PinButton, *PinButton, error) {
	return nil, nil, errors.New("buttons: GPIO needs Linux: use the sim board")
}
