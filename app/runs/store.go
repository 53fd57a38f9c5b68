package runs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"embedscope/ml/atomicfile"
)

// File names inside a run's folder.
const (
	recordFile = "run.json"
	spaceFile  = "space.bin"
	modelFile  = "model.bin"
)

// maxRecordBytes caps run.json: a record holds settings, metrics and
// curves (a few thousand numbers), never megabytes; a larger file is not a
// record of ours and is not read into memory.
const maxRecordBytes = 16 << 20

// ErrNotFound is returned for a run ID the store does not hold.
var ErrNotFound = errors.New("no such run")

// Store is a folder of runs. Its methods may be called from several
// goroutines, and several processes may use one store: every file is
// replaced atomically, and each run is written by the process that made it.
type Store struct {
	Dir string
}

// DefaultDir is where runs are kept unless the user says otherwise:
// $EMBEDSCOPE_RUNS when set; else $XDG_DATA_HOME/embedscope/runs, or
// ~/.local/share/embedscope/runs on Linux and the BSDs; else the user's
// configuration folder (macOS, Windows) + embedscope/runs.
func DefaultDir() string {
	if d := os.Getenv("EMBEDSCOPE_RUNS"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "embedscope", "runs")
	}
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, ".local", "share", "embedscope", "runs")
		}
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "embedscope", "runs")
	}
	return filepath.Join(os.TempDir(), "embedscope-runs")
}

// Open returns the store in dir, creating the folder if needed.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, fmt.Errorf("no folder given for the runs")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot keep runs in %s: %w (choose another folder with --store or in Settings)", dir, err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("cannot keep runs in %s: it is not a folder", dir)
	}
	return &Store{Dir: dir}, nil
}

func (s *Store) path(id, file string) string { return filepath.Join(s.Dir, id, file) }

// List returns every run of the store, oldest first. A folder named like a
// run whose record cannot be read is listed with Status Damaged and the
// reason in Error; other entries of the folder are ignored.
func (s *Store) List() ([]Record, error) {
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("cannot read the runs in %s: %w", s.Dir, err)
	}
	var out []Record
	for _, e := range entries {
		if !e.IsDir() || !ValidID(e.Name()) {
			continue
		}
		rec, err := s.Get(e.Name())
		if err != nil {
			rec = Record{ID: e.Name(), Name: e.Name(), Status: Damaged, Error: err.Error(), Created: idTime(e.Name())}
		}
		out = append(out, rec)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Get reads the record of run id.
func (s *Store) Get(id string) (Record, error) {
	if !ValidID(id) {
		return Record{}, fmt.Errorf("%q is not a run ID (they look like 20261201-142301-pca-3f9a1c): %w", id, ErrNotFound)
	}
	p := s.path(id, recordFile)
	b, err := readCapped(p, maxRecordBytes)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if _, e := os.Stat(filepath.Join(s.Dir, id)); e != nil {
				return Record{}, fmt.Errorf("run %s: %w in %s", id, ErrNotFound, s.Dir)
			}
			return Record{}, fmt.Errorf("its %s is missing", recordFile)
		}
		return Record{}, err
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("its %s is damaged: %v", recordFile, err)
	}
	if r.ID != id {
		return Record{}, fmt.Errorf("its %s names run %q", recordFile, r.ID)
	}
	if r.Name == "" {
		r.Name = r.ID
	}
	return r, nil
}

// Save writes the record (creating the run's folder), atomically. The
// record's Updated time is set to now.
func (s *Store) Save(r *Record) error {
	if !ValidID(r.ID) {
		return fmt.Errorf("runs: %q is not a run ID", r.ID)
	}
	if r.Status == Damaged {
		return fmt.Errorf("runs: a damaged record is never written")
	}
	r.Updated = time.Now().UTC()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, r.ID), 0o755); err != nil {
		return fmt.Errorf("cannot write run %s in %s: %w", r.ID, s.Dir, err)
	}
	if err := atomicfile.Write(s.path(r.ID, recordFile), append(b, '\n')); err != nil {
		return fmt.Errorf("cannot write run %s: %w", r.ID, err)
	}
	return nil
}

// Rename gives run id a new name and returns its record.
func (s *Store) Rename(id, name string) (Record, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Record{}, fmt.Errorf("a run's name cannot be empty")
	}
	if len(name) > 200 {
		return Record{}, fmt.Errorf("a run's name is at most 200 characters")
	}
	r, err := s.Get(id)
	if err != nil {
		return Record{}, err
	}
	r.Name = name
	return r, s.Save(&r)
}

// Delete removes run id and its files.
func (s *Store) Delete(id string) error {
	if !ValidID(id) {
		return fmt.Errorf("%q is not a run ID: %w", id, ErrNotFound)
	}
	dir := filepath.Join(s.Dir, id)
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("run %s: %w", id, ErrNotFound)
	}
	return os.RemoveAll(dir)
}

// WriteModel stores a run's model bytes, atomically.
func (s *Store) WriteModel(id string, b []byte) error {
	if !ValidID(id) {
		return fmt.Errorf("runs: %q is not a run ID", id)
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, id), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(s.path(id, modelFile), b)
}

// ModelPath returns where run id keeps its model (it may not exist).
func (s *Store) ModelPath(id string) string { return s.path(id, modelFile) }

// ReadModel reads a run's model bytes (at most max bytes).
func (s *Store) ReadModel(id string, max int64) ([]byte, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("%q is not a run ID: %w", id, ErrNotFound)
	}
	b, err := readCapped(s.path(id, modelFile), max)
	if err != nil {
		return nil, fmt.Errorf("run %s: its model: %w", id, err)
	}
	return b, nil
}

// readCapped reads a regular file of at most max bytes. It is opened
// without blocking, so that a FIFO is refused rather than waited on.
func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", filepath.Base(path))
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d a run's file may hold", filepath.Base(path), fi.Size(), max)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s grew beyond %d bytes while being read", filepath.Base(path), max)
	}
	return b, nil
}
