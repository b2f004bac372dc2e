// Package auth stores the web UI's accounts and sessions and checks
// sign-in with a password and a TOTP code.
//
// Accounts live in their own SQLite file. Passwords are stored as argon2id
// hashes with their parameters. TOTP secrets are sealed with an AEAD that
// the caller supplies, so the file alone never reveals them. Recovery codes
// are stored as SHA-256 hashes and each works once. Failed attempts are
// counted per user name, whether or not an account has that name, so a
// lockout reveals nothing about which accounts exist.
//
// A session starts when the password is right, but it grants nothing until
// the second factor has passed. Passing it replaces the session token, so a
// token seen before sign-in is worthless after it. Tokens are 256-bit
// random values and only their SHA-256 hashes are stored.
//
// Only the web UI and the service assembly import this package.
package auth
