//go:build !unix

package centralsvc

import "os"

// lockDataDir does nothing on systems without flock; the service is built
// for Debian, where lock_unix.go takes the lock.
func lockDataDir(string) (*os.File, error) { return nil, nil }
