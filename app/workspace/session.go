package workspace

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"embedscope/ml/atomicfile"
	"embedscope/ml/dataset"
)

// A session file keeps a whole workspace: where the data came from and a
// fingerprint of it, the split and scaling, every stored feature space with
// the model behind it, the labellings, the linked selection, the panels'
// settings and what the app adds (the panel shown, the window size).
//
// Layout (little-endian): "ESSN", the format version (uint32), the length
// of a JSON header (uint32), the header, the binary blobs it lists (float32
// matrices, int32 labels, model bytes) back to back, and the CRC-32C of
// everything before it (uint32). The data itself is not copied: the
// session names its source and is checked against it when restored.

// SessionFormat is the version of the session files this EmbedScope
// writes; it reads this version and older ones.
const SessionFormat = 1

// SessionExt is the file name extension of saved sessions.
const SessionExt = ".embedscope"

const sessionMagic = "ESSN"

// Errors of LoadSession, ParseSession, Restore and SaveSession; test with
// errors.Is.
var (
	ErrNotSession     = errors.New("not an EmbedScope session file (sessions are saved with File ▸ Save session)")
	ErrSessionVersion = errors.New("this session was saved by a newer EmbedScope")
	ErrSessionCorrupt = errors.New("the session file is damaged")
	ErrSessionData    = errors.New("the session was saved for other data")
	ErrReadOnly       = errors.New("read-only")
)

// SessionExtra is what the app keeps in a session beside the workspace.
type SessionExtra struct {
	Panel         string  // ID of the panel shown
	Width, Height float32 // window size
	// Runs are the records of the runs behind the spaces, as JSON (the
	// workspace keeps them as they are; see app/runs and app/service).
	Runs []json.RawMessage
}

// DataInfo describes the data a session was saved for, so that restoring
// it on other data is refused.
type DataInfo struct {
	Name    string `json:"name"`
	Train   int    `json:"train"`   // rows of the training part
	Test    int    `json:"test"`    // rows of the test part
	Dim     int    `json:"dim"`     // features per row
	Classes int    `json:"classes"` // number of classes
	Labels  uint32 `json:"labels"`  // CRC-32C of every label, train then test
	// Width, Height and Channels are the images' size and channels (1 or
	// 3); all 0 for numeric tables and in sessions saved before they were
	// recorded.
	Width    int `json:"width,omitempty"`
	Height   int `json:"height,omitempty"`
	Channels int `json:"channels,omitempty"`
}

// describeData returns the fingerprint of ds.
func describeData(ds *dataset.Dataset) DataInfo {
	h := crc32.New(castagnoli)
	var buf [4]byte
	for _, p := range []*dataset.Part{&ds.Train, &ds.Test} {
		for _, l := range p.Labels {
			buf[0], buf[1], buf[2], buf[3] = byte(l), byte(l>>8), byte(l>>16), byte(l>>24)
			h.Write(buf[:])
		}
	}
	info := DataInfo{Name: ds.Name, Train: ds.Train.N, Test: ds.Test.N, Dim: ds.Dim, Classes: len(ds.Classes), Labels: h.Sum32()}
	if ds.IsImage() {
		info.Width, info.Height, info.Channels = ds.Width, ds.Height, ds.NumChannels()
	}
	return info
}

// DataInfo returns the fingerprint of the open data set (the zero
// DataInfo when none is open).
func (w *Workspace) DataInfo() DataInfo {
	ds := w.Data()
	if ds == nil {
		return DataInfo{}
	}
	return describeData(ds)
}

func (d DataInfo) String() string {
	if d.Channels == 3 {
		return fmt.Sprintf("%d training and %d test RGB images of %d×%d in %d classes", d.Train, d.Test, d.Width, d.Height, d.Classes)
	}
	return fmt.Sprintf("%d training and %d test items of %d features in %d classes", d.Train, d.Test, d.Dim, d.Classes)
}

// SessionSelection is the linked selection kept in a session.
type SessionSelection struct {
	Refs     []Ref // sorted
	Source   string
	Isolated bool
	Focus    *Ref
}

// Session is a saved workspace, read and fully validated by LoadSession
// or ParseSession; Restore makes it the workspace's state.
type Session struct {
	Format    int                 // the file's format version
	Saved     time.Time           // when it was saved
	Source    string              // the data source: a path, or Embedded
	Load      dataset.LoadOptions // how the source was read (image size, fit, colour)
	Data      DataInfo
	Split     dataset.SplitOptions
	Scaling   dataset.Scaling
	Spaces    []*Space // sorted by name; Inverse rebuilt from Model
	Labelings []*Labeling
	Selection SessionSelection
	Settings  map[string]string
	SessionExtra
}

// SetSetting records a panel setting that sessions keep, under a key such
// as "pca.components"; an empty value removes it. Settings outlive new
// data; Restore replaces them with the session's before it tells the
// OnChange listeners, which may read them back with Setting.
func (w *Workspace) SetSetting(key, value string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if value == "" {
		delete(w.settings, key)
		return
	}
	if w.settings == nil {
		w.settings = map[string]string{}
	}
	w.settings[key] = value
}

// Setting returns the setting recorded under key ("" when none).
func (w *Workspace) Setting(key string) string {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.settings[key]
}

// Settings returns a copy of every setting.
func (w *Workspace) Settings() map[string]string {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return maps.Clone(w.settings)
}

// SaveSession writes the workspace and extra to path as one session file,
// atomically: a temporary file in the same folder, synced, then renamed
// over path, so a failure leaves an existing file as it was. A read-only
// file or folder is refused with an error wrapping ErrReadOnly. Spaces
// without a Model keep their values but lose their decoder; the pixel
// space is not saved (it is recomputed from the data).
func (w *Workspace) SaveSession(path string, extra SessionExtra) error {
	b, err := w.MarshalSession(extra)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b)
}

// maxSessionBytes bounds a session file, which is read whole and whose
// spaces are then copied once: 4 GiB holds, e.g., a dozen spaces of 64
// dimensions of 70,000 items with their models many times over.
const maxSessionBytes = 4 << 30

// LoadSession reads and validates a session file (see ParseSession).
// Nothing is applied to any workspace; see Restore. Only a regular file of
// at most 4 GiB is read (a FIFO would block for ever, a device never end).
func LoadSession(path string) (*Session, error) {
	b, err := readSessionFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("there is no session file at %s", path)
		}
		return nil, err
	}
	s, err := ParseSession(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Check reports whether s can be restored on ds: the same items with the
// same labels (errors wrap ErrSessionData), a valid split, and spaces and
// labellings of the sizes the split gives. It returns the splits.
func (s *Session) Check(ds *dataset.Dataset) (dataset.Splits, error) {
	if ds == nil {
		return dataset.Splits{}, fmt.Errorf("no data set to restore the session on")
	}
	have := describeData(ds)
	want := s.Data
	switch {
	case have.Train != want.Train || have.Test != want.Test || have.Dim != want.Dim || have.Classes != want.Classes ||
		want.Channels != 0 && (have.Width != want.Width || have.Height != want.Height || have.Channels != want.Channels):
		return dataset.Splits{}, fmt.Errorf("%w: it was saved for %s (%s), but the data at %s now holds %s. Put the data the session was made with back there, then open the session again",
			ErrSessionData, want.Name, want, ds.Source, have)
	case have.Labels != want.Labels:
		return dataset.Splits{}, fmt.Errorf("%w: the data at %s holds as many items as when the session was saved, but with other labels. Put the data the session was made with back there, then open the session again",
			ErrSessionData, ds.Source)
	}
	splits, err := ds.Split(s.Split)
	if err != nil {
		return dataset.Splits{}, fmt.Errorf("the session's validation split: %w", err)
	}
	rows := [3]int{splits.Train.Len(), splits.Val.Len(), splits.Test.Len()}
	for _, sp := range s.Spaces {
		got := [3]int{sp.Train.Rows, sp.Val.Rows, sp.Test.Rows}
		if got != rows {
			return dataset.Splits{}, fmt.Errorf("%w: the space %q has %d/%d/%d train/validation/test rows, the split gives %d/%d/%d",
				ErrSessionData, sp.Name, got[0], got[1], got[2], rows[0], rows[1], rows[2])
		}
	}
	n := rows[0] + rows[1] + rows[2]
	for _, l := range s.Labelings {
		if len(l.Labels) != n {
			return dataset.Splits{}, fmt.Errorf("%w: the labelling %q labels %d items, the data has %d", ErrSessionData, l.Name, len(l.Labels), n)
		}
	}
	return splits, nil
}

// Restore makes s the workspace's state on the data set ds (opened from
// s.Source): data, split, scaling, spaces, labellings, selection and
// settings, all at once, then tells every listener (OnChange,
// OnSpacesChange, OnSelectionChange). If s does not fit ds (see Check)
// nothing changes and the error says why.
func (w *Workspace) Restore(s *Session, ds *dataset.Dataset) error {
	splits, err := s.Check(ds)
	if err != nil {
		return err
	}
	spaces := make(map[string]*Space, len(s.Spaces))
	for _, sp := range s.Spaces {
		spaces[sp.ID] = sp
	}
	labelings := make(map[string]*Labeling, len(s.Labelings))
	for _, l := range s.Labelings {
		labelings[l.Name] = l
	}
	sel := selection{refs: slices.Clone(s.Selection.Refs), source: s.Selection.Source, isolated: s.Selection.Isolated && len(s.Selection.Refs) > 0}
	if f := s.Selection.Focus; f != nil {
		ff := *f
		sel.focus = &ff
	}
	w.mu.Lock()
	w.data, w.splitOpts, w.splits, w.scaling = ds, s.Split, splits, s.Scaling
	w.reset()
	w.spaces, w.labelings, w.sel = spaces, labelings, sel
	w.settings = maps.Clone(s.Settings)
	w.mu.Unlock()
	w.notify()
	w.notifySpaces()
	w.notifySelection()
	return nil
}

// readSessionFile reads the file at path: a regular file of at most
// maxSessionBytes (opened without blocking, so that a FIFO is refused
// rather than waited on), into one buffer of its size.
func readSessionFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file (%v): choose a session file (%s)", path, st.Mode().Type(), SessionExt)
	case st.Size() > maxSessionBytes:
		return nil, fmt.Errorf("%s: %w (a file of %d bytes, more than the %d of the largest session this program reads)", path, ErrSessionCorrupt, st.Size(), int64(maxSessionBytes))
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// writeFileAtomic writes b to path through a synced temporary file in the
// same folder renamed over path.
func writeFileAtomic(path string, b []byte) error {
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("%s is a folder: choose a file name", path)
		}
		if fi.Mode().Perm()&0o222 == 0 {
			return fmt.Errorf("cannot save to %s: the file is %w. Save under another name, or make the file writable", path, ErrReadOnly)
		}
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil {
		return fmt.Errorf("cannot save to %s: the folder %s does not exist", path, dir)
	} else if fi.Mode().Perm()&0o222 == 0 {
		return fmt.Errorf("cannot save to %s: the folder is %w. Choose another folder", path, ErrReadOnly)
	}
	if err := atomicfile.Write(path, b); err != nil {
		if errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("cannot save to %s: the folder is %w (permission denied). Choose another folder", path, ErrReadOnly)
		}
		return fmt.Errorf("cannot save to %s: %w", path, err)
	}
	return nil
}
