package store

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The rule for stored user and engine text (segment edits, speaker names,
// thread messages): valid UTF-8 without C0 or C1 control characters other
// than line feed and tab, and without noncharacters. Spaces of every kind
// are allowed, such as U+00A0 no-break space and U+2028 line separator.
// Format characters are allowed too: soft hyphen, U+200B, the zero-width
// joiner of emoji sequences, and bidi marks, embeddings, overrides and
// isolates. So text that an engine wrote can be saved again unless it has
// a control character. A page that shows stored text must isolate it,
// because a bidi override may reorder what follows it.

// InvalidTextError is the error CheckText returns for a character that
// the rule for stored text rejects. It wraps ErrInvalid.
type InvalidTextError struct {
	Rune   rune // utf8.RuneError for bytes that are not valid UTF-8
	Offset int  // index of the character in the text, in characters from 0
}

func (e *InvalidTextError) Error() string {
	if e.Rune == utf8.RuneError {
		return fmt.Sprintf("text is not valid UTF-8 at character %d", e.Offset)
	}
	return fmt.Sprintf("text contains the character %U at character %d, which cannot be stored", e.Rune, e.Offset)
}

func (e *InvalidTextError) Unwrap() error { return ErrInvalid }

// CheckText returns an *InvalidTextError for the first character of text
// that the rule for stored text rejects, or nil.
func CheckText(text string) error {
	offset := 0
	for i, r := range text {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(text[i:]); size == 1 {
				return &InvalidTextError{Rune: utf8.RuneError, Offset: offset}
			}
		}
		if !TextRuneAllowed(r) {
			return &InvalidTextError{Rune: r, Offset: offset}
		}
		offset++
	}
	return nil
}

// TextRuneAllowed reports whether the rule for stored text allows r.
// U+FFFD is allowed, because engines write it for bytes they could not decode.
func TextRuneAllowed(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return true
	case r < 0x20 || (r >= 0x7f && r <= 0x9f):
		return false // C0 and C1 control characters, and DEL
	case r >= 0xd800 && r <= 0xdfff:
		return false // surrogates, which valid UTF-8 never contains
	case r >= 0xfdd0 && r <= 0xfdef:
		return false // noncharacters
	case r&0xfffe == 0xfffe:
		return false // U+FFFE, U+FFFF and the last two code points of every plane
	case r > utf8.MaxRune:
		return false
	}
	return true
}

// NormalizeNewlines turns the CRLF line breaks that browsers send, and lone
// carriage returns, into line feeds.
func NormalizeNewlines(text string) string {
	if !strings.Contains(text, "\r") {
		return text
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	return strings.ReplaceAll(text, "\r", "\n")
}

// ReplaceInvalidText returns text with every character that the rule for
// stored text rejects, and every byte that is not valid UTF-8, replaced
// by a space. Line breaks become line feeds first, so CheckText accepts
// the result.
func ReplaceInvalidText(text string) string {
	text = NormalizeNewlines(text)
	if CheckText(text) == nil {
		return text
	}

	var b strings.Builder
	b.Grow(len(text))
	for i, r := range text {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(text[i:]); size == 1 {
				b.WriteByte(' ')
				continue
			}
		}
		if !TextRuneAllowed(r) {
			b.WriteByte(' ')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
