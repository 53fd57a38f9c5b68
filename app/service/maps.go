package service

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/runs"
	"embedscope/app/workspace"
	"embedscope/ml/progress"
	"embedscope/ml/tsne"
)

// MaxTrustworthiness is the largest map whose trustworthiness(5) is
// measured on every point; larger maps are measured on their first
// MaxTrustworthiness points (the exact measure is quadratic).
const MaxTrustworthiness = 20000

// MapItems says which items a 2-D map shows.
type MapItems struct {
	Input string `json:"input"`       // the space mapped: "pixels" (through PCA-50) or a run ID
	All   bool   `json:"all"`         // every item of every split
	N     int    `json:"n,omitempty"` // else the first N items: the evaluation split's, then the others'
}

// TSNERequest asks for a t-SNE map.
type TSNERequest struct {
	MapItems
	Perplexity   float64 `json:"perplexity"`
	Iterations   int     `json:"iterations"`
	LearningRate float64 `json:"learning_rate,omitempty"` // 0: automatic (n/12)
	// Exaggeration, when > 0, exaggerates the affinities by this factor
	// for the whole run (4 draws tighter clusters); 0 is the standard 12
	// for the first 250 iterations.
	Exaggeration float64 `json:"exaggeration,omitempty"`
	Seed         uint64  `json:"seed"`
	// Trust measures trustworthiness(5) against the map's input.
	Trust bool `json:"trust"`
}

// MapResult is a 2-D map of items (t-SNE or UMAP).
type MapResult struct {
	Run        runs.Record
	Generation int
	Items      []workspace.Item
	Labels     []int
	Embedding  blas32.General // len(Items) × 2
	// Space is the map as a space of every item (nil for a map of a
	// subset): Clusters and Compare use it.
	Space           *workspace.Space
	InputName       string // what the neighbours were measured in, e.g. "PCA-50"
	KNN5            float64
	Trustworthiness float64 // NaN when not measured
	TrustN          int     // points it was measured on
	Seconds         float64 // PCA-50 + the map
	// t-SNE's figures.
	KL           float64
	Iterations   int
	LearningRate float64
	Neighbors    int
	// Note says how the items differ from what was asked (e.g. "N was
	// larger than the data: mapped all 10,000 items"); empty otherwise.
	Note string
}

// ItemsFor lists the items a map of req shows, in its row order, and a
// note when they differ from what was asked.
func (s *Service) ItemsFor(req MapItems) (items []workspace.Item, note string, err error) {
	splits := s.WS.Splits()
	all := workspace.NewItems(splits)
	switch {
	case req.All:
		items = make([]workspace.Item, all.Len())
		for i := range items {
			items[i] = all.At(i)
		}
		return items, "", nil
	case req.N < 4:
		return nil, "", fmt.Errorf("a map needs at least 4 items, not %d", req.N)
	}
	ev := splits.Eval()
	order := make([]workspace.Item, 0, all.Len())
	for p := 0; p < ev.Len(); p++ {
		order = append(order, workspace.Item{Split: ev, Pos: p})
	}
	for i := 0; i < all.Len(); i++ {
		if it := all.At(i); it.Split.Name != ev.Name || ev.Len() == 0 {
			order = append(order, it)
		}
	}
	if req.N > len(order) {
		note = fmt.Sprintf("%d items were asked for and the data has %d: all are mapped", req.N, len(order))
	} else if req.N > ev.Len() && ev.Len() > 0 {
		note = fmt.Sprintf("the %s split has %d items: the other %d come from the other splits", ev.Name, ev.Len(), req.N-ev.Len())
	}
	return order[:min(req.N, len(order))], note, nil
}

// mapInput gathers the items of req and their features in the input
// space; inputs wider than 50 dimensions are reduced by PCA-50.
func (s *Service) mapInput(ctx context.Context, req MapItems, t *progress.Tracker) (items []workspace.Item, X blas32.General, inputName, note string, err error) {
	sp, err := s.Space(ctx, req.Input)
	if err != nil {
		return nil, X, "", "", err
	}
	if items, note, err = s.ItemsFor(req); err != nil {
		return nil, X, "", "", err
	}
	X = Rows(sp, items)
	inputName = sp.Name
	if sp.Dim() > 50 {
		t.Stage("PCA to 50 dimensions", 0)
		if X, err = tsne.PCA50(ctx, X); err != nil {
			return nil, X, "", "", err
		}
		inputName = "PCA-50 of " + sp.Name
	}
	return items, X, inputName, note, nil
}

// MapTSNE makes a Barnes-Hut t-SNE map of the items req names, measures
// its leave-one-out 5-NN accuracy (and, when asked, trustworthiness(5)
// against its input), records the run, and publishes a map of every item
// as a space. onIteration, if not nil, gets the map every 10 iterations on
// the job's goroutine (it may block to pause the optimisation).
func (s *Service) MapTSNE(ctx context.Context, req TSNERequest, t *progress.Tracker, onIteration func(iter int, Y []float32, kl float64)) (*MapResult, error) {
	if req.Iterations < 1 || req.Iterations > 100000 {
		return nil, fmt.Errorf("t-SNE runs from 1 to 100,000 iterations, not %d", req.Iterations)
	}
	if !(req.LearningRate >= 0) || !(req.Exaggeration >= 0) {
		return nil, fmt.Errorf("the learning rate and the exaggeration must be ≥ 0 (0: automatic, standard)")
	}
	gen := s.WS.Generation()
	var parents []string
	if req.Input != "" && req.Input != workspace.PixelsSpace {
		parents = []string{req.Input}
	}
	started := time.Now()
	items, X, inputName, note, err := s.mapInput(ctx, req.MapItems, t)
	if err != nil {
		return nil, err
	}
	if !(req.Perplexity > 0) || req.Perplexity >= float64(len(items))/3 {
		return nil, fmt.Errorf("the perplexity must be above 0 and below n/3 = %.0f for %d points, not %v", float64(len(items))/3, len(items), req.Perplexity)
	}
	rec, err := s.begin(runs.KindTSNE, "t-SNE of "+strings.TrimPrefix(inputName, "PCA-50 of "), req, true, parents...)
	if err != nil {
		return nil, err
	}
	cfg := tsne.TSNE{Perplexity: req.Perplexity, Iterations: req.Iterations, LearningRate: req.LearningRate, Seed: req.Seed,
		CallbackEvery: 10, Progress: t, OnIteration: onIteration}
	if req.Exaggeration > 0 {
		cfg.EarlyExaggeration, cfg.ExaggerationIters = req.Exaggeration, req.Iterations
	}
	res := &MapResult{Generation: gen, Items: items, InputName: inputName, Note: note}
	m, err := cfg.Fit(ctx, X)
	if err == nil {
		res.Embedding, res.KL, res.Iterations, res.LearningRate, res.Neighbors = m.Embedding, m.KL, m.Iterations, m.LearningRate, m.Neighbors
		err = s.scoreMap(ctx, res, X, req.Trust, t)
	}
	res.Seconds = time.Since(started).Seconds()
	if err == nil {
		rec.Metrics = mapMetrics(res)
		rec.Metrics["kl"] = res.KL
		res.Space = s.mapSpace(res)
	}
	if err := s.end(rec, started, res.Space, gen, err); err != nil {
		return nil, err
	}
	res.Run = *rec
	return res, nil
}

// scoreMap measures the 5-NN accuracy of a map and, when trust is set, its
// trustworthiness(5) against X.
func (s *Service) scoreMap(ctx context.Context, res *MapResult, X blas32.General, trust bool, t *progress.Tracker) error {
	res.Labels = make([]int, len(res.Items))
	for i, it := range res.Items {
		res.Labels[i] = it.Label()
	}
	t.Stage("5-NN accuracy inside the map", 0)
	var err error
	if res.KNN5, err = tsne.LeaveOneOut5NN(ctx, res.Embedding, res.Labels); err != nil {
		return err
	}
	res.Trustworthiness = nan
	if !trust {
		return nil
	}
	t.Stage("trustworthiness against the input", 0)
	res.TrustN = min(len(res.Items), MaxTrustworthiness)
	sub := func(m blas32.General) blas32.General {
		return blas32.General{Rows: res.TrustN, Cols: m.Cols, Stride: m.Stride, Data: m.Data[:res.TrustN*m.Stride]}
	}
	res.Trustworthiness, err = tsne.Trustworthiness(ctx, sub(X), sub(res.Embedding), 5)
	return err
}

func mapMetrics(res *MapResult) map[string]float64 {
	m := map[string]float64{"knn5_map": res.KNN5, "items": float64(len(res.Items))}
	if res.TrustN > 0 {
		m["trustworthiness5"] = res.Trustworthiness
	}
	return m
}

// mapSpace turns a map of every item into a space (nil for a subset).
func (s *Service) mapSpace(res *MapResult) *workspace.Space {
	all := workspace.NewItems(s.WS.Splits())
	Y := res.Embedding
	if len(res.Items) != all.Len() || Y.Rows != len(res.Items) {
		return nil
	}
	sp := &workspace.Space{}
	rows := map[string][]int{}
	for i, it := range res.Items {
		rows[it.Split.Name] = append(rows[it.Split.Name], i)
	}
	for _, p := range []struct {
		name string
		dst  *blas32.General
	}{{"train", &sp.Train}, {"validation", &sp.Val}, {"test", &sp.Test}} {
		r := rows[p.name]
		m := blas32.General{Rows: len(r), Cols: 2, Stride: 2, Data: make([]float32, 2*len(r))}
		for k, i := range r {
			copy(m.Data[2*k:2*k+2], Y.Data[i*Y.Stride:i*Y.Stride+2])
		}
		*p.dst = m
	}
	return sp
}

var nan = math.NaN()
