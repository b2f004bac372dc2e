package auth

import (
	"testing"
	"time"
)

// FuzzCodeInput feeds typed codes and cookie values to the parsers that
// see them before any check, which must reject anything malformed without panicking.
func FuzzCodeInput(f *testing.F) {
	for _, seed := range []string{"", "123456", "12345", "1234567", "12a456", "１２３４５６", "AAAA-BBBB-CCCC-DDDD", "aaaa bbbb cccc dddd", "\x00\xff"} {
		f.Add(seed)
	}
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)

	f.Fuzz(func(t *testing.T, input string) {
		if _, ok := matchTOTP(secret, input, now); ok {
			if len(input) != 6 {
				t.Errorf("matchTOTP accepted %q, which is not six digits", input)
			}
			for _, r := range input {
				if r < '0' || r > '9' {
					t.Errorf("matchTOTP accepted %q, which is not six digits", input)
				}
			}
		}
		if code, ok := normalizeRecoveryCode(input); ok && len(code) != 16 {
			t.Errorf("normalizeRecoveryCode(%q) = %q, want 16 characters", input, code)
		}
		validToken(input)
	})
}
