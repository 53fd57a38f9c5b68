package service

import (
	"context"
	"fmt"

	"embedscope/ml/knn"
	"embedscope/ml/metrics"
	"embedscope/ml/progress"
)

// ScalingRequest asks how kNN's error falls with the training size (the
// learning curve: doubling seeded nested samples of the training split from
// Start rows) and how its accuracy depends on k (the sweep over Ks, with
// every training row), in a space, evaluated on a held-out split.
type ScalingRequest struct {
	Space string `json:"space"`           // space ID: "pixels" or a run ID
	Eval  string `json:"eval"`            // "validation" or "test"
	K     int    `json:"k"`               // neighbours of the learning curve
	Start int    `json:"start,omitempty"` // smallest training size (0: no learning curve)
	Ks    []int  `json:"ks,omitempty"`    // k values of the sweep (none: no sweep)
}

// ScalingResult is the learning curve and the k sweep.
type ScalingResult struct {
	EvalSplit string           `json:"eval_split"`
	K         int              `json:"k"`
	Points    []knn.CurvePoint `json:"points,omitempty"`
	Law       knn.PowerLaw     `json:"law"`
	// Extrapolated is the error the fitted law predicts for FullSize
	// training items (every training item of the source).
	Extrapolated float64   `json:"extrapolated"`
	FullSize     int       `json:"full_size"`
	SweepK       []int     `json:"sweep_k,omitempty"`
	SweepAcc     []float64 `json:"sweep_accuracy,omitempty"`
}

// Scaling measures the learning curve and the k sweep.
func (s *Service) Scaling(ctx context.Context, req ScalingRequest, t *progress.Tracker) (*ScalingResult, error) {
	sp, err := s.Space(ctx, req.Space)
	if err != nil {
		return nil, err
	}
	splits := s.WS.Splits()
	ev := splits.Val
	if req.Eval == "test" {
		ev = splits.Test
	}
	if req.Eval != "validation" && req.Eval != "test" {
		return nil, fmt.Errorf("the learning curve measures the error on held-out items: evaluate on the validation or test split, not %q", req.Eval)
	}
	if ev.Len() == 0 {
		return nil, fmt.Errorf("the %s split is empty: set a validation share in the Data panel (or --val 0.2)", req.Eval)
	}
	X, Q := sp.Train, sp.Split(ev.Name)
	y, truth := splits.Train.Labels(), ev.Labels()
	res := &ScalingResult{EvalSplit: ev.Name, K: req.K, FullSize: s.WS.Data().Train.N}
	if req.Start > 0 {
		if req.K < 1 || req.Start < req.K || req.Start > X.Rows {
			return nil, fmt.Errorf("the smallest training size %d must be between k=%d and the %d training items", req.Start, req.K, X.Rows)
		}
		if res.Points, err = knn.LearningCurve(ctx, X, y, Q, truth, knn.Doubling(req.Start, X.Rows), req.K, knn.Euclidean, 1, t); err != nil {
			return nil, err
		}
		if res.Law, err = knn.FitPowerLaw(res.Points); err != nil {
			return nil, err
		}
		res.Extrapolated = res.Law.At(float64(res.FullSize))
	}
	if len(req.Ks) > 0 {
		for _, k := range req.Ks {
			if k < 1 || k > X.Rows {
				return nil, fmt.Errorf("k = %d is not from 1 to the %d training items", k, X.Rows)
			}
		}
		t.Stage("kNN accuracy for each k", 0)
		cl := &knn.Classifier{K: 1}
		if err := cl.Fit(X, y); err != nil {
			return nil, err
		}
		if res.SweepAcc, err = cl.SweepK(ctx, Q, truth, req.Ks); err != nil {
			return nil, err
		}
		res.SweepK = req.Ks
	}
	return res, nil
}

// SplitAccuracy is the accuracy of kNN (k neighbours, Euclidean, uniform
// votes) of the items of one split against the training items, in a space.
func (s *Service) SplitAccuracy(ctx context.Context, space, split string, k int, t *progress.Tracker) (float64, error) {
	sp, err := s.Space(ctx, space)
	if err != nil {
		return 0, err
	}
	splits := s.WS.Splits()
	var labels []int
	switch split {
	case "train":
		labels = splits.Train.Labels()
	case "validation":
		labels = splits.Val.Labels()
	case "test":
		labels = splits.Test.Labels()
	default:
		return 0, fmt.Errorf("no split %q", split)
	}
	if len(labels) == 0 {
		return 0, fmt.Errorf("the %s split is empty", split)
	}
	if k < 1 || k > sp.Train.Rows {
		return 0, fmt.Errorf("k must be from 1 to %d, not %d", sp.Train.Rows, k)
	}
	cl := &knn.Classifier{K: k, Progress: t}
	if err := cl.Fit(sp.Train, splits.Train.Labels()); err != nil {
		return 0, err
	}
	pred, err := cl.Predict(ctx, sp.Split(split))
	if err != nil {
		return 0, err
	}
	return metrics.Accuracy(pred, labels), nil
}

// CurvePoint is one point of a learning curve.
type CurvePoint = knn.CurvePoint
