//go:build tools

// Package deps pins modules that the project uses, so `go mod tidy` keeps
// their versions in go.mod before the code that imports them lands.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/eclipse/paho.mqtt.golang"
	_ "github.com/gen2brain/malgo"
	_ "github.com/go-audio/wav"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/google/uuid"
	_ "github.com/kljensen/snowball"
	_ "github.com/mattn/go-sqlite3"
	_ "github.com/maxhawkins/go-webrtcvad"
	_ "github.com/mewkiz/flac"
	_ "github.com/mochi-mqtt/server/v2"
	_ "github.com/personnummer/go/v3"
	_ "github.com/pquerna/otp/totp"
	_ "github.com/tink-crypto/tink-go/v2/hybrid"
	_ "gonum.org/v1/gonum/dsp/fourier"
	_ "gonum.org/v1/gonum/mat"
	_ "periph.io/x/conn/v3/gpio"
	_ "periph.io/x/host/v3"
)
