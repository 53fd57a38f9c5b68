// Package atomicfile writes files so that a reader never sees half of one:
// the data go to a temporary file in the same folder, which is synced and
// then renamed over the target (and the folder synced, so the rename
// survives a crash). A failure leaves the target as it was and removes the
// temporary file. WriteFiles does the same for files that belong together
// (a projector's vectors and metadata): either all are replaced or none.
//
// Temporary files are named "." + the target's name + ".tmp" + digits, and
// are held under an exclusive lock (flock) while they are written. A
// process killed in the middle of a write leaves its temporary file behind;
// every write removes such leftovers from its folder (see Clean).
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// staleAfter is how old an unlocked temporary file must be before Clean
// removes it: between os.CreateTemp and the lock that follows it there is
// a moment when a live writer's file is not locked yet.
const staleAfter = time.Minute

// Write replaces the file at path with data, atomically, with mode 0644.
// Leftover temporary files of interrupted writes in the same folder are
// removed first (see Clean). Errors are those of the file system (a missing
// or read-only folder gives an error wrapping os.ErrNotExist or
// os.ErrPermission).
func Write(path string, data []byte) error {
	return WriteFiles([]File{{Path: path, Data: data}})
}

// File is one file of WriteFiles.
type File struct {
	Path string
	Data []byte
}

// WriteFiles replaces every file of files (with mode 0644) so that a failure
// leaves all of them as they were: every new file is first written and
// synced as a temporary file beside its target, then an existing target is
// kept as a hard-linked backup while the temporary files are renamed over
// the targets one after the other; when a rename fails, the targets already
// replaced get their backups back (or are removed when they did not exist).
// A crash of the whole machine between two renames can still leave a mix,
// which readers detect by a shared token (see dataset.WriteTSVPair).
func WriteFiles(files []File) (err error) {
	for _, f := range files {
		Clean(filepath.Dir(f.Path))
	}
	temps := make([]*os.File, 0, len(files))
	defer func() {
		for _, t := range temps {
			t.Close()
			if err != nil {
				os.Remove(t.Name())
			}
		}
	}()
	for _, f := range files {
		t, err := writeTemp(f)
		if t != nil {
			temps = append(temps, t)
		}
		if err != nil {
			return err
		}
	}
	if len(files) == 1 {
		return commit(temps[0], files[0].Path)
	}
	backups := make([]string, len(files)) // "" where the target did not exist
	var held []*os.File                   // the backups, locked against Clean
	defer func() {
		for _, b := range backups {
			if b != "" {
				os.Remove(b)
			}
		}
		for _, h := range held {
			h.Close()
		}
	}()
	for i, f := range files {
		if backups[i], err = backup(f.Path); err != nil {
			return err
		}
		if backups[i] != "" {
			if h, err := os.Open(backups[i]); err == nil {
				lock(h) // best effort: another writer may back up the same file
				held = append(held, h)
			}
		}
	}
	for i, f := range files {
		if err = commit(temps[i], f.Path); err != nil {
			rollback(files[:i], backups[:i])
			return err
		}
	}
	return nil
}

// writeTemp writes f.Data to a new, locked temporary file beside f.Path
// and syncs it. It returns the open file, also with an error.
func writeTemp(f File) (*os.File, error) {
	t, err := os.CreateTemp(filepath.Dir(f.Path), tempPrefix(f.Path)+"*")
	if err != nil {
		return nil, err
	}
	if err := lock(t); err != nil {
		return t, err
	}
	if _, err := t.Write(f.Data); err != nil {
		return t, err
	}
	if err := t.Chmod(0o644); err != nil {
		return t, err
	}
	return t, t.Sync()
}

// commit renames the temporary file t over path and syncs the folder.
func commit(t *os.File, path string) error {
	if closeBeforeRename {
		if err := t.Close(); err != nil {
			return err
		}
	}
	if err := os.Rename(t.Name(), path); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// backup links an existing regular file at path to a temporary name and
// returns that name ("" when there is no file at path).
func backup(path string) (string, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file: choose another name", path)
	}
	for range 10 {
		name := filepath.Join(filepath.Dir(path), fmt.Sprintf("%s%d", tempPrefix(path), time.Now().UnixNano()%1e9))
		err = os.Link(path, name)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("cannot keep a backup of %s while its companion files are written (the file system has no hard links?): %w", path, err)
		}
	}
	return "", err
}

// rollback puts back the backups of files already replaced.
func rollback(files []File, backups []string) {
	for i, f := range files {
		if backups[i] == "" {
			os.Remove(f.Path)
			continue
		}
		if os.Rename(backups[i], f.Path) == nil {
			backups[i] = ""
		}
	}
}

// syncDir makes renames in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// tempPrefix is the start of the name of path's temporary files.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp" }

// IsTempName reports whether name (a base name) has the exact form of this
// package's temporary files: "." + a non-empty name + ".tmp" + 1 to 20
// decimal digits.
func IsTempName(name string) bool {
	i := strings.LastIndex(name, ".tmp")
	if i < 2 || name[0] != '.' {
		return false
	}
	digits := name[i+len(".tmp"):]
	if len(digits) == 0 || len(digits) > 20 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Clean removes from dir the temporary files that interrupted writes left
// behind: regular files whose names have the exact form of IsTempName,
// that no live writer holds locked, and that were last changed more than a
// minute ago. It returns the names removed; errors of listing dir are
// returned, a file that cannot be removed is skipped.
func Clean(dir string) (removed []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsTempName(e.Name()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < staleAfter {
			continue
		}
		if removeIfUnlocked(path, info) {
			removed = append(removed, e.Name())
		}
	}
	return removed, nil
}
