package workspace

import (
	"context"
	"fmt"
	"sort"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
)

// Space is one feature space of the current data: the scaled pixels, a PCA
// projection, later an embedding or an autoencoder's code. Every split has
// one row per item of the matching dataset.Split, in the same order.
type Space struct {
	// ID identifies the space: the ID of the run that computed it (see
	// app/runs), or PixelsSpace. Name is what the user sees ("PCA-32",
	// "seed net · softmax · 32-d · 8 ep"), which the user may change; Kind
	// is the run's kind ("pca", "embedding", …; "pixels").
	ID, Name, Kind   string
	Train, Val, Test blas32.General
	// Inverse, when not nil, maps a row of this space back to scaled
	// features (e.g. a PCA reconstruction), writing into dst.
	Inverse func(dst, row []float32)
	// Model, when not nil, is the fitted model behind the space (see
	// SpaceModel): a saved session keeps it, and rebuilds Inverse from it.
	Model SpaceModel
}

// Dim returns the number of features of the space.
func (s *Space) Dim() int { return s.Train.Cols }

// Split returns the rows of the split with the given name.
func (s *Space) Split(name string) blas32.General {
	switch name {
	case "validation":
		return s.Val
	case "test":
		return s.Test
	}
	return s.Train
}

// PixelsSpace is the name of the space of scaled input features.
const PixelsSpace = "pixels"

// SetSpace stores s under its ID (its Name when it has no ID) for the
// current generation, replacing a space with the same ID. A space
// computed for an older generation (the data, split or scaling changed
// meanwhile) is dropped and an error returned, so stale results never reach
// the panels.
func (w *Workspace) SetSpace(s *Space, generation int) error {
	if s.ID == "" {
		s.ID = s.Name
	}
	w.mu.Lock()
	if generation != w.generation {
		w.mu.Unlock()
		return fmt.Errorf("%s was computed for data that has since changed", s.Name)
	}
	if w.spaces == nil {
		w.spaces = map[string]*Space{}
	}
	w.spaces[s.ID] = s
	w.mu.Unlock()
	w.notifySpaces()
	return nil
}

// Space returns the stored space with the given ID, or nil.
func (w *Workspace) Space(id string) *Space {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.spaces[id]
}

// Spaces returns the stored spaces, sorted by ID (run IDs begin with the
// time they were made, so this is oldest first).
func (w *Workspace) Spaces() []*Space {
	w.mu.RLock()
	defer w.mu.RUnlock()
	out := make([]*Space, 0, len(w.spaces))
	for _, s := range w.spaces {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// RenameSpace gives the stored space id a new name (a copy of the Space
// is stored, so readers holding the old one are not raced) and tells the
// OnSpacesChange listeners. It does nothing when no such space is stored.
func (w *Workspace) RenameSpace(id, name string) {
	w.mu.Lock()
	s := w.spaces[id]
	if s == nil || s.Name == name {
		w.mu.Unlock()
		return
	}
	c := *s
	c.Name = name
	w.spaces[id] = &c
	w.mu.Unlock()
	w.notifySpaces()
}

// DropSpace removes the stored space id and tells the OnSpacesChange
// listeners.
func (w *Workspace) DropSpace(id string) {
	w.mu.Lock()
	_, ok := w.spaces[id]
	delete(w.spaces, id)
	w.mu.Unlock()
	if ok {
		w.notifySpaces()
	}
}

// OnSpacesChange registers f to be called after a space or a labelling is
// stored, renamed or dropped.
func (w *Workspace) OnSpacesChange(f func()) {
	w.mu.Lock()
	w.spaceListeners = append(w.spaceListeners, f)
	w.mu.Unlock()
}

func (w *Workspace) notifySpaces() {
	w.mu.RLock()
	ls := append([]func(){}, w.spaceListeners...)
	w.mu.RUnlock()
	for _, f := range ls {
		f()
	}
}

// Item locates one point of a combined view of all splits (train, then
// validation, then test), as the scatter plots show them.
type Item struct {
	Split dataset.Split // the split it belongs to
	Pos   int           // its position in the split
}

// Row returns the item's row in its Part (the original index in its file).
func (it Item) Row() int { return it.Split.Index[it.Pos] }

// Label returns the item's class.
func (it Item) Label() int { return it.Split.Label(it.Pos) }

// Items lists the splits' items in the order train, validation, test.
type Items struct {
	Splits []dataset.Split
	starts []int
	n      int
}

// NewItems combines the non-empty splits of s.
func NewItems(s dataset.Splits) Items {
	var it Items
	for _, sp := range []dataset.Split{s.Train, s.Val, s.Test} {
		if sp.Len() == 0 {
			continue
		}
		it.Splits = append(it.Splits, sp)
		it.starts = append(it.starts, it.n)
		it.n += sp.Len()
	}
	return it
}

// Len returns the number of items.
func (it Items) Len() int { return it.n }

// At returns item i.
func (it Items) At(i int) Item {
	k := sort.SearchInts(it.starts, i+1) - 1
	return Item{Split: it.Splits[k], Pos: i - it.starts[k]}
}

// Labels returns every item's class in order.
func (it Items) Labels() []int {
	out := make([]int, 0, it.n)
	for _, s := range it.Splits {
		out = append(out, s.Labels()...)
	}
	return out
}

// Column gathers feature j of space s for every item, in order.
func (it Items) Column(s *Space, j int) []float32 {
	out := make([]float32, 0, it.n)
	for _, sp := range it.Splits {
		m := s.Split(sp.Name)
		for r := 0; r < m.Rows; r++ {
			out = append(out, m.Data[r*m.Stride+j])
		}
	}
	return out
}

// Row returns the features of item i in space s (a view, not a copy).
func (it Items) Row(s *Space, i int) []float32 {
	item := it.At(i)
	m := s.Split(item.Split.Name)
	return m.Data[item.Pos*m.Stride : item.Pos*m.Stride+m.Cols]
}

// PixelSpace returns the scaled input features as a Space; its Inverse is
// the identity, so its centroids are images already.
func (w *Workspace) PixelSpace(ctx context.Context) (*Space, error) {
	train, val, test, err := w.Features(ctx)
	if err != nil {
		return nil, err
	}
	return &Space{ID: PixelsSpace, Name: PixelsSpace, Kind: PixelsSpace, Train: train.X, Val: val.X, Test: test.X, Inverse: func(dst, row []float32) { copy(dst, row) }}, nil
}
