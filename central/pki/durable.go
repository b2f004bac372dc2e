package pki

import (
	"os"

	"github.com/ordagrann/ordagrann/internal/durable"
)

// writeFile writes data to path durably (see internal/durable). When
// overwrite is false and path exists, it returns an error wrapping
// os.ErrExist and leaves the existing file unchanged.
func writeFile(path string, data []byte, perm os.FileMode, overwrite bool) error {
	if overwrite {
		return durable.WriteFile(path, data, perm)
	}
	return durable.Create(path, data, perm)
}

// WriteFile replaces path with data durably: after a crash the file has
// either its old content or all of data.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return writeFile(path, data, perm, true)
}
