// Package service is the one layer between EmbedScope's front ends (the
// GUI panels in views/ and the CLI commands in app/cli) and the
// computations in ml/. Every computation has one request type and one
// result type; a panel reads its widgets into a request on the UI
// goroutine, runs the service in a background job and draws the result; a
// CLI command parses its flags into the same request and prints the same
// result. So the two front ends produce the same numbers for the same
// request, and neither builds a pipeline of its own.
//
// Every computation that yields a space or a model is recorded as a run
// (app/runs) in the store the Service was given: its settings, data,
// status, metrics, curves, model and coordinates. Runs never overwrite one
// another, except that repeating a deterministic computation (PCA, GLRM,
// t-SNE, UMAP or k-means with the same request on the same data) updates
// the run it made before instead of adding a copy. The spaces of the open
// data set are served by run ID from the workspace, loaded from the store
// on first use.
//
// The package imports no GUI code; its methods are safe for concurrent
// use.
package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"embedscope/app/runs"
	"embedscope/app/workspace"
)

// Service runs computations on a workspace and records them in a store.
type Service struct {
	WS *workspace.Workspace

	mu        sync.Mutex
	store     *runs.Store            // nil: runs are kept in memory only
	records   map[string]runs.Record // every run known: the store's and this process's
	listeners []func()

	search         searchCache    // indexes of the nearest-item search
	neighbourhoods NeighbourCache // kNN sets of spaces, for Compare and Quality
	qualities      qualityCache   // rows of the quality table (quality_table.go)
}

// New returns a service on ws recording its runs in store (nil keeps them
// in memory only, for tests and one-off commands). The store's runs are
// read at once; a store that cannot be read gives an error, with the
// service usable (in memory) all the same.
func New(ws *workspace.Workspace, store *runs.Store) (*Service, error) {
	s := &Service{WS: ws, store: store, records: map[string]runs.Record{}}
	return s, s.Refresh()
}

// Store returns the store runs are recorded in (nil when none).
func (s *Service) Store() *runs.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store
}

// SetStore records runs in store from now on and lists its runs.
func (s *Service) SetStore(store *runs.Store) error {
	s.mu.Lock()
	s.store = store
	s.mu.Unlock()
	return s.Refresh()
}

// Refresh reads the store's runs again (those another process, such as the
// CLI, has added, renamed or deleted since) and tells the OnRunsChange
// listeners. Runs of this process that are not in the store (no store,
// or a failed write) are kept.
func (s *Service) Refresh() error {
	s.mu.Lock()
	store := s.store
	s.mu.Unlock()
	var list []runs.Record
	var err error
	if store != nil {
		list, err = store.List()
	}
	s.mu.Lock()
	fresh := make(map[string]runs.Record, len(list))
	for _, r := range list {
		fresh[r.ID] = r
	}
	for id, r := range s.records {
		if _, ok := fresh[id]; !ok && (store == nil || r.Status == runs.Running) {
			fresh[id] = r
		}
	}
	s.records = fresh
	s.mu.Unlock()
	s.notify()
	return err
}

// OnRunsChange registers f to be called (on the goroutine that made the
// change) after a run is added, changed, renamed or deleted.
func (s *Service) OnRunsChange(f func()) {
	s.mu.Lock()
	s.listeners = append(s.listeners, f)
	s.mu.Unlock()
}

func (s *Service) notify() {
	s.mu.Lock()
	ls := slices.Clone(s.listeners)
	s.mu.Unlock()
	for _, f := range ls {
		f()
	}
}

// Fingerprint describes the open data set, split and scaling as a run
// records them (the zero Data when no data set is open).
func (s *Service) Fingerprint() runs.Data {
	ds := s.WS.Data()
	if ds == nil {
		return runs.Data{}
	}
	info := s.WS.DataInfo()
	opts := s.WS.SplitOptions()
	return runs.Data{Name: info.Name, Source: ds.Source, Train: info.Train, Test: info.Test, Dim: info.Dim, Classes: info.Classes,
		Labels: info.Labels, Val: opts.ValFraction, Seed: opts.Seed, Scaling: s.WS.Scaling().String(), Load: ds.Options.String()}
}

// Runs returns the runs of the open data set (any split and scaling),
// damaged folders included, oldest first.
func (s *Service) Runs() []runs.Record {
	fp := s.Fingerprint()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []runs.Record
	for _, r := range s.records {
		if r.Status == runs.Damaged || r.Data.SameSet(fp) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b runs.Record) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	return out
}

// AllRuns returns every run known, of any data set, oldest first.
func (s *Service) AllRuns() []runs.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]runs.Record, 0, len(s.records))
	for _, r := range s.records {
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b runs.Record) int { return a.Created.Compare(b.Created) })
	return out
}

// Run returns the record of run id.
func (s *Service) Run(id string) (runs.Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[id]
	return r, ok
}

// Rename gives run id a new name, in the store and in every panel's list.
func (s *Service) Rename(id, name string) error {
	r, ok := s.Run(id)
	if !ok {
		return fmt.Errorf("run %s: %w", id, runs.ErrNotFound)
	}
	if r.Status == runs.Damaged {
		return fmt.Errorf("run %s is damaged (%s): delete it instead", id, r.Error)
	}
	r.Name = name
	if err := s.save(&r, nil); err != nil {
		return err
	}
	s.WS.RenameSpace(id, r.Name)
	return nil
}

// Delete removes run id from the store and its space from the workspace.
// A running run cannot be deleted.
func (s *Service) Delete(id string) error {
	r, ok := s.Run(id)
	if !ok {
		return fmt.Errorf("run %s: %w", id, runs.ErrNotFound)
	}
	if r.Status == runs.Running && s.isActive(id) {
		return fmt.Errorf("%s is running: stop it before deleting it", r.Name)
	}
	if st := s.Store(); st != nil {
		if err := st.Delete(id); err != nil && !isNotFound(err) {
			return err
		}
	}
	s.mu.Lock()
	delete(s.records, id)
	s.mu.Unlock()
	s.WS.DropSpace(id)
	s.notify()
	return nil
}

// active lists the runs this process is computing now.
var active sync.Map // run ID → struct{}

func (s *Service) isActive(id string) bool {
	_, ok := active.Load(id)
	return ok
}

// begin records the start of a run of the given kind: a new record (status
// Running) with the request as its configuration, saved to the store.
// When replace is true and a run of the same kind, request and data exists
// (a deterministic computation repeated), that run is reused: same ID,
// same name, its status back to Running.
func (s *Service) begin(kind, name string, req any, replace bool, parents ...string) (*runs.Record, error) {
	cfg, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("service: recording the settings of a %s run: %w", kind, err)
	}
	fp := s.Fingerprint()
	if fp.Train == 0 {
		return nil, fmt.Errorf("no data set is open")
	}
	now := time.Now().UTC()
	rec := &runs.Record{ID: runs.NewID(kind, now), Name: name, Kind: kind, Created: now, Status: runs.Running,
		Data: fp, Config: cfg, Parents: parents}
	if replace {
		if old, ok := s.findSame(kind, cfg, fp, parents); ok {
			rec.ID, rec.Name, rec.Created = old.ID, old.Name, old.Created
		}
	}
	active.Store(rec.ID, struct{}{})
	if err := s.save(rec, nil); err != nil {
		active.Delete(rec.ID)
		return nil, err
	}
	return rec, nil
}

// findSame returns the finished run of the same kind, settings, parents
// and data, if there is one.
func (s *Service) findSame(kind string, cfg json.RawMessage, fp runs.Data, parents []string) (runs.Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.records {
		if r.Kind == kind && r.Status != runs.Damaged && r.Status != runs.Running && r.Data.Same(fp) &&
			jsonEqual(r.Config, cfg) && slices.Equal(r.Parents, parents) {
			return r, true
		}
	}
	return runs.Record{}, false
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// save writes rec (and, when sp is not nil, its space and model) to the
// store and keeps it in memory; the OnRunsChange listeners are told. A
// store that fails to write gives an error, with the record kept in memory.
func (s *Service) save(rec *runs.Record, sp *workspace.Space) error {
	if sp != nil {
		rec.Space = &runs.SpaceInfo{Dim: sp.Dim(), Rows: [3]int{sp.Train.Rows, sp.Val.Rows, sp.Test.Rows}, Decodable: sp.Inverse != nil}
		if sp.Model != nil {
			rec.Model = sp.Model.Kind()
		}
	}
	var err error
	if st := s.Store(); st != nil {
		err = s.write(st, rec, sp)
	}
	s.mu.Lock()
	s.records[rec.ID] = *rec
	s.mu.Unlock()
	s.notify()
	return err
}

func (s *Service) write(st *runs.Store, rec *runs.Record, sp *workspace.Space) error {
	if sp != nil {
		if err := st.WriteSpace(rec.ID, sp.Train, sp.Val, sp.Test); err != nil {
			return fmt.Errorf("keeping the coordinates of %s: %w", rec.Name, err)
		}
		if sp.Model != nil {
			b, err := sp.Model.MarshalBinary()
			if err != nil {
				return fmt.Errorf("keeping the model of %s: %w", rec.Name, err)
			}
			if err := st.WriteModel(rec.ID, b); err != nil {
				return fmt.Errorf("keeping the model of %s: %w", rec.Name, err)
			}
		}
	}
	return st.Save(rec)
}

// end records how a run ended: finished with its space (published to the
// workspace for generation gen) or failed with err. A cancelled run is
// recorded as stopped. It returns err, or the error of keeping the run.
func (s *Service) end(rec *runs.Record, started time.Time, sp *workspace.Space, gen int, err error) error {
	defer active.Delete(rec.ID)
	rec.Seconds = time.Since(started).Seconds()
	if err != nil {
		rec.Status, rec.Error = runs.Failed, err.Error()
		if isCancel(err) {
			rec.Status, rec.Error = runs.Stopped, ""
		}
		s.save(rec, nil)
		return err
	}
	rec.Status, rec.Error = runs.Finished, ""
	if sp != nil {
		sp.ID, sp.Name, sp.Kind = rec.ID, rec.Name, rec.Kind
	}
	if err := s.save(rec, sp); err != nil {
		return err
	}
	if sp != nil {
		return s.WS.SetSpace(sp, gen)
	}
	return nil
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func isNotFound(err error) bool { return errors.Is(err, runs.ErrNotFound) }

// ResolveRun finds a run of the open data set named on the command line:
// its ID, the end of its ID, or its name (the most recent run of that name).
func (s *Service) ResolveRun(name string) (runs.Record, error) {
	list := s.Runs()
	var match []runs.Record
	for _, r := range list {
		if r.ID == name {
			return r, nil
		}
		if (len(name) >= 4 && strings.HasSuffix(r.ID, name)) || r.Name == name {
			match = append(match, r)
		}
	}
	if len(match) == 0 {
		return runs.Record{}, fmt.Errorf("no run %q of this data set in %s (embedscope runs list shows them)", name, s.storeDir())
	}
	return match[len(match)-1], nil
}
