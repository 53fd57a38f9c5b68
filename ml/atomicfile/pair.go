package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WriteTemp writes data to a synced temporary file in path's folder and
// returns its name; the caller renames it into place (or removes it).
func WriteTemp(path string, data []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// RenamePair moves two written temporary files into place as a pair: the
// files at a and b (if any) are set aside under backup names, tmpA and
// tmpB renamed to a and b, then the backups removed. If a step fails, what
// was renamed is undone, so a and b are both the old files or both the
// new ones (short of a crash between two renames, after which the backups
// "<name>.bak*" are still beside them).
func RenamePair(tmpA, a, tmpB, b string) error {
	bakA, err := setAside(a)
	if err != nil {
		return err
	}
	bakB, err := setAside(b)
	if err != nil {
		restore(bakA, a)
		return err
	}
	if err := os.Rename(tmpA, a); err != nil {
		restore(bakA, a)
		restore(bakB, b)
		return err
	}
	if err := os.Rename(tmpB, b); err != nil {
		os.Remove(a)
		restore(bakA, a)
		restore(bakB, b)
		return err
	}
	for _, bak := range []string{bakA, bakB} {
		if bak != "" {
			os.Remove(bak)
		}
	}
	if d, e := os.Open(filepath.Dir(a)); e == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// setAside renames an existing file at path to a fresh backup name and
// returns it ("" when there was no file).
func setAside(path string) (string, error) {
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".bak*")
	if err != nil {
		return "", fmt.Errorf("cannot set %s aside: %w", path, err)
	}
	bak := f.Name()
	f.Close()
	if err := os.Rename(path, bak); err != nil {
		os.Remove(bak)
		return "", fmt.Errorf("cannot set %s aside: %w", path, err)
	}
	return bak, nil
}

func restore(bak, path string) {
	if bak != "" {
		os.Rename(bak, path)
	}
}
