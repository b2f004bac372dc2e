package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Action is the kind of access an entry records.
type Action string

// Actions. Content actions (read, edit, copy, export, search, delete,
// register_extract) touch a recording's audio, transcript, summary or the
// replies to questions about it.
const (
	ActionRead            Action = "read"
	ActionEdit            Action = "edit"
	ActionCopy            Action = "copy"
	ActionExport          Action = "export"
	ActionSearch          Action = "search"
	ActionDelete          Action = "delete"
	ActionWithdraw        Action = "withdraw"
	ActionWipe            Action = "wipe"
	ActionRegisterExtract Action = "register_extract"
	ActionLogin           Action = "login"
	ActionLoginFailed     Action = "login_failed"
	ActionLogout          Action = "logout"
	ActionAdmin           Action = "admin"
	ActionBoxCommand      Action = "box_command"
	ActionAuditExport     Action = "audit_export"
	ActionAuditPrune      Action = "audit_prune"
)

var actions = []Action{
	ActionRead, ActionEdit, ActionCopy, ActionExport, ActionSearch, ActionDelete, ActionWithdraw,
	ActionWipe, ActionRegisterExtract, ActionLogin, ActionLoginFailed, ActionLogout, ActionAdmin,
	ActionBoxCommand, ActionAuditExport, ActionAuditPrune,
}

// Actions returns every known action.
func Actions() []Action { return slices.Clone(actions) }

// TouchesContent reports whether a is a read or change of a recording's content.
func (a Action) TouchesContent() bool {
	switch a {
	case ActionRead, ActionEdit, ActionCopy, ActionExport, ActionSearch, ActionDelete, ActionRegisterExtract:
		return true
	}
	return false
}

// Role is the role the actor acted in.
type Role string

// Roles.
const (
	RoleCaseworker Role = "caseworker"
	RoleManager    Role = "manager"
	RoleAuditor    Role = "auditor"
	RoleIT         Role = "it"
	RoleClient     Role = "client" // a client acting on the box, such as withdrawing consent
	RoleBox        Role = "box"
	RoleSystem     Role = "system" // the service itself, such as the scheduled wipe
	// RoleUnknown is an actor that could not be identified, such as a
	// failed sign-in with a user name that no account has.
	RoleUnknown Role = "unknown"
)

var roles = []Role{RoleCaseworker, RoleManager, RoleAuditor, RoleIT, RoleClient, RoleBox, RoleSystem, RoleUnknown}

// Entry is one access-log entry. It identifies who did what to which
// recording from which device, and never holds content: Detail values are
// single tokens (ids, numbers, times, lists joined by commas), so no
// sentence of a transcript fits in one.
type Entry struct {
	// Seq is the entry's position in the chain, from 1. Append assigns it.
	Seq uint64 `json:"seq"`
	// Time is when the action happened. Append sets it from the log's clock when zero.
	Time time.Time `json:"time"`
	// Actor is the person's user id, or "schedule", a box id or "system".
	Actor       string `json:"actor"`
	Role        Role   `json:"role"`
	Action      Action `json:"action"`
	RecordingID string `json:"recording_id,omitempty"`
	BoxID       string `json:"box_id,omitempty"`
	// Device is the tablet, browser session or box the action came from.
	Device string `json:"device,omitempty"`
	// Reason is the reason the actor gave, where one is asked for.
	Reason string            `json:"reason,omitempty"`
	Detail map[string]string `json:"detail,omitempty"`
}

// Limits of entry fields, in bytes.
const (
	MaxIDLen          = 128
	MaxReasonLen      = 500
	MaxDetailKeys     = 32
	MaxDetailValueLen = 64 << 10
)

var (
	idPattern          = regexp.MustCompile(`^[A-Za-z0-9._:@+-]*$`)
	detailKeyPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	detailValuePattern = regexp.MustCompile(`^[A-Za-z0-9._:,;+=@/-]*$`)
)

// ErrInvalidEntry is returned by Append for an entry that fails validation.
var ErrInvalidEntry = errors.New("invalid audit entry")

// Validate returns an error wrapping ErrInvalidEntry that names the first
// invalid field.
func (e Entry) Validate() error {
	if err := e.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidEntry, err)
	}
	return nil
}

func (e Entry) validate() error {
	if e.Actor == "" {
		return errors.New("missing actor")
	}
	for _, f := range []struct{ name, v string }{
		{"actor", e.Actor}, {"recording id", e.RecordingID}, {"box id", e.BoxID}, {"device", e.Device},
	} {
		if len(f.v) > MaxIDLen || !idPattern.MatchString(f.v) {
			return fmt.Errorf("invalid %s %q: use at most %d letters, digits and . _ : @ + -", f.name, f.v, MaxIDLen)
		}
	}
	if !slices.Contains(roles, e.Role) {
		return fmt.Errorf("unknown role %q", e.Role)
	}
	if !slices.Contains(actions, e.Action) {
		return fmt.Errorf("unknown action %q", e.Action)
	}
	if err := checkReason(e.Reason); err != nil {
		return err
	}
	return checkDetail(e.Detail)
}

func checkReason(r string) error {
	if len(r) > MaxReasonLen {
		return fmt.Errorf("reason of %d bytes is longer than %d", len(r), MaxReasonLen)
	}
	if !utf8.ValidString(r) {
		return errors.New("reason is not valid UTF-8")
	}
	if strings.IndexFunc(r, func(c rune) bool { return !unicode.IsPrint(c) }) >= 0 {
		return errors.New("reason contains a control character or line break")
	}
	return nil
}

func checkDetail(d map[string]string) error {
	if len(d) > MaxDetailKeys {
		return fmt.Errorf("detail has %d keys, more than %d", len(d), MaxDetailKeys)
	}
	for k, v := range d {
		if !detailKeyPattern.MatchString(k) {
			return fmt.Errorf("invalid detail key %q: use snake_case of at most 40 characters", k)
		}
		if len(v) > MaxDetailValueLen {
			return fmt.Errorf("detail %s of %d bytes is longer than %d", k, len(v), MaxDetailValueLen)
		}
		if !detailValuePattern.MatchString(v) {
			return fmt.Errorf("invalid detail %s: a value is one token of letters, digits and . _ : , ; + = @ / - without spaces, never content", k)
		}
	}
	return nil
}

// hashSize is the size of a chain hash, SHA-256.
const hashSize = sha256.Size

// genesis is the hash that the first entry of a log links to.
var genesis = sha256.Sum256([]byte("ordagrann/v1/audit-genesis"))

// entryHash returns SHA-256 over a domain tag, the previous entry's hash and
// the canonical encoding of e. The sequence number is not hashed: the links
// fix each entry's place, which lets Verify tell a reordered entry from an
// edited one.
func entryHash(prev []byte, e *Entry) [hashSize]byte {
	h := sha256.New()
	h.Write([]byte("ordagrann/v1/audit-entry\x00"))
	h.Write(prev)
	h.Write(canonical(e))
	var out [hashSize]byte
	h.Sum(out[:0])
	return out
}

// canonical encodes e's fields other than Seq: the time as 8 bytes of Unix
// nanoseconds, big endian, then each string and each detail key and value
// (sorted by key) as a uvarint length and its bytes.
func canonical(e *Entry) []byte {
	n := 16 + len(e.Actor) + len(e.Role) + len(e.Action) + len(e.RecordingID) + len(e.BoxID) + len(e.Device) + len(e.Reason)
	b := make([]byte, 0, n+8*binary.MaxVarintLen64)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixNano()))
	for _, s := range []string{e.Actor, string(e.Role), string(e.Action), e.RecordingID, e.BoxID, e.Device, e.Reason} {
		b = appendString(b, s)
	}

	b = binary.AppendUvarint(b, uint64(len(e.Detail)))
	keys := make([]string, 0, len(e.Detail))
	for k := range e.Detail {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = appendString(b, k)
		b = appendString(b, e.Detail[k])
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
