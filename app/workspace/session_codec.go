package workspace

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maxSessionClasses is the most classes a session's data may have beyond
// one per item (an image folder may have class folders without images).
const maxSessionClasses = 1 << 16

// sessionHeader is the JSON part of a session file; blobs are referred to
// by their index in Blobs.
type sessionHeader struct {
	App       string               `json:"app"`
	Saved     time.Time            `json:"saved"`
	Source    string               `json:"source"`
	Load      *dataset.LoadOptions `json:"load,omitempty"` // how the source was read, when not the defaults
	Data      DataInfo             `json:"data"`
	Split     splitJSON            `json:"split"`
	Scaling   string               `json:"scaling"`
	Spaces    []spaceJSON          `json:"spaces"`
	Labelings []labelingJSON       `json:"labelings"`
	Selection selectionJSON        `json:"selection"`
	Settings  map[string]string    `json:"settings,omitempty"`
	Panel     string               `json:"panel,omitempty"`
	Window    [2]float32           `json:"window"`
	// Runs are the records of the runs behind the spaces (app/runs), kept
	// as the app gave them.
	Runs  []json.RawMessage `json:"runs,omitempty"`
	Blobs []int64           `json:"blobs"` // byte lengths, in file order
}

type splitJSON struct {
	Validation float64 `json:"validation"`
	Seed       uint64  `json:"seed"`
}

// spaceJSON describes a space: its three splits (train, validation, test)
// as rows×cols float32 matrices one after the other in blob Data.
type spaceJSON struct {
	ID    string     `json:"id,omitempty"` // the run's ID (the name in sessions before runs)
	Kind  string     `json:"kind,omitempty"`
	Name  string     `json:"name"`
	Rows  [3]int     `json:"rows"`
	Cols  [3]int     `json:"cols"`
	Data  int        `json:"data"`
	Model *modelJSON `json:"model,omitempty"`
}

type modelJSON struct {
	Kind string `json:"kind"`
	Data int    `json:"data"`
}

// labelingJSON describes a labelling; its labels are int32 in blob Labels.
type labelingJSON struct {
	Name       string   `json:"name"`
	Classes    []string `json:"classes"`
	Prediction bool     `json:"prediction,omitempty"`
	Labels     int      `json:"labels"`
}

type selectionJSON struct {
	Refs     map[string][]int `json:"refs,omitempty"` // rows by part
	Source   string           `json:"source,omitempty"`
	Isolated bool             `json:"isolated,omitempty"`
	Focus    *Ref             `json:"focus,omitempty"`
}

// MarshalSession returns the session file of the workspace and extra (see
// SaveSession).
func (w *Workspace) MarshalSession(extra SessionExtra) ([]byte, error) {
	w.mu.RLock()
	ds, opts, scaling := w.data, w.splitOpts, w.scaling
	spaces := slices.Collect(maps.Values(w.spaces))
	labelings := slices.Collect(maps.Values(w.labelings))
	sel := w.sel
	sel.refs = slices.Clone(sel.refs)
	settings := maps.Clone(w.settings)
	w.mu.RUnlock()
	if ds == nil {
		return nil, fmt.Errorf("no data set is open: there is nothing to save")
	}
	source := ds.Source
	if source != Embedded && source != "" {
		if abs, err := filepath.Abs(source); err == nil {
			source = abs
		}
	}
	h := sessionHeader{
		App: "EmbedScope", Saved: time.Now().UTC().Truncate(time.Second), Source: source, Data: describeData(ds),
		Split: splitJSON{Validation: opts.ValFraction, Seed: opts.Seed}, Scaling: scaling.String(),
		Settings: settings, Panel: extra.Panel, Window: [2]float32{finite(extra.Width), finite(extra.Height)},
		Spaces: []spaceJSON{}, Labelings: []labelingJSON{}, Runs: extra.Runs,
	}
	if ds.Options != (dataset.LoadOptions{}) {
		h.Load = &ds.Options
	}
	var blobs [][]byte
	add := func(b []byte) int {
		blobs = append(blobs, b)
		h.Blobs = append(h.Blobs, int64(len(b)))
		return len(blobs) - 1
	}
	sort.Slice(spaces, func(i, j int) bool { return spaces[i].ID < spaces[j].ID })
	for _, sp := range spaces {
		if sp.ID == PixelsSpace {
			continue
		}
		e := spaceJSON{ID: sp.ID, Kind: sp.Kind, Name: sp.Name}
		var data []byte
		for i, m := range []blas32.General{sp.Train, sp.Val, sp.Test} {
			e.Rows[i], e.Cols[i] = m.Rows, m.Cols
			for r := range m.Rows {
				for _, v := range m.Data[r*m.Stride : r*m.Stride+m.Cols] {
					data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
				}
			}
		}
		e.Data = add(data)
		if sp.Model != nil {
			mb, err := sp.Model.MarshalBinary()
			if err != nil {
				return nil, fmt.Errorf("saving the model behind %q: %w", sp.Name, err)
			}
			e.Model = &modelJSON{Kind: sp.Model.Kind(), Data: add(mb)}
		}
		h.Spaces = append(h.Spaces, e)
	}
	sort.Slice(labelings, func(i, j int) bool { return labelings[i].Name < labelings[j].Name })
	for _, l := range labelings {
		lb := make([]byte, 0, 4*len(l.Labels))
		for _, v := range l.Labels {
			lb = binary.LittleEndian.AppendUint32(lb, uint32(int32(v)))
		}
		h.Labelings = append(h.Labelings, labelingJSON{Name: l.Name, Classes: l.Classes, Prediction: l.Prediction, Labels: add(lb)})
	}
	h.Selection = selectionJSON{Source: sel.source, Isolated: sel.isolated, Focus: sel.focus}
	for _, r := range sel.refs {
		if h.Selection.Refs == nil {
			h.Selection.Refs = map[string][]int{}
		}
		h.Selection.Refs[r.Part] = append(h.Selection.Refs[r.Part], r.Row)
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	size := 16 + len(hb)
	for _, b := range blobs {
		size += len(b)
	}
	out := make([]byte, 0, size)
	out = append(out, sessionMagic...)
	out = binary.LittleEndian.AppendUint32(out, SessionFormat)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(hb)))
	out = append(out, hb...)
	for _, b := range blobs {
		out = append(out, b...)
	}
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, castagnoli)), nil
}

// finite returns v, or 0 for NaN, infinities and negative values.
func finite(v float32) float32 {
	if v != v || v < 0 || v > math.MaxFloat32 {
		return 0
	}
	return v
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w (%s): it was cut short or changed after it was saved, so nothing was loaded", ErrSessionCorrupt, fmt.Sprintf(format, args...))
}

// ParseSession reads a session file's bytes and validates all of it — the
// checksum, the structure, every matrix size and model — before returning,
// so a damaged file is refused whole (errors wrap ErrNotSession,
// ErrSessionVersion or ErrSessionCorrupt). It never panics.
func ParseSession(b []byte) (*Session, error) {
	if len(b) < len(sessionMagic) || string(b[:len(sessionMagic)]) != sessionMagic {
		if len(b) < len(sessionMagic) && string(b) == sessionMagic[:len(b)] {
			return nil, corrupt("%d bytes", len(b))
		}
		return nil, ErrNotSession
	}
	if len(b) < 8 {
		return nil, corrupt("%d bytes", len(b))
	}
	version := binary.LittleEndian.Uint32(b[4:])
	if version > SessionFormat {
		return nil, fmt.Errorf("%w (format %d); this version reads up to %d: update EmbedScope to open it", ErrSessionVersion, version, SessionFormat)
	}
	if version < 1 {
		return nil, corrupt("format %d", version)
	}
	if len(b) < 16 {
		return nil, corrupt("%d bytes", len(b))
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, corrupt("checksum mismatch")
	}
	hl := binary.LittleEndian.Uint32(body[8:])
	if uint64(hl) > uint64(len(body)-12) {
		return nil, corrupt("header runs past the end")
	}
	var h sessionHeader
	if err := json.Unmarshal(body[12:12+int(hl)], &h); err != nil {
		return nil, corrupt("header: %v", err)
	}
	blobs, err := splitBlobs(body[12+int(hl):], h.Blobs)
	if err != nil {
		return nil, err
	}
	return h.session(int(version), blobs)
}

// splitBlobs cuts rest into blobs of the given lengths, which must cover it.
func splitBlobs(rest []byte, lengths []int64) ([][]byte, error) {
	blobs := make([][]byte, 0, min(len(lengths), len(rest)+1))
	for _, n := range lengths {
		if n < 0 || n > int64(len(rest)) {
			return nil, corrupt("a block of %d bytes runs past the end", n)
		}
		blobs = append(blobs, rest[:n:n])
		rest = rest[n:]
	}
	if len(rest) != 0 {
		return nil, corrupt("%d bytes after the last block", len(rest))
	}
	return blobs, nil
}

// session checks the header against its blobs and builds the Session.
func (h *sessionHeader) session(version int, blobs [][]byte) (*Session, error) {
	blob := func(i int) ([]byte, bool) {
		if i < 0 || i >= len(blobs) {
			return nil, false
		}
		return blobs[i], true
	}
	d := h.Data
	if d.Channels != 0 && (d.Channels != 1 && d.Channels != 3 || d.Width < 1 || d.Height < 1 || d.Width*d.Height*d.Channels != d.Dim) {
		return nil, corrupt("data of %s: images of %d×%d×%d do not make %d features", d, d.Width, d.Height, d.Channels, d.Dim)
	}
	var load dataset.LoadOptions
	if h.Load != nil {
		load = *h.Load
		if im := load.Images; im.Side < 0 || im.Side > dataset.MaxImageSide || im.Fit < dataset.FitLetterbox || im.Fit > dataset.FitStretch {
			return nil, corrupt("load options %+v", load)
		}
	}
	if d.Train < 1 || d.Test < 0 || d.Dim < 1 || d.Classes < 1 || d.Train > dataset.MaxItems || d.Test > dataset.MaxItems-d.Train ||
		d.Dim > dataset.MaxDataBytes || d.Classes > max(d.Train+d.Test, maxSessionClasses) {
		return nil, corrupt("data of %s: at most %d items (dataset.MaxItems), %d features, and no more classes than items", d, dataset.MaxItems, dataset.MaxDataBytes)
	}
	scaling, err := dataset.ParseScaling(h.Scaling)
	if err != nil {
		return nil, corrupt("scaling: %v", err)
	}
	if !(h.Split.Validation >= 0 && h.Split.Validation < 1) {
		return nil, corrupt("validation share %v", h.Split.Validation)
	}
	s := &Session{
		Format: version, Saved: h.Saved, Source: h.Source, Load: load, Data: d,
		Split:   dataset.SplitOptions{ValFraction: h.Split.Validation, Seed: h.Split.Seed},
		Scaling: scaling, Settings: h.Settings,
		SessionExtra: SessionExtra{Panel: h.Panel, Width: finite(h.Window[0]), Height: finite(h.Window[1]), Runs: h.Runs},
	}
	items := d.Train + d.Test
	seen := map[string]bool{}
	for _, e := range h.Spaces {
		sp, err := e.space(items, d.Dim, blob)
		if err != nil {
			return nil, err
		}
		if seen[sp.ID] {
			return nil, corrupt("two spaces with the ID %q", sp.ID)
		}
		seen[sp.ID] = true
		s.Spaces = append(s.Spaces, sp)
	}
	seen = map[string]bool{}
	for _, e := range h.Labelings {
		lb, ok := blob(e.Labels)
		if e.Name == "" || seen[e.Name] || !ok || len(lb)%4 != 0 || len(lb)/4 > items {
			return nil, corrupt("labelling %q", e.Name)
		}
		seen[e.Name] = true
		labels := make([]int, len(lb)/4)
		for i := range labels {
			labels[i] = int(int32(binary.LittleEndian.Uint32(lb[4*i:])))
			if labels[i] < -1 || labels[i] >= len(e.Classes) {
				return nil, corrupt("labelling %q gives item %d the label %d, of %d classes", e.Name, i, labels[i], len(e.Classes))
			}
		}
		s.Labelings = append(s.Labelings, &Labeling{Name: e.Name, Classes: e.Classes, Prediction: e.Prediction, Labels: labels})
	}
	sel := &s.Selection
	sel.Source, sel.Isolated = h.Selection.Source, h.Selection.Isolated
	for part, rows := range h.Selection.Refs {
		for _, r := range rows {
			ref := Ref{Part: part, Row: r}
			if !d.holds(ref) {
				return nil, corrupt("selected item %v", ref)
			}
			sel.Refs = append(sel.Refs, ref)
		}
	}
	slices.SortFunc(sel.Refs, Ref.Compare)
	sel.Refs = slices.Compact(sel.Refs)
	if f := h.Selection.Focus; f != nil {
		if !d.holds(*f) {
			return nil, corrupt("focused item %v", *f)
		}
		sel.Focus = f
	}
	return s, nil
}

// holds reports whether the data has the item r.
func (d DataInfo) holds(r Ref) bool {
	switch r.Part {
	case "train":
		return r.Row >= 0 && r.Row < d.Train
	case "test":
		return r.Row >= 0 && r.Row < d.Test
	}
	return false
}

// space rebuilds one space, its model and its Inverse.
func (e *spaceJSON) space(items, dim int, blob func(int) ([]byte, bool)) (*Space, error) {
	data, ok := blob(e.Data)
	if e.Name == "" || !ok {
		return nil, corrupt("space %q", e.Name)
	}
	total, cols := 0, e.Cols[0]
	for i := range 3 {
		r, c := e.Rows[i], e.Cols[i]
		if r < 0 || c < 0 || r > items || r > len(data) || c > len(data) || (r > 0 && c != cols) || r*c > len(data) {
			return nil, corrupt("space %q is %d×%d", e.Name, r, c)
		}
		total += r * c
	}
	if cols < 1 || e.Rows[0] < 1 || 4*total != len(data) {
		return nil, corrupt("space %q has %d bytes for %d values", e.Name, len(data), total)
	}
	var m [3]blas32.General
	off := 0
	for i := range m {
		n := e.Rows[i] * e.Cols[i]
		m[i] = blas32.General{Rows: e.Rows[i], Cols: e.Cols[i], Stride: max(e.Cols[i], 1), Data: make([]float32, n)}
		for j := range n {
			m[i].Data[j] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*(off+j):]))
		}
		off += n
	}
	sp := &Space{ID: e.ID, Kind: e.Kind, Name: e.Name, Train: m[0], Val: m[1], Test: m[2]}
	if sp.ID == "" {
		sp.ID = sp.Name
	}
	if e.Model == nil {
		return sp, nil
	}
	mb, ok := blob(e.Model.Data)
	if !ok {
		return nil, corrupt("the model of space %q", e.Name)
	}
	if !knownSpaceModel(e.Model.Kind) {
		return nil, fmt.Errorf("%w: the space %q needs a model of kind %q, which this version does not know; update EmbedScope to open it",
			ErrSessionVersion, e.Name, e.Model.Kind)
	}
	model, err := decodeSpaceModel(e.Model.Kind, mb)
	if err != nil {
		return nil, corrupt("the model of space %q: %v", e.Name, err)
	}
	if in, out := model.Dims(); in != dim || out != cols {
		return nil, corrupt("the model of space %q maps %d features to %d, the space has %d of %d", e.Name, in, out, cols, dim)
	}
	if g, ok := model.(*GLRMModel); ok {
		g.Model.A = sp.Train
	}
	sp.Model = model
	if inv, ok := model.(InvertibleModel); ok {
		sp.Inverse = inv.InverseFunc()
	}
	return sp, nil
}
