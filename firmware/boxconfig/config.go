package boxconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// Limits of a configuration.
const (
	// MaxConfigSize is the maximum size of config.json in bytes. Ten
	// thousand badges take about 500 KiB.
	MaxConfigSize = 1 << 20
	// MaxBadges is the maximum number of badges in one box's configuration.
	MaxBadges = 10000
	// MinConsentTimeout and MaxConsentTimeout bound how long the box waits
	// for the client's yes or no.
	MinConsentTimeout = 5 * time.Second
	MaxConsentTimeout = 10 * time.Minute
	// DefaultConsentTimeout is the timeout fleet writes when IT gives none.
	DefaultConsentTimeout = 60 * time.Second
)

// Config is a box's configuration, signed by IT.
type Config struct {
	// Version counts the configurations signed for this box, from 1.
	Version        int       `json:"version"`
	BoxID          string    `json:"box_id"`
	IssuedAt       time.Time `json:"issued_at"`
	Board          string    `json:"board"`
	ConsentTimeout Duration  `json:"consent_timeout"`
	Badges         []Badge   `json:"badges"`
	// CaseworkerDirection is the direction of the caseworker's chair in
	// degrees counter-clockwise from the board's X axis, or nil when unknown.
	CaseworkerDirection *float64 `json:"caseworker_direction,omitempty"`
}

// Badge maps a staff card to a badge id.
type Badge struct {
	// UID is the card's ISO 14443 UID as lowercase hex: 4, 7 or 10 bytes.
	UID string `json:"uid"`
	// ID is the badge id the box reports in a recording's metadata. It is
	// not a person's name: the central service maps badge ids to caseworkers.
	ID string `json:"id"`
}

// Duration is a time.Duration that encodes in JSON as a string such as "60s".
type Duration time.Duration

// MarshalJSON encodes d as a time.Duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON decodes a string that time.ParseDuration accepts.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("invalid duration %s: use a string such as \"60s\"", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q: use a string such as \"60s\"", s)
	}
	*d = Duration(v)
	return nil
}

// LogValue logs the version, box id, board and badge count, but not the
// badges themselves.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("version", c.Version),
		slog.String("box_id", c.BoxID),
		slog.String("board", c.Board),
		slog.Int("badges", len(c.Badges)),
	)
}

// BadgeMap returns the badges as a map from card UID to badge id.
func (c *Config) BadgeMap() map[string]string {
	m := make(map[string]string, len(c.Badges))
	for _, b := range c.Badges {
		m[b.UID] = b.ID
	}
	return m
}

// Validate checks every field of c against the limits of this package.
func (c *Config) Validate() error {
	if c.Version < 1 {
		return fmt.Errorf("invalid version %d: versions count from 1", c.Version)
	}
	if err := protocol.CheckID("box id", c.BoxID); err != nil {
		return err
	}
	if c.IssuedAt.IsZero() {
		return errors.New("missing issued_at time")
	}
	if err := protocol.CheckID("board", c.Board); err != nil {
		return err
	}
	if d := c.CaseworkerDirection; d != nil && !(*d >= 0 && *d < 360) {
		return fmt.Errorf("invalid caseworker direction %v: use 0 to 360 degrees", *d)
	}
	if t := time.Duration(c.ConsentTimeout); t < MinConsentTimeout || t > MaxConsentTimeout {
		return fmt.Errorf("invalid consent timeout %s: use %s to %s", t, MinConsentTimeout, MaxConsentTimeout)
	}
	if len(c.Badges) > MaxBadges {
		return fmt.Errorf("%d badges exceed the limit of %d per box", len(c.Badges), MaxBadges)
	}

	seen := make(map[string]bool, len(c.Badges))
	for i, b := range c.Badges {
		if err := CheckBadgeUID(b.UID); err != nil {
			return fmt.Errorf("badge %d: %w", i, err)
		}
		if err := protocol.CheckID("badge id", b.ID); err != nil {
			return fmt.Errorf("badge %d: %w", i, err)
		}
		if seen[b.UID] {
			return fmt.Errorf("badge %d: card UID %s is listed twice: give each card one badge id", i, b.UID)
		}
		seen[b.UID] = true
	}
	return nil
}

// CheckBadgeUID returns an error unless uid is a card UID of 4, 7 or 10
// bytes written as lowercase hex, the UID sizes of ISO 14443-3.
func CheckBadgeUID(uid string) error {
	if n := len(uid); n != 8 && n != 14 && n != 20 {
		return fmt.Errorf("invalid card UID %q: use 8, 14 or 20 lowercase hex digits (a 4, 7 or 10 byte UID)", uid)
	}
	for i := 0; i < len(uid); i++ {
		c := uid[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return fmt.Errorf("invalid card UID %q: use lowercase hex digits 0-9 and a-f only", uid)
		}
	}
	return nil
}

// ParseConfig decodes and validates config.json. It rejects unknown
// fields, trailing data and anything over MaxConfigSize. ParseConfig does
// not check a signature: the box calls Enrollment.VerifyConfig.
func ParseConfig(data []byte) (*Config, error) {
	if len(data) > MaxConfigSize {
		return nil, fmt.Errorf("invalid configuration: %d bytes exceed the limit of %d", len(data), MaxConfigSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid configuration: data after the JSON object")
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	return &c, nil
}

// sortBadges orders badges by UID so that equal configurations encode to
// equal bytes.
func sortBadges(badges []Badge) []Badge {
	out := append([]Badge{}, badges...)
	slices.SortFunc(out, func(a, b Badge) int {
		switch {
		case a.UID < b.UID:
			return -1
		case a.UID > b.UID:
			return 1
		}
		return 0
	})
	return out
}
