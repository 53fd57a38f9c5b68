//go:build unix

package atomicfile

import (
	"io/fs"
	"os"
	"syscall"
)

// closeBeforeRename is false: the temporary file stays open, and locked,
// until it has its final name.
const closeBeforeRename = false

// lock takes an exclusive lock on f, which the kernel drops when the
// process ends however it ends.
func lock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// removeIfUnlocked removes the file at path when no process holds a lock
// on it and it is still the file described by info.
func removeIfUnlocked(path string, info fs.FileInfo) bool {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if lock(f) != nil {
		return false // a live writer holds it
	}
	st, err := f.Stat()
	if err != nil || !os.SameFile(st, info) {
		return false
	}
	return os.Remove(path) == nil
}
