package service

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"sync"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/atomicfile"
	"embedscope/ml/compare"
	"embedscope/ml/knn"
	"embedscope/ml/progress"
)

// CompareRequest asks for the neighbourhood agreement of two spaces.
type CompareRequest struct {
	// A and B name the spaces: "pixels", "pca:K" (PCA with K components
	// fitted on the training split, as a run), or a run (its ID, the end of
	// its ID or its name; see ResolveSpec).
	A, B string
	K    int // neighbours per item; 0 means 10
	// Metric is "euclidean" (default) or "cosine".
	Metric string
	// N compares the first N items of the evaluation split (test, else
	// validation, else train); 0 means 10,000. All compares every item of
	// every split (train, validation, test) instead.
	N   int
	All bool
	// Changed is the number of lowest-agreement items grouped into the
	// most-changed list; 0 means 5 % of the items (at least 1).
	Changed int
	// Out, when not empty, is the path of the per-item CSV, written
	// atomically.
	Out string
	// Cache, when not nil, keeps neighbourhoods between calls instead of
	// the service's own cache (which keeps them for the session).
	Cache *NeighbourCache `json:"-"`
}

// CompareResult is the agreement of two spaces. The JSON holds the
// summary; the per-item data are for the GUI.
type CompareResult struct {
	Data          string           `json:"data"`
	Scaling       string           `json:"scaling"`
	A             string           `json:"a"`
	B             string           `json:"b"`
	DimA          int              `json:"dim_a"`
	DimB          int              `json:"dim_b"`
	K             int              `json:"k"`
	Metric        string           `json:"metric"`
	Split         string           `json:"split"` // "test", "validation", "train" or "all"
	Items         int              `json:"items"`
	MeanAgreement float64          `json:"mean_agreement"`
	PerClass      []ClassAgreement `json:"per_class"`
	Histogram     []HistogramBin   `json:"histogram"`
	// ChangedItems is the number of lowest-agreement items grouped in
	// MostChanged.
	ChangedItems       int            `json:"changed_items"`
	MostChanged        []ChangedGroup `json:"most_changed"`
	SpacesSeconds      float64        `json:"spaces_seconds"` // computing the spaces (a PCA fit)
	NeighboursASeconds float64        `json:"neighbours_a_seconds"`
	NeighboursBSeconds float64        `json:"neighbours_b_seconds"`
	TotalSeconds       float64        `json:"total_seconds"`
	Out                string         `json:"out,omitempty"`

	// Per item, in the order of ItemList: the agreement, the majority
	// class of the neighbourhood in A and in B, and the neighbourhoods
	// (indices into ItemList).
	ItemList                 []workspace.Item        `json:"-"`
	Agreement                []float64               `json:"-"`
	MajorityA, MajorityB     []int                   `json:"-"`
	NeighboursA, NeighboursB *compare.Neighbourhoods `json:"-"`
	Groups                   []compare.Group         `json:"-"`
	// SpaceA and SpaceB are the spaces compared (for their 2-D views).
	SpaceA, SpaceB *workspace.Space `json:"-"`
}

// ClassAgreement is the mean agreement of one class's items.
type ClassAgreement struct {
	Class         string  `json:"class"`
	Items         int     `json:"items"`
	MeanAgreement float64 `json:"mean_agreement"`
}

// HistogramBin is one bar of the agreement histogram: the items sharing
// Shared of their K neighbours.
type HistogramBin struct {
	Shared    int     `json:"shared"`
	Agreement float64 `json:"agreement"`
	Items     int     `json:"items"`
}

// ChangedGroup is one line of the most-changed list: items of Class whose
// neighbours are mostly From in A and mostly To in B.
type ChangedGroup struct {
	Class         string    `json:"class"`
	From          string    `json:"from"`
	To            string    `json:"to"`
	Items         int       `json:"items"`
	MeanAgreement float64   `json:"mean_agreement"`
	Examples      []ItemRef `json:"examples"` // up to 10, lowest agreement first
}

// ItemRef names an item by its split and its original index in its file.
type ItemRef struct {
	Split string `json:"split"`
	Index int    `json:"index"`
}

// Compare resolves the spaces A and B on the workspace's items, finds
// every item's exact k nearest other items in each, and summarises their
// agreement (compare.Agreement): mean, per class, histogram, and the
// lowest-agreement items grouped by (class, majority class of the
// neighbours in A → in B).
func (s *Service) Compare(ctx context.Context, req CompareRequest, t *progress.Tracker) (CompareResult, error) {
	ws := s.WS
	start := time.Now()
	metric, err := ParseMetric(req.Metric)
	if err != nil {
		return CompareResult{}, err
	}
	if metric == knn.Manhattan {
		return CompareResult{}, fmt.Errorf("neighbourhoods are compared by euclidean or cosine distance")
	}
	if req.Cache == nil {
		req.Cache = &s.neighbourhoods
	}
	if req.K == 0 {
		req.K = 10
	}
	ds := ws.Data()
	if ds == nil {
		return CompareResult{}, fmt.Errorf("no data set is open")
	}
	items, split, err := compareItems(ws, req)
	if err != nil {
		return CompareResult{}, err
	}
	if req.K < 1 || req.K > len(items)-1 {
		return CompareResult{}, fmt.Errorf("k = %d: need 1..%d for %d items", req.K, len(items)-1, len(items))
	}
	res := CompareResult{Data: ds.Name, Scaling: ws.Scaling().String(), K: req.K, Metric: metric.String(), Split: split, Items: len(items), ItemList: items}
	sa, err := s.ResolveSpec(ctx, req.A, t)
	if err != nil {
		return CompareResult{}, fmt.Errorf("space A: %w", err)
	}
	sb, err := s.ResolveSpec(ctx, req.B, t)
	if err != nil {
		return CompareResult{}, fmt.Errorf("space B: %w", err)
	}
	res.SpacesSeconds = time.Since(start).Seconds()
	res.A, res.B, res.DimA, res.DimB = sa.Name, sb.Name, sa.Dim(), sb.Dim()
	res.SpaceA, res.SpaceB = sa, sb
	key := func(s *workspace.Space) cacheKey {
		return cacheKey{gen: ws.Generation(), space: s.ID, metric: metric, split: split, n: len(items)}
	}
	step := time.Now()
	if res.NeighboursA, err = req.Cache.neighbours(ctx, key(sa), sa, items, req.K, t); err != nil {
		return CompareResult{}, err
	}
	res.NeighboursASeconds = time.Since(step).Seconds()
	step = time.Now()
	if res.NeighboursB, err = req.Cache.neighbours(ctx, key(sb), sb, items, req.K, t); err != nil {
		return CompareResult{}, err
	}
	res.NeighboursBSeconds = time.Since(step).Seconds()
	if err := res.summarise(ds.Classes, req); err != nil {
		return CompareResult{}, err
	}
	if req.Out != "" {
		if err := res.writeItems(req.Out, ds.Classes); err != nil {
			return CompareResult{}, err
		}
		res.Out = req.Out
	}
	res.TotalSeconds = time.Since(start).Seconds()
	return res, nil
}

// summarise fills the agreement, majorities, summary and groups.
func (res *CompareResult) summarise(classes []string, req CompareRequest) error {
	n, k, nc := res.Items, res.K, len(classes)
	labels := make([]int, n)
	for i, it := range res.ItemList {
		labels[i] = it.Label()
	}
	var err error
	if res.Agreement, err = compare.Agreement(res.NeighboursA, res.NeighboursB, k, nil); err != nil {
		return err
	}
	sum, err := compare.Summarise(res.Agreement, k, labels, nc)
	if err != nil {
		return err
	}
	res.MeanAgreement = sum.Mean
	for _, c := range sum.Classes {
		if c.Count > 0 {
			res.PerClass = append(res.PerClass, ClassAgreement{Class: classes[c.Class], Items: c.Count, MeanAgreement: c.Mean})
		}
	}
	for _, b := range sum.Bins {
		res.Histogram = append(res.Histogram, HistogramBin{Shared: b.Shared, Agreement: b.Agreement, Items: b.Count})
	}
	if res.MajorityA, err = compare.Majority(res.NeighboursA, k, labels, nc, nil); err != nil {
		return err
	}
	if res.MajorityB, err = compare.Majority(res.NeighboursB, k, labels, nc, nil); err != nil {
		return err
	}
	changed := req.Changed
	if changed <= 0 {
		changed = max(1, n/20)
	}
	res.ChangedItems = min(changed, n)
	if res.Groups, err = compare.MostChanged(res.Agreement, labels, res.MajorityA, res.MajorityB, changed); err != nil {
		return err
	}
	for _, g := range res.Groups {
		cg := ChangedGroup{Class: classes[g.Class], From: classes[g.From], To: classes[g.To], Items: len(g.Items), MeanAgreement: g.Mean}
		for _, i := range g.Items[:min(10, len(g.Items))] {
			it := res.ItemList[i]
			cg.Examples = append(cg.Examples, ItemRef{Split: it.Split.Name, Index: it.Row()})
		}
		res.MostChanged = append(res.MostChanged, cg)
	}
	return nil
}

// compareItems returns the items to compare and the name of their split.
func compareItems(ws *workspace.Workspace, req CompareRequest) ([]workspace.Item, string, error) {
	var items []workspace.Item
	if req.All {
		all := workspace.NewItems(ws.Splits())
		for i := 0; i < all.Len(); i++ {
			items = append(items, all.At(i))
		}
		return items, "all", nil
	}
	n := req.N
	if n == 0 {
		n = 10000
	}
	if n < 2 {
		return nil, "", fmt.Errorf("--n %d: compare at least 2 items", n)
	}
	sp := ws.Splits().Eval()
	if sp.Len() == 0 {
		sp = ws.Splits().Train
	}
	for p := 0; p < min(n, sp.Len()); p++ {
		items = append(items, workspace.Item{Split: sp, Pos: p})
	}
	return items, sp.Name, nil
}

// gather copies the rows of the items in space s into one matrix.
func gather(s *workspace.Space, items []workspace.Item) (blas32.General, error) {
	d := s.Dim()
	X := blas32.General{Rows: len(items), Cols: d, Stride: d, Data: make([]float32, len(items)*d)}
	for i, it := range items {
		m := s.Split(it.Split.Name)
		if it.Pos >= m.Rows || m.Cols != d {
			return blas32.General{}, fmt.Errorf("the %s space has no row for %s item %d: compute it again for the current data", s.Name, it.Split.Name, it.Row())
		}
		copy(X.Data[i*d:(i+1)*d], m.Data[it.Pos*m.Stride:it.Pos*m.Stride+d])
	}
	return X, nil
}

// NeighbourCache keeps the neighbourhoods of spaces between comparisons
// (for a session: the pixel neighbourhoods of all 70,000 items are the
// costliest step of a comparison). Neighbourhoods of k neighbours serve any smaller k. It is
// safe for concurrent use; the zero value is ready, and a nil cache keeps
// nothing.
type NeighbourCache struct {
	mu sync.Mutex
	m  map[cacheKey]*compare.Neighbourhoods
}

type cacheKey struct {
	gen    int    // the workspace generation (data, split, scaling)
	space  string // its ID
	metric knn.Metric
	split  string
	n      int
}

// neighbours returns the cached neighbourhoods of the key if they have at
// least k neighbours, else computes (and caches) them.
func (c *NeighbourCache) neighbours(ctx context.Context, key cacheKey, s *workspace.Space, items []workspace.Item, k int, t *progress.Tracker) (*compare.Neighbourhoods, error) {
	if c != nil {
		c.mu.Lock()
		nb := c.m[key]
		c.mu.Unlock()
		if nb != nil && nb.K >= k {
			return nb, nil
		}
	}
	X, err := gather(s, items)
	if err != nil {
		return nil, err
	}
	t.Stage("neighbours in "+s.Name, 0)
	nb, err := compare.Neighbours(ctx, X, k, key.metric, t)
	if err != nil {
		return nil, fmt.Errorf("neighbours in %s: %w", s.Name, err)
	}
	if c != nil {
		c.mu.Lock()
		if c.m == nil {
			c.m = map[cacheKey]*compare.Neighbourhoods{}
		}
		c.m[key] = nb
		c.mu.Unlock()
	}
	return nb, nil
}

// writeItems writes one CSV row per item, in item order: split, original
// index, class, agreement, shared neighbours, and the majority class of
// the neighbourhood in A and in B.
func (res *CompareResult) writeItems(path string, classes []string) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"split", "index", "label", "agreement", "shared", "majority_a", "majority_b"})
	for i, it := range res.ItemList {
		a := res.Agreement[i]
		w.Write([]string{it.Split.Name, strconv.Itoa(it.Row()), classes[it.Label()], strconv.FormatFloat(a, 'g', 6, 64),
			strconv.Itoa(compare.SharedOf(a, res.K)), classes[res.MajorityA[i]], classes[res.MajorityB[i]]})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := atomicfile.Write(path, b.Bytes()); err != nil {
		return fmt.Errorf("cannot write %s: %w (choose a folder you can write to)", path, err)
	}
	return nil
}

// Quality scores the space named by spec (see ResolveSpec) against the
// pixels on every item (train, validation, test): compare.Assess with its
// default options. The Euclidean 10-neighbourhoods of both spaces come
// from, and go to, the service's cache.
func (svc *Service) Quality(ctx context.Context, spec string, t *progress.Tracker) (compare.Quality, error) {
	return svc.quality(ctx, spec, compare.QualityOptions{}, t)
}

// quality is Quality with the options of compare.Assess.
func (svc *Service) quality(ctx context.Context, spec string, opt compare.QualityOptions, t *progress.Tracker) (compare.Quality, error) {
	ws, cache := svc.WS, &svc.neighbourhoods
	s, err := svc.ResolveSpec(ctx, spec, t)
	if err != nil {
		return compare.Quality{}, err
	}
	px, err := ws.PixelSpace(ctx)
	if err != nil {
		return compare.Quality{}, err
	}
	req := CompareRequest{All: true}
	items, split, err := compareItems(ws, req)
	if err != nil {
		return compare.Quality{}, err
	}
	in := QualityInputFor(ws, items)
	if in.X, err = gather(s, items); err != nil {
		return compare.Quality{}, err
	}
	if in.Pixels, err = gather(px, items); err != nil {
		return compare.Quality{}, err
	}
	key := func(s *workspace.Space) cacheKey {
		return cacheKey{gen: ws.Generation(), space: s.ID, metric: knn.Euclidean, split: split, n: len(items)}
	}
	if in.Neighbours, err = cache.neighbours(ctx, key(s), s, items, 10, t); err != nil {
		return compare.Quality{}, err
	}
	if in.PixelNeighbours, err = cache.neighbours(ctx, key(px), px, items, 10, t); err != nil {
		return compare.Quality{}, err
	}
	return compare.Assess(ctx, in, opt, t)
}

// QualityInputFor returns the split sizes, labels and classes of items
// (in workspace.NewItems order) for compare.Assess; X and Pixels are left
// to the caller.
func QualityInputFor(ws *workspace.Workspace, items []workspace.Item) compare.QualityInput {
	in := compare.QualityInput{Classes: len(ws.Data().Classes), Labels: make([]int, len(items))}
	for i, it := range items {
		in.Labels[i] = it.Label()
		switch it.Split.Name {
		case "train":
			in.Train++
		case "validation":
			in.Val++
		default:
			in.Test++
		}
	}
	return in
}
