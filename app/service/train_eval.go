package service

import (
	"context"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/embed"
	"embedscope/ml/knn"
	"embedscope/ml/metrics"
	"embedscope/ml/pca"
	"embedscope/ml/progress"
)

// evaluateNetwork embeds the three splits with a frozen trainer and scores
// them: kNN(5) of the validation and test items against the training
// items, an autoencoder's reconstruction error, and (when asked)
// PCA(32) + kNN(5) on the evaluation split.
func (s *Service) evaluateNetwork(ctx context.Context, frozen *embed.Trainer, opt PublishOptions, tr *progress.Tracker) (*TrainResult, error) {
	train, val, test, err := s.WS.Features(ctx)
	if err != nil {
		return nil, err
	}
	m := workspace.NewTrainerModel(frozen)
	space := &workspace.Space{Model: m, Inverse: m.InverseFunc()}
	tr.Stage("embedding the splits", 3)
	dim := frozen.Config().Dim
	for _, p := range []struct {
		dst *blas32.General
		src blas32.General
	}{{&space.Train, train.X}, {&space.Val, val.X}, {&space.Test, test.X}} {
		if p.src.Rows == 0 {
			*p.dst = blas32.General{Cols: dim, Stride: dim}
		} else if *p.dst, err = frozen.Embed(ctx, p.src); err != nil {
			return nil, err
		}
		tr.Add(1)
	}
	res := &TrainResult{Space: space, KNN5: map[string]float64{}}
	eval := test
	if test.Split.Len() == 0 {
		eval = val
	}
	res.EvalSplit = eval.Split.Name
	if frozen.Config().Arch.Autoencoder() {
		tr.Stage("reconstruction error", 0)
		if res.ReconMSE, res.MeanMSE, err = reconstructionError(ctx, frozen, eval.X, train.X); err != nil {
			return nil, err
		}
	}
	tr.Stage("kNN(5) in the embedding", 0)
	for _, sp := range []struct {
		f workspace.Features
		X blas32.General
	}{{val, space.Val}, {test, space.Test}} {
		if sp.f.Split.Len() == 0 {
			continue
		}
		acc, err := knnAccuracy(ctx, space.Train, train.Split.Labels(), sp.X, sp.f.Split.Labels(), 5)
		if err != nil {
			return nil, err
		}
		res.KNN5[sp.f.Split.Name] = acc
	}
	res.KNN5Eval = res.KNN5[res.EvalSplit]
	if opt.Baseline {
		tr.Stage("PCA(32) + kNN(5) for comparison", 0)
		k := min(32, train.X.Cols)
		pm, err := pca.PCA{Components: k}.Fit(ctx, train.X)
		if err != nil {
			return nil, err
		}
		if res.Baseline, err = knnAccuracy(ctx, pm.Transform(train.X, blas32.General{}), train.Split.Labels(), pm.Transform(eval.X, blas32.General{}), eval.Split.Labels(), 5); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// knnAccuracy is the accuracy of exact kNN (Euclidean, uniform votes) of
// Xev against Xtr.
func knnAccuracy(ctx context.Context, Xtr blas32.General, ytr []int, Xev blas32.General, yev []int, k int) (float64, error) {
	cl := &knn.Classifier{K: k}
	if err := cl.Fit(Xtr, ytr); err != nil {
		return 0, err
	}
	pred, err := cl.Predict(ctx, Xev)
	if err != nil {
		return 0, err
	}
	return metrics.Accuracy(pred, yev), nil
}

// reconstructionError returns the mean squared reconstruction error of X
// (scaled features) through an autoencoder, and that of the mean row of
// train, the baseline every autoencoder must beat.
func reconstructionError(ctx context.Context, t *embed.Trainer, X, train blas32.General) (mse, meanMSE float64, err error) {
	if _, _, mse, err = t.Reconstruct(ctx, X); err != nil {
		return 0, 0, err
	}
	mean := make([]float64, train.Cols)
	for r := range train.Rows {
		for j, x := range train.Data[r*train.Stride : r*train.Stride+train.Cols] {
			mean[j] += float64(x)
		}
	}
	for j := range mean {
		mean[j] /= float64(max(train.Rows, 1))
	}
	var s float64
	for r := range X.Rows {
		for j, x := range X.Data[r*X.Stride : r*X.Stride+X.Cols] {
			d := float64(x) - mean[j]
			s += d * d
		}
	}
	return mse, s / float64(max(1, X.Rows*X.Cols)), nil
}
