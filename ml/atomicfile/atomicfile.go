// Package atomicfile writes files so that a reader never sees half of one:
// the data go to a temporary file in the same folder, which is synced and
// then renamed over the target (and the folder synced, so the rename
// survives a crash). A failure leaves the target as it was and removes the
// temporary file.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces the file at path with data, atomically, with mode 0644.
// Errors are those of the file system (a missing or read-only folder gives
// an error wrapping os.ErrNotExist or os.ErrPermission).
func Write(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, e := os.Open(dir); e == nil { // make the rename durable
		d.Sync()
		d.Close()
	}
	return nil
}
