package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"embedscope/app/runs"
	"embedscope/app/workspace"
)

// maxModelBytes caps a run's model file: the largest network the training
// form allows with its optimiser state is well under this (see
// ml/embed's limits); a larger file is not read.
const maxModelBytes = 1 << 30

// SpaceChoice is one entry of a panel's list of spaces.
type SpaceChoice struct {
	ID    string // "pixels" or a run ID
	Label string // the run's name, made unique in the list
	Kind  string // "pixels" or the run's kind
	Dim   int
	// Decodable tells whether points of the space map back to images (the
	// pixels, PCA, GLRM, an autoencoder's code).
	Decodable bool
}

// Spaces lists the spaces the panels can use on the open data, split and
// scaling: the pixels first, then every finished run that has coordinates
// for them (and any space a restored session brought), oldest first.
// Names shared by several runs get the end of the run's ID added.
func (s *Service) Spaces() []SpaceChoice {
	ds := s.WS.Data()
	if ds == nil {
		return nil
	}
	fp := s.Fingerprint()
	out := []SpaceChoice{{ID: workspace.PixelsSpace, Label: workspace.PixelsSpace, Kind: workspace.PixelsSpace, Dim: ds.Dim, Decodable: ds.IsImage()}}
	seen := map[string]bool{workspace.PixelsSpace: true}
	for _, r := range s.Runs() {
		if r.HasSpace() && r.Data.Same(fp) {
			out = append(out, SpaceChoice{ID: r.ID, Label: r.Name, Kind: r.Kind, Dim: r.Space.Dim, Decodable: r.Space.Decodable})
			seen[r.ID] = true
		}
	}
	for _, sp := range s.WS.Spaces() {
		if !seen[sp.ID] {
			out = append(out, SpaceChoice{ID: sp.ID, Label: sp.Name, Kind: sp.Kind, Dim: sp.Dim(), Decodable: sp.Inverse != nil})
		}
	}
	count := map[string]int{}
	for _, c := range out {
		count[c.Label]++
	}
	for i, c := range out {
		if count[c.Label] > 1 && c.ID != workspace.PixelsSpace {
			out[i].Label = fmt.Sprintf("%s (%s)", c.Label, c.ID[max(0, len(c.ID)-6):])
		}
	}
	return out
}

// SpaceLabels returns the labels of choices, in order, for a select box.
func SpaceLabels(choices []SpaceChoice) []string {
	out := make([]string, len(choices))
	for i, c := range choices {
		out[i] = c.Label
	}
	return out
}

// ChoiceByLabel returns the choice with the given label.
func ChoiceByLabel(choices []SpaceChoice, label string) (SpaceChoice, bool) {
	i := slices.IndexFunc(choices, func(c SpaceChoice) bool { return c.Label == label })
	if i < 0 {
		return SpaceChoice{}, false
	}
	return choices[i], true
}

// ChoiceByID returns the choice with the given ID.
func ChoiceByID(choices []SpaceChoice, id string) (SpaceChoice, bool) {
	i := slices.IndexFunc(choices, func(c SpaceChoice) bool { return c.ID == id })
	if i < 0 {
		return SpaceChoice{}, false
	}
	return choices[i], true
}

// Space returns the space with the given ID on the open data: the scaled
// pixels for "pixels", else the space of that run, loaded from the store
// (coordinates and model, so decoders work) on first use. The run must be
// finished and made on the open data, split and scaling.
func (s *Service) Space(ctx context.Context, id string) (*workspace.Space, error) {
	if id == "" || id == workspace.PixelsSpace {
		return s.WS.PixelSpace(ctx)
	}
	if sp := s.WS.Space(id); sp != nil {
		return sp, nil
	}
	gen := s.WS.Generation()
	r, ok := s.Run(id)
	if !ok {
		return nil, fmt.Errorf("there is no run %s in %s (Runs ▸ Refresh reads the folder again)", id, s.storeDir())
	}
	fp := s.Fingerprint()
	switch {
	case r.Space == nil:
		return nil, fmt.Errorf("%s (%s) has no coordinates to use as a space", r.Name, r.Kind)
	case r.Status != runs.Finished:
		return nil, fmt.Errorf("%s is %s: finish or publish it first", r.Name, r.StatusText())
	case !r.Data.SameSet(fp):
		return nil, fmt.Errorf("%s was computed on %s, not on the open data", r.Name, r.Data.Name)
	case !r.Data.Same(fp):
		return nil, fmt.Errorf("%s was computed with another split or scaling (validation %.2f, seed %d, %s); the open data uses validation %.2f, seed %d, %s: set those in the Data panel to use it",
			r.Name, r.Data.Val, r.Data.Seed, r.Data.Scaling, fp.Val, fp.Seed, fp.Scaling)
	}
	st := s.Store()
	if st == nil {
		return nil, fmt.Errorf("%s is not loaded and there is no run store to read it from", r.Name)
	}
	sp, err := loadSpace(ctx, st, r)
	if err != nil {
		return nil, err
	}
	if err := s.WS.SetSpace(sp, gen); err != nil {
		return nil, err
	}
	return sp, nil
}

// loadSpace reads run r's coordinates and model from st.
func loadSpace(ctx context.Context, st *runs.Store, r runs.Record) (*workspace.Space, error) {
	train, val, test, err := st.ReadSpace(r.ID)
	if err != nil {
		return nil, err
	}
	if got := [3]int{train.Rows, val.Rows, test.Rows}; got != r.Space.Rows || train.Cols != r.Space.Dim {
		return nil, fmt.Errorf("run %s: its coordinates are %v×%d, its record says %v×%d", r.ID, got, train.Cols, r.Space.Rows, r.Space.Dim)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sp := &workspace.Space{ID: r.ID, Name: r.Name, Kind: r.Kind, Train: train, Val: val, Test: test}
	if r.Model == "" {
		return sp, nil
	}
	b, err := st.ReadModel(r.ID, maxModelBytes)
	if err != nil {
		return nil, err
	}
	m, err := workspace.DecodeSpaceModel(r.Model, b, r.Data.Dim, r.Space.Dim)
	if err != nil {
		return nil, fmt.Errorf("run %s (%s): its model: %w", r.ID, r.Name, err)
	}
	if g, ok := m.(*workspace.GLRMModel); ok {
		g.Model.A = sp.Train
	}
	sp.Model = m
	if inv, ok := m.(workspace.InvertibleModel); ok {
		sp.Inverse = inv.InverseFunc()
	}
	return sp, nil
}

func (s *Service) storeDir() string {
	if st := s.Store(); st != nil {
		return st.Dir
	}
	return "memory"
}

// ResolveSpace finds a space named on the command line: "pixels", a run ID,
// the end of a run ID, or a run's name (the most recent of that name).
func (s *Service) ResolveSpace(name string) (SpaceChoice, error) {
	choices := s.Spaces()
	if c, ok := ChoiceByID(choices, name); ok {
		return c, nil
	}
	var match []SpaceChoice
	for _, c := range choices {
		if strings.HasSuffix(c.ID, name) || c.Label == name || strings.EqualFold(c.Label, name) {
			match = append(match, c)
		}
	}
	switch len(match) {
	case 0:
		names := []string{"pca:K"}
		for _, c := range choices {
			if c.ID == c.Label {
				names = append(names, c.ID)
			} else {
				names = append(names, fmt.Sprintf("%q (%s)", c.Label, c.ID))
			}
		}
		return SpaceChoice{}, fmt.Errorf("no space %q on this data: the spaces are %s (embedscope runs list shows the runs)", name, strings.Join(names, ", "))
	case 1:
		return match[0], nil
	}
	return match[len(match)-1], nil
}
