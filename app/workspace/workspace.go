package workspace

import (
	"context"
	"fmt"
	"sync"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
)

// Workspace is the shared state of one session: a data set, how it is
// split and scaled, and cached results derived from them. It is safe for
// concurrent use; listeners are told after every change.
type Workspace struct {
	mu         sync.RWMutex
	data       *dataset.Dataset
	splitOpts  dataset.SplitOptions
	splits     dataset.Splits
	scaling    dataset.Scaling
	generation int // bumped on every change of data, split or scaling

	features map[string]Features // cache, keyed by split name, for the current generation
	dups     *dataset.Duplicates
	spaces   map[string]*Space // feature spaces computed for the current generation
	// labelings are per-item labels computed for the current generation.
	labelings map[string]*Labeling
	sel       selection // kept across splits and scalings, cleared with new data
	// settings are the panels' settings, saved with sessions (session.go).
	settings map[string]string

	listeners      []func()
	spaceListeners []func()
	selListeners   []func()
}

// Features are the scaled features of one split.
type Features struct {
	X      blas32.General
	Scaler *dataset.Scaler
	Split  dataset.Split
}

// New returns an empty workspace.
func New() *Workspace { return &Workspace{} }

// OnChange registers f to be called (on the goroutine that made the change)
// whenever the data set, split or scaling changes.
func (w *Workspace) OnChange(f func()) {
	w.mu.Lock()
	w.listeners = append(w.listeners, f)
	w.mu.Unlock()
}

func (w *Workspace) notify() {
	w.mu.RLock()
	ls := append([]func(){}, w.listeners...)
	w.mu.RUnlock()
	for _, f := range ls {
		f()
	}
}

// SetData makes ds the current data set with its default split and scaling.
func (w *Workspace) SetData(ds *dataset.Dataset) error {
	opts := dataset.DefaultSplitOptions(ds)
	splits, err := ds.Split(opts)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.data, w.splitOpts, w.splits = ds, opts, splits
	w.scaling = dataset.DefaultScaling(ds)
	w.reset()
	hadSelection := len(w.sel.refs) > 0 || w.sel.focus != nil
	w.sel = selection{}
	w.mu.Unlock()
	w.notify()
	if hadSelection {
		w.notifySelection()
	}
	return nil
}

// SetSplit re-splits the training part into train and validation.
func (w *Workspace) SetSplit(opts dataset.SplitOptions) error {
	w.mu.Lock()
	if w.data == nil {
		w.mu.Unlock()
		return fmt.Errorf("no data set is open")
	}
	splits, err := w.data.Split(opts)
	if err != nil {
		w.mu.Unlock()
		return err
	}
	w.splitOpts, w.splits = opts, splits
	w.reset()
	w.mu.Unlock()
	w.notify()
	return nil
}

// SetScaling changes how features are scaled.
func (w *Workspace) SetScaling(s dataset.Scaling) {
	w.mu.Lock()
	if s == w.scaling {
		w.mu.Unlock()
		return
	}
	w.scaling = s
	w.generation++
	w.features = nil
	w.spaces = nil
	w.labelings = nil
	w.mu.Unlock()
	w.notify()
}

// reset drops every cached result; w.mu must be held.
func (w *Workspace) reset() {
	w.generation++
	w.features = nil
	w.dups = nil
	w.spaces = nil
	w.labelings = nil
}

// Data returns the current data set (nil when none is open).
func (w *Workspace) Data() *dataset.Dataset {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.data
}

// Splits returns the current splits.
func (w *Workspace) Splits() dataset.Splits {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.splits
}

// SplitOptions returns the current split options.
func (w *Workspace) SplitOptions() dataset.SplitOptions {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.splitOpts
}

// Scaling returns the current scaling.
func (w *Workspace) Scaling() dataset.Scaling {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.scaling
}

// Generation identifies the current data, split and scaling; it changes
// whenever any of them does, so a job can tell whether its result is stale.
func (w *Workspace) Generation() int {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.generation
}

// Features returns the scaled features of the train, validation and test
// splits, the scaler fitted on the training split. They are computed once
// per generation and cached.
func (w *Workspace) Features(ctx context.Context) (train, val, test Features, err error) {
	w.mu.RLock()
	cached, gen := w.features, w.generation
	data, splits, scaling := w.data, w.splits, w.scaling
	w.mu.RUnlock()
	if data == nil {
		return train, val, test, fmt.Errorf("no data set is open")
	}
	if cached != nil {
		return cached["train"], cached["validation"], cached["test"], nil
	}
	sc, err := dataset.FitScaler(scaling, splits.Train)
	if err != nil {
		return train, val, test, err
	}
	out := map[string]Features{}
	for _, s := range []dataset.Split{splits.Train, splits.Val, splits.Test} {
		if err := ctx.Err(); err != nil {
			return train, val, test, err
		}
		out[s.Name] = Features{X: sc.Transform(s), Scaler: sc, Split: s}
	}
	w.mu.Lock()
	if w.generation == gen {
		w.features = out
	}
	w.mu.Unlock()
	return out["train"], out["validation"], out["test"], nil
}

// Duplicates returns the exact duplicates of the current data set,
// computing them on first use.
func (w *Workspace) Duplicates() (dataset.Duplicates, error) {
	w.mu.RLock()
	data, dups, gen := w.data, w.dups, w.generation
	w.mu.RUnlock()
	if data == nil {
		return dataset.Duplicates{}, fmt.Errorf("no data set is open")
	}
	if dups != nil {
		return *dups, nil
	}
	d := data.FindDuplicates()
	w.mu.Lock()
	if w.generation == gen {
		w.dups = &d
	}
	w.mu.Unlock()
	return d, nil
}
