package workspace

import (
	"fmt"
	"slices"
	"sort"

	"embedscope/ml/dataset"
)

// Ref names one item by where it lives in its source: the part it was
// read from ("train" for the training file, validation rows included;
// "test") and its row there, the original index shown in every caption.
// Refs stay valid when the split or the scaling changes.
type Ref struct {
	Part string `json:"part"`
	Row  int    `json:"row"`
}

// String returns e.g. "test #17".
func (r Ref) String() string { return fmt.Sprintf("%s #%d", r.Part, r.Row) }

// Compare orders refs by part, then row.
func (r Ref) Compare(o Ref) int {
	if r.Part != o.Part {
		if r.Part < o.Part {
			return -1
		}
		return 1
	}
	return r.Row - o.Row
}

// SplitRef returns the reference of row pos of split sp.
func SplitRef(sp dataset.Split, pos int) Ref {
	return Ref{Part: partName(sp.Name), Row: sp.Index[pos]}
}

// partName is "test" for the test split, "train" otherwise.
func partName(splitName string) string {
	if splitName == "test" {
		return "test"
	}
	return "train"
}

// Ref returns the reference of item i.
func (it Items) Ref(i int) Ref {
	item := it.At(i)
	return Ref{Part: partName(item.Split.Name), Row: item.Row()}
}

// Positions returns the positions in it of the refs that are among its
// items, in increasing order; refs it does not hold are skipped.
func (it Items) Positions(refs []Ref) []int {
	if len(refs) == 0 {
		return nil
	}
	want := make(map[Ref]bool, len(refs))
	for _, r := range refs {
		want[r] = true
	}
	var out []int
	for k, sp := range it.Splits {
		part := partName(sp.Name)
		for p, row := range sp.Index {
			if want[Ref{Part: part, Row: row}] {
				out = append(out, it.starts[k]+p)
			}
		}
	}
	return out
}

// SelectMode says how a new set of items combines with the selection.
type SelectMode int

const (
	Replace SelectMode = iota // the new items become the selection
	Add                       // the new items join it (shift-select)
	Remove                    // the new items leave it
)

// selection is the workspace's linked selection.
type selection struct {
	refs     []Ref // sorted, unique
	source   string
	isolated bool
	focus    *Ref
}

// Select changes the linked selection that every panel highlights;
// source names where it was made ("PCA scatter", "prototypes gallery").
// Refs not in the data are ignored. Listeners registered with
// OnSelectionChange are told.
func (w *Workspace) Select(refs []Ref, mode SelectMode, source string) {
	w.mu.Lock()
	cur := w.sel.refs
	switch mode {
	case Replace:
		cur = slices.Clone(refs)
	case Add:
		cur = append(slices.Clone(cur), refs...)
	case Remove:
		drop := make(map[Ref]bool, len(refs))
		for _, r := range refs {
			drop[r] = true
		}
		cur = slices.DeleteFunc(slices.Clone(cur), func(r Ref) bool { return drop[r] })
	}
	slices.SortFunc(cur, Ref.Compare)
	w.sel.refs = slices.Compact(cur)
	w.sel.source = source
	if len(w.sel.refs) == 0 {
		w.sel.isolated = false
	}
	if w.sel.focus == nil && len(w.sel.refs) > 0 && mode != Remove {
		f := w.sel.refs[0]
		if len(refs) > 0 {
			f = refs[0]
		}
		w.sel.focus = &f
	}
	w.mu.Unlock()
	w.notifySelection()
}

// ClearSelection empties the selection and ends isolation.
func (w *Workspace) ClearSelection() {
	w.mu.Lock()
	w.sel = selection{}
	w.mu.Unlock()
	w.notifySelection()
}

// Selection returns the selected items (sorted by part, then row) and
// where the selection was made.
func (w *Workspace) Selection() (refs []Ref, source string) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return slices.Clone(w.sel.refs), w.sel.source
}

// Selected returns the selection as a set, for fast lookups.
func (w *Workspace) Selected() map[Ref]bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	m := make(map[Ref]bool, len(w.sel.refs))
	for _, r := range w.sel.refs {
		m[r] = true
	}
	return m
}

// SetIsolated shows only the selected items in the scatters (true) or
// every item (false). Isolating an empty selection does nothing.
func (w *Workspace) SetIsolated(on bool) {
	w.mu.Lock()
	if on && len(w.sel.refs) == 0 {
		w.mu.Unlock()
		return
	}
	w.sel.isolated = on
	w.mu.Unlock()
	w.notifySelection()
}

// Isolated reports whether the scatters show only the selection.
func (w *Workspace) Isolated() bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.sel.isolated
}

// SetFocus makes r the item whose nearest neighbours are searched
// (normally one of the selection).
func (w *Workspace) SetFocus(r Ref) {
	w.mu.Lock()
	w.sel.focus = &r
	w.mu.Unlock()
	w.notifySelection()
}

// Focus returns the focused item, ok false when there is none.
func (w *Workspace) Focus() (r Ref, ok bool) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.sel.focus == nil {
		return Ref{}, false
	}
	return *w.sel.focus, true
}

// OnSelectionChange registers f to be called (on the goroutine that made
// the change) after the selection, its isolation or its focus changes,
// and after new data clears it.
func (w *Workspace) OnSelectionChange(f func()) {
	w.mu.Lock()
	w.selListeners = append(w.selListeners, f)
	w.mu.Unlock()
}

func (w *Workspace) notifySelection() {
	w.mu.RLock()
	ls := append([]func(){}, w.selListeners...)
	w.mu.RUnlock()
	for _, f := range ls {
		f()
	}
}

// Labeling is a labelling of every item that a panel computed and that
// any scatter can colour by: the kNN predictions of the PCA panel, the
// nearest-centroid predictions of the prototypes panel, k-means clusters.
// Labels has one entry per item of NewItems(Splits()) (−1: none).
type Labeling struct {
	Name    string   // e.g. "kNN(5) prediction, PCA-32"
	Labels  []int    // per item
	Classes []string // names of the label values
	// Prediction marks labels that predict the class (Classes are then
	// the data set's), so "correct / wrong" can be shown.
	Prediction bool
}

// SetLabeling stores l for the current generation, replacing one of the
// same name, and tells the OnSpacesChange listeners. A labelling made for
// an older generation, or of the wrong length, is refused.
func (w *Workspace) SetLabeling(l *Labeling, generation int) error {
	w.mu.Lock()
	if generation != w.generation {
		w.mu.Unlock()
		return fmt.Errorf("%s was computed for data that has since changed", l.Name)
	}
	if n := NewItems(w.splits).Len(); len(l.Labels) != n {
		w.mu.Unlock()
		return fmt.Errorf("%s labels %d items, the data has %d", l.Name, len(l.Labels), n)
	}
	if w.labelings == nil {
		w.labelings = map[string]*Labeling{}
	}
	w.labelings[l.Name] = l
	w.mu.Unlock()
	w.notifySpaces()
	return nil
}

// Labelings returns the stored labellings, sorted by name.
func (w *Workspace) Labelings() []*Labeling {
	w.mu.RLock()
	defer w.mu.RUnlock()
	out := make([]*Labeling, 0, len(w.labelings))
	for _, l := range w.labelings {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Labeling returns the labelling with the given name, or nil.
func (w *Workspace) Labeling(name string) *Labeling {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.labelings[name]
}

// PositionOf returns the position of item in it, or −1 when its split is
// not among them.
func (it Items) PositionOf(item Item) int {
	for k, sp := range it.Splits {
		if sp.Name == item.Split.Name {
			if item.Pos < 0 || item.Pos >= sp.Len() {
				return -1
			}
			return it.starts[k] + item.Pos
		}
	}
	return -1
}
