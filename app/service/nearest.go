package service

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/knn"
)

// Metric is a distance of the nearest-item search and the classifiers.
type Metric = knn.Metric

// Cosine is the cosine distance 1 − cos θ.
const Cosine = knn.Cosine

// NearestRequest asks for the items nearest to one item in a space, over
// every split, by exact search.
type NearestRequest struct {
	Space  string        `json:"space"`  // space ID: "pixels" or a run ID
	Query  workspace.Ref `json:"query"`  // the item searched from (left out of the answer)
	N      int           `json:"n"`      // how many
	Metric string        `json:"metric"` // "euclidean" (default) or "cosine"
}

// NearestHit is one item found.
type NearestHit struct {
	Item int           // position in workspace.NewItems order
	Ref  workspace.Ref // the item
	Dist float64
}

// NearestResult lists the items nearest to the query.
type NearestResult struct {
	Request  NearestRequest
	Space    *workspace.Space
	Metric   knn.Metric
	Hits     []NearestHit // by increasing distance, then position
	Searched int          // items searched
	Took     time.Duration
}

// MaxNearest bounds NearestRequest.N.
const MaxNearest = 1000

// searchCache keeps, for one workspace generation, the search index (row
// norms) of every matrix searched, so that a search after the first costs
// one pass over the rows. Safe for concurrent use.
type searchCache struct {
	mu      sync.Mutex
	gen     int
	indexes map[matrixKey]*knn.Index
}

// matrixKey names a matrix by its data, so that the same features reached
// twice (PixelSpace returns a new Space each time) share an index.
type matrixKey struct {
	data               *float32
	rows, cols, stride int
}

// index returns the search index of X, building it on first use.
func (c *searchCache) index(ctx context.Context, gen int, X blas32.General) (*knn.Index, error) {
	key := matrixKey{&X.Data[0], X.Rows, X.Cols, X.Stride}
	c.mu.Lock()
	if c.gen != gen || c.indexes == nil {
		c.gen, c.indexes = gen, map[matrixKey]*knn.Index{}
	}
	ix := c.indexes[key]
	c.mu.Unlock()
	if ix != nil {
		return ix, nil
	}
	ix, err := knn.NewIndex(ctx, X)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen && c.indexes != nil {
		c.indexes[key] = ix
	}
	c.mu.Unlock()
	return ix, nil
}

// Nearest finds the req.N items nearest to req.Query in the requested
// space, over every split, Euclidean or cosine, exactly; the query itself
// is left out and equal distances go to the lower position.
func (s *Service) Nearest(ctx context.Context, req NearestRequest) (*NearestResult, error) {
	m, err := ParseMetric(req.Metric)
	if err != nil {
		return nil, err
	}
	if m == knn.Manhattan {
		return nil, fmt.Errorf("the nearest-item search measures euclidean or cosine distances")
	}
	if req.N < 1 || req.N > MaxNearest {
		return nil, fmt.Errorf("ask for 1 to %d items, not %d", MaxNearest, req.N)
	}
	gen := s.WS.Generation()
	space, err := s.Space(ctx, req.Space)
	if err != nil {
		return nil, err
	}
	items := workspace.NewItems(s.WS.Splits())
	pos := items.Positions([]workspace.Ref{req.Query})
	if len(pos) != 1 {
		return nil, fmt.Errorf("%v is not an item of the data", req.Query)
	}
	begin := time.Now()
	target := items.At(pos[0])
	q := items.Row(space, pos[0])
	var hits []NearestHit
	start := 0
	for _, sp := range items.Splits {
		X := space.Split(sp.Name)
		if X.Rows != sp.Len() {
			return nil, fmt.Errorf("the %s space has %d rows for the %s split of %d items: compute it again", space.Name, X.Rows, sp.Name, sp.Len())
		}
		exclude, avail := -1, X.Rows
		if sp.Name == target.Split.Name {
			exclude, avail = target.Pos, avail-1
		}
		if avail > 0 {
			ix, err := s.search.index(ctx, gen, X)
			if err != nil {
				return nil, fmt.Errorf("%s space: %w", space.Name, err)
			}
			nb, err := ix.Nearest(ctx, q, min(req.N, avail), m, exclude)
			if err != nil {
				return nil, fmt.Errorf("%s space: %w", space.Name, err)
			}
			for _, b := range nb {
				hits = append(hits, NearestHit{Item: start + b.Row, Dist: b.Dist})
			}
		}
		start += sp.Len()
	}
	sort.Slice(hits, func(a, b int) bool {
		if hits[a].Dist != hits[b].Dist {
			return hits[a].Dist < hits[b].Dist
		}
		return hits[a].Item < hits[b].Item
	})
	hits = hits[:min(req.N, len(hits))]
	for k := range hits {
		hits[k].Ref = items.Ref(hits[k].Item)
	}
	return &NearestResult{Request: req, Space: space, Metric: m, Hits: hits, Searched: items.Len(), Took: time.Since(begin)}, nil
}

// TrainSearch finds the nearest training items of any point in one space
// (a panel's "nearest neighbours of the clicked item", "why was this
// predicted?").
type TrainSearch struct {
	cl   *knn.Classifier
	rows int
}

// Neighbour is a training item found by a TrainSearch.
type Neighbour struct {
	Pos  int // position in the training split
	Dist float64
}

// NewTrainSearch prepares a search of the training rows of sp.
func (s *Service) NewTrainSearch(sp *workspace.Space) (*TrainSearch, error) {
	cl := &knn.Classifier{K: 1}
	if err := cl.Fit(sp.Train, s.WS.Splits().Train.Labels()); err != nil {
		return nil, err
	}
	return &TrainSearch{cl: cl, rows: sp.Train.Rows}, nil
}

// Nearest returns the k training items nearest to q (Euclidean), nearest
// first, leaving out position self (−1: none).
func (ts *TrainSearch) Nearest(ctx context.Context, q []float32, k, self int) ([]Neighbour, error) {
	want := min(k+1, ts.rows)
	Q := blas32.General{Rows: 1, Cols: len(q), Stride: len(q), Data: q}
	nb, err := ts.cl.KNeighbors(ctx, Q, want)
	if err != nil {
		return nil, err
	}
	var out []Neighbour
	for j := 0; j < nb.K && len(out) < k; j++ {
		if nb.Index[j] == self {
			continue
		}
		out = append(out, Neighbour{Pos: nb.Index[j], Dist: nb.Dist[j]})
	}
	return out, nil
}
