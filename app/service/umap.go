// Package service holds the pipelines that the GUI panels and the CLI
// commands share: a request, a plain function, a result.
package service

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/runs"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/knn"
	"embedscope/ml/metrics"
	"embedscope/ml/pca"
	"embedscope/ml/progress"
	"embedscope/ml/tsne"
	"embedscope/ml/umap"
)

// UMAPTrustSample is the largest number of points trustworthiness(5) is
// measured on: a larger map is measured on every ⌈n/UMAPTrustSample⌉-th
// point, with the neighbourhoods taken inside that sample, in the input
// and in the map alike (the exact measure is quadratic).
const UMAPTrustSample = 20000

// UMAPRequest asks for a UMAP map of some items.
type UMAPRequest struct {
	// Input is the space mapped: "" or "pixels" for the scaled pixels, else
	// the name of a space in the workspace. Inputs wider than 50
	// dimensions are reduced by PCA-50 first (fitted on the mapped items).
	Input string `json:"input,omitempty"`
	// All maps every item of every split; else the first N items: the
	// evaluation split's (test, else validation), then the others'.
	All bool `json:"all"`
	N   int  `json:"n,omitempty"`
	// Place fits the map on the training split's items only (the first N,
	// or all) and places the evaluation split's items (the first N, or all)
	// into it with umap.Model.Transform.
	Place bool `json:"place,omitempty"`
	// Supervised uses the classes of the training split's items
	// (umap-learn's categorical target); the other items count as unknown
	// (−1), so the evaluation labels never shape the map.
	Supervised bool `json:"supervised,omitempty"`

	Neighbors int     `json:"neighbors"`
	MinDist   float64 `json:"min_dist"`
	Spread    float64 `json:"spread"`
	Metric    string  `json:"metric"`           // "euclidean" (default) or "cosine"
	Epochs    int     `json:"epochs,omitempty"` // 0: 500 up to 10,000 items, else 200
	Seed      uint64  `json:"seed"`
	// Trust measures trustworthiness(5) against the input.
	Trust bool `json:"trust"`
}

// DefaultUMAPRequest returns umap-learn's defaults for the first n items.
func DefaultUMAPRequest(n int) UMAPRequest {
	return UMAPRequest{N: n, Neighbors: umap.DefaultNeighbors, MinDist: umap.DefaultMinDist, Spread: umap.DefaultSpread,
		Metric: "euclidean", Trust: true}
}

// UMAPResult is a UMAP map and its quality.
type UMAPResult struct {
	Run       runs.Record
	Space     *workspace.Space // the map of every item as a space (nil for a map of a subset)
	Items     []workspace.Item // the fitted items, in map order
	Labels    []int            // their classes
	Embedding blas32.General   // len(Items) × 2
	// Input is what the map was fitted on (the PCA-50 features for
	// pixels), InputName names it.
	Input     blas32.General
	InputName string
	Model     *umap.Model
	// KNN5 is the leave-one-out 5-NN accuracy inside the map.
	KNN5 float64
	// Trustworthiness(5) against Input, measured on TrustN points (see
	// UMAPTrustSample); NaN when not asked for.
	Trustworthiness float64
	TrustN          int
	// Unlabelled is the number of fitted items whose class was hidden
	// from a supervised map, KNN5Unlabelled the leave-one-out 5-NN
	// accuracy over them (NaN when there are none).
	Unlabelled     int
	KNN5Unlabelled float64
	// Placed are the items placed by Transform (with Place), their classes
	// and map positions; PlacedKNN5 is the share of them whose 5 nearest
	// fitted items in the map vote their class (NaN without Place).
	Placed          []workspace.Item
	PlacedLabels    []int
	PlacedEmbedding blas32.General
	PlacedKNN5      float64
	// Seconds is the time of PCA-50 and the fit, PlaceSeconds that of
	// projecting and placing the items. CPUSeconds is the CPU time of the
	// process (all threads) during PCA-50 and the fit, NaN where it is not
	// measured: on a busy machine a steadier measure than Seconds.
	Seconds, PlaceSeconds, CPUSeconds float64
	// Note says how the items differ from what was asked; empty otherwise.
	Note string
}

// mapUMAP maps the items req names with UMAP (items → PCA-50 when wider →
// umap.UMAP.Fit → placement of the evaluation items with Place) and
// measures the map's quality. onEpoch, if not nil, gets the map every 5
// epochs on the caller's goroutine; it may block to pause the fit.
func (s *Service) mapUMAP(ctx context.Context, req UMAPRequest, t *progress.Tracker, onEpoch func(epoch int, Y []float32)) (*UMAPResult, error) {
	ws := s.WS
	metric, err := umap.ParseMetric(req.Metric)
	if req.Metric == "" {
		metric, err = umap.Euclidean, nil
	}
	if err != nil {
		return nil, err
	}
	sp, err := s.Space(ctx, req.Input)
	if err != nil {
		return nil, err
	}
	res := &UMAPResult{Trustworthiness: math.NaN(), KNN5Unlabelled: math.NaN(), PlacedKNN5: math.NaN()}
	if res.Items, res.Placed, res.Note, err = umapItems(ws, req); err != nil {
		return nil, err
	}
	res.Labels = itemLabels(res.Items)
	cfg := umap.UMAP{Neighbors: req.Neighbors, MinDist: req.MinDist, Spread: req.Spread, Metric: metric,
		Epochs: req.Epochs, Seed: req.Seed, Progress: t, OnEpoch: onEpoch}
	if req.Supervised {
		cfg.Labels = make([]int, len(res.Items))
		for i, it := range res.Items {
			cfg.Labels[i] = -1
			if it.Split.Name == ws.Splits().Train.Name {
				cfg.Labels[i] = res.Labels[i]
			} else {
				res.Unlabelled++
			}
		}
		if res.Unlabelled == len(res.Items) {
			return nil, errors.New("a supervised map needs items of the training split: map all items, place the test items, or ask for more items than the evaluation split has")
		}
	}

	started, cpu := time.Now(), processCPUSeconds()
	X := umapRows(sp, res.Items)
	res.InputName = sp.Name
	var proj *pca.Model
	if X.Cols > 50 {
		t.Stage("PCA to 50 dimensions", 0)
		if proj, err = (pca.PCA{Components: min(50, X.Rows)}).Fit(ctx, X); err != nil {
			return nil, err
		}
		X = proj.Transform(X, blas32.General{})
		res.InputName = fmt.Sprintf("PCA-%d of %s", proj.K(), sp.Name)
	}
	res.Input = X
	if res.Model, err = cfg.Fit(ctx, X); err != nil {
		return nil, err
	}
	res.Embedding = res.Model.Embedding
	res.Seconds, res.CPUSeconds = time.Since(started).Seconds(), processCPUSeconds()-cpu

	if len(res.Placed) > 0 {
		if err := res.place(ctx, sp, proj, t); err != nil {
			return nil, err
		}
	}
	if err := res.score(ctx, cfg.Labels, req.Trust, t); err != nil {
		return nil, err
	}
	return res, nil
}

// place projects the items to place as the fitted ones were, places them
// with Transform and scores them by the 5-NN vote of the fitted items.
func (res *UMAPResult) place(ctx context.Context, sp *workspace.Space, proj *pca.Model, t *progress.Tracker) error {
	started := time.Now()
	Q := umapRows(sp, res.Placed)
	if proj != nil {
		Q = proj.Transform(Q, blas32.General{})
	}
	var err error
	if res.PlacedEmbedding, err = res.Model.Transform(ctx, Q, t); err != nil {
		return err
	}
	res.PlaceSeconds = time.Since(started).Seconds()
	res.PlacedLabels = itemLabels(res.Placed)
	c := &knn.Classifier{K: 5}
	if err := c.Fit(res.Embedding, res.Labels); err != nil {
		return err
	}
	pred, err := c.Predict(ctx, res.PlacedEmbedding)
	if err != nil {
		return err
	}
	res.PlacedKNN5 = metrics.Accuracy(pred, res.PlacedLabels)
	return nil
}

// score measures the map's leave-one-out 5-NN accuracy (also over the items
// whose label was −1 in labels, if any) and, with trust, its
// trustworthiness(5) against the input.
func (res *UMAPResult) score(ctx context.Context, labels []int, trust bool, t *progress.Tracker) error {
	t.Stage("5-NN accuracy inside the map", 0)
	pred, err := LeaveOneOutPredict(ctx, res.Embedding, res.Labels)
	if err != nil {
		return err
	}
	res.KNN5 = metrics.Accuracy(pred, res.Labels)
	if res.Unlabelled > 0 {
		hit := 0
		for i, l := range labels {
			if l == -1 && pred[i] == res.Labels[i] {
				hit++
			}
		}
		res.KNN5Unlabelled = float64(hit) / float64(res.Unlabelled)
	}
	if trust {
		t.Stage("trustworthiness against the input", 0)
		res.Trustworthiness, res.TrustN, err = UMAPTrust(ctx, res.Input, res.Embedding)
	}
	return err
}

// UMAPTrust returns the trustworthiness(5) of the map Y of the rows of X
// (tsne.Trustworthiness), on every ⌈n/UMAPTrustSample⌉-th row when there
// are more than UMAPTrustSample, and the number of rows it was measured on.
// The bench scores umap-learn's map with it too.
func UMAPTrust(ctx context.Context, X, Y blas32.General) (float64, int, error) {
	step := (X.Rows + UMAPTrustSample - 1) / UMAPTrustSample
	xs, ys := everyNth(X, step), everyNth(Y, step)
	tr, err := tsne.Trustworthiness(ctx, xs, ys, 5)
	return tr, xs.Rows, err
}

// LeaveOneOut5NN returns the leave-one-out 5-NN accuracy inside the map Y
// (tsne.LeaveOneOut5NN).
func LeaveOneOut5NN(ctx context.Context, Y blas32.General, labels []int) (float64, error) {
	return tsne.LeaveOneOut5NN(ctx, Y, labels)
}

// looPredict returns the leave-one-out 5-NN vote of every row of Y.
func LeaveOneOutPredict(ctx context.Context, Y blas32.General, labels []int) ([]int, error) {
	c := &knn.Classifier{K: 5}
	if err := c.Fit(Y, labels); err != nil {
		return nil, err
	}
	return c.PredictSelf(ctx)
}

// everyNth returns rows 0, step, 2·step, … of X (X itself for step 1).
func everyNth(X blas32.General, step int) blas32.General {
	if step <= 1 {
		return X
	}
	S := blas32.General{Rows: (X.Rows + step - 1) / step, Cols: X.Cols, Stride: X.Cols}
	S.Data = make([]float32, 0, S.Rows*S.Cols)
	for i := 0; i < X.Rows; i += step {
		S.Data = append(S.Data, X.Data[i*X.Stride:i*X.Stride+X.Cols]...)
	}
	return S
}

// umapItems lists the items to fit and to place.
func umapItems(ws *workspace.Workspace, req UMAPRequest) (fit, place []workspace.Item, note string, err error) {
	splits := ws.Splits()
	if !req.All && req.N < umap.MinRows {
		return nil, nil, "", fmt.Errorf("a map needs at least %d items, not %d", umap.MinRows, req.N)
	}
	take := func(s []workspace.Item) []workspace.Item {
		if req.All || req.N >= len(s) {
			return s
		}
		return s[:req.N]
	}
	of := func(sp []workspace.Item, s dataset.Split) []workspace.Item {
		for p := 0; p < s.Len(); p++ {
			sp = append(sp, workspace.Item{Split: s, Pos: p})
		}
		return sp
	}
	if req.Place {
		ev := splits.Eval()
		if ev.Len() == 0 || ev.Name == splits.Train.Name {
			return nil, nil, "", errors.New("there is no evaluation split to place: choose a validation share or data with a test part")
		}
		fit = take(of(nil, splits.Train))
		place = take(of(nil, ev))
		if len(fit) < umap.MinRows {
			return nil, nil, "", fmt.Errorf("the training split has %d items: a map needs at least %d", len(fit), umap.MinRows)
		}
		return fit, place, "", nil
	}
	all := workspace.NewItems(splits)
	if req.All {
		fit = make([]workspace.Item, all.Len())
		for i := range fit {
			fit[i] = all.At(i)
		}
		return fit, nil, "", nil
	}
	ev := splits.Eval()
	order := of(nil, ev)
	for i := 0; i < all.Len(); i++ {
		if it := all.At(i); it.Split.Name != ev.Name {
			order = append(order, it)
		}
	}
	if req.N > len(order) {
		note = fmt.Sprintf("%d items were asked for and the data has %d: all are mapped", req.N, len(order))
	} else if req.N > ev.Len() {
		note = fmt.Sprintf("the %s split has %d items: the other %d come from the other splits", ev.Name, ev.Len(), req.N-ev.Len())
	}
	return take(order), nil, note, nil
}

// itemLabels returns the classes of items.
func itemLabels(items []workspace.Item) []int {
	out := make([]int, len(items))
	for i, it := range items {
		out[i] = it.Label()
	}
	return out
}

// umapRows gathers the features of items in space sp, one row each.
func umapRows(sp *workspace.Space, items []workspace.Item) blas32.General {
	d := sp.Dim()
	X := blas32.General{Rows: len(items), Cols: d, Stride: d, Data: make([]float32, 0, len(items)*d)}
	for _, it := range items {
		m := sp.Split(it.Split.Name)
		X.Data = append(X.Data, m.Data[it.Pos*m.Stride:it.Pos*m.Stride+d]...)
	}
	return X
}
