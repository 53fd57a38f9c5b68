//go:build !unix

package atomicfile

import (
	"io/fs"
	"os"
	"time"
)

// closeBeforeRename is true: without flock, an open file cannot be renamed
// everywhere.
const closeBeforeRename = true

// lock does nothing where flock is missing.
func lock(*os.File) error { return nil }

// removeIfUnlocked removes the file at path when it is more than an hour
// old: without flock, age is the only sign that its writer is gone.
func removeIfUnlocked(path string, info fs.FileInfo) bool {
	if time.Since(info.ModTime()) < time.Hour {
		return false
	}
	return os.Remove(path) == nil
}
