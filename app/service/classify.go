package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/knn"
	"embedscope/ml/metrics"
	"embedscope/ml/progress"
)

// ClassifyRequest asks for exact kNN classification in a space: fitted on
// the training split, scored on the validation and test splits.
type ClassifyRequest struct {
	Space   string `json:"space"`   // space ID: "pixels" or a run ID
	K       int    `json:"k"`       // neighbours, ≥ 1
	Metric  string `json:"metric"`  // "euclidean" (default) or "manhattan"
	Weights string `json:"weights"` // "uniform" (default) or "distance"
}

// SplitScore is how a classifier did on one split.
type SplitScore struct {
	Split     string
	N         int
	Accuracy  float64
	Pred      []int // predicted class of each item of the split, in its order
	Confusion metrics.Confusion
}

// ClassifyResult is kNN classification in one space.
type ClassifyResult struct {
	Request    ClassifyRequest
	Generation int
	Space      *workspace.Space
	Classifier *knn.Classifier // fitted on the training split: "why was this predicted?"
	Scores     []SplitScore    // validation, then test (the non-empty ones)
	Seconds    float64         // fit and prediction
}

// Eval returns the score of the evaluation split: test when there is one,
// else validation.
func (r *ClassifyResult) Eval() (SplitScore, bool) {
	if len(r.Scores) == 0 {
		return SplitScore{}, false
	}
	return r.Scores[len(r.Scores)-1], true
}

// ParseMetric reads "euclidean", "manhattan" or "cosine".
func ParseMetric(s string) (knn.Metric, error) {
	if s == "" {
		return knn.Euclidean, nil
	}
	for _, m := range []knn.Metric{knn.Euclidean, knn.Manhattan, knn.Cosine} {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown metric %q: use euclidean, manhattan or cosine", s)
}

// ParseWeights reads "uniform" or "distance".
func ParseWeights(s string) (knn.Weights, error) {
	switch strings.ToLower(s) {
	case "", "uniform":
		return knn.Uniform, nil
	case "distance":
		return knn.Distance, nil
	}
	return 0, fmt.Errorf("unknown weights %q: use uniform or distance", s)
}

// Classify fits exact kNN on the training split of the requested space and
// predicts the validation and test splits.
func (s *Service) Classify(ctx context.Context, req ClassifyRequest, t *progress.Tracker) (*ClassifyResult, error) {
	metric, err := ParseMetric(req.Metric)
	if err != nil {
		return nil, err
	}
	if metric == knn.Cosine {
		return nil, fmt.Errorf("the kNN classifier measures euclidean or manhattan distances")
	}
	weights, err := ParseWeights(req.Weights)
	if err != nil {
		return nil, err
	}
	gen := s.WS.Generation()
	sp, err := s.Space(ctx, req.Space)
	if err != nil {
		return nil, err
	}
	if req.K < 1 || req.K > sp.Train.Rows {
		return nil, fmt.Errorf("k must be from 1 to %d (the training items), not %d", sp.Train.Rows, req.K)
	}
	splits := s.WS.Splits()
	if splits.Val.Len() == 0 && splits.Test.Len() == 0 {
		return nil, fmt.Errorf("there is nothing to evaluate on: set a validation share in the Data panel (or --val 0.2)")
	}
	classes := len(s.WS.Data().Classes)
	start := time.Now()
	cl := &knn.Classifier{K: req.K, Metric: metric, Weights: weights, Progress: t}
	if err := cl.Fit(sp.Train, splits.Train.Labels()); err != nil {
		return nil, err
	}
	res := &ClassifyResult{Request: req, Generation: gen, Space: sp, Classifier: cl}
	for _, split := range []string{"validation", "test"} {
		ds := splits.Val
		if split == "test" {
			ds = splits.Test
		}
		if ds.Len() == 0 {
			continue
		}
		pred, err := cl.Predict(ctx, sp.Split(split))
		if err != nil {
			return nil, err
		}
		conf, err := metrics.NewConfusion(pred, ds.Labels(), classes)
		if err != nil {
			return nil, err
		}
		res.Scores = append(res.Scores, SplitScore{Split: split, N: ds.Len(), Accuracy: conf.Accuracy(), Pred: pred, Confusion: conf})
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// Labeling turns the predictions into a labelling of every item (training
// items get −1), for any scatter to colour by.
func (r *ClassifyResult) Labeling(ws *workspace.Workspace, name string) *workspace.Labeling {
	items := workspace.NewItems(ws.Splits())
	labels := make([]int, items.Len())
	for i := range labels {
		labels[i] = -1
	}
	for k, sp := range items.Splits {
		for _, sc := range r.Scores {
			if sc.Split != sp.Name {
				continue
			}
			off := 0
			for j := 0; j < k; j++ {
				off += items.Splits[j].Len()
			}
			copy(labels[off:off+len(sc.Pred)], sc.Pred)
		}
	}
	return &workspace.Labeling{Name: name, Labels: labels, Classes: ws.Data().Classes, Prediction: true}
}

// ResolveSpec finds or computes the space a command line names: "pixels",
// "pca:K" (PCA with K components, fitted now, as a run), or a run named as
// ResolveSpace accepts.
func (s *Service) ResolveSpec(ctx context.Context, spec string, t *progress.Tracker) (*workspace.Space, error) {
	if k, ok := strings.CutPrefix(strings.ToLower(spec), "pca:"); ok {
		n, err := strconv.Atoi(k)
		if err != nil {
			return nil, fmt.Errorf("%q: pca:K needs a number of components, e.g. pca:32", spec)
		}
		res, err := s.FitPCA(ctx, PCARequest{Components: n}, t)
		if err != nil {
			return nil, err
		}
		return res.Space, nil
	}
	c, err := s.ResolveSpace(spec)
	if err != nil {
		return nil, err
	}
	return s.Space(ctx, c.ID)
}

// Rows gathers the rows of a space for items, in their order.
func Rows(sp *workspace.Space, items []workspace.Item) blas32.General {
	d := sp.Dim()
	X := blas32.General{Rows: len(items), Cols: d, Stride: d, Data: make([]float32, len(items)*d)}
	for i, it := range items {
		m := sp.Split(it.Split.Name)
		copy(X.Data[i*d:(i+1)*d], m.Data[it.Pos*m.Stride:it.Pos*m.Stride+d])
	}
	return X
}
