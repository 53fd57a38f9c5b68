package views

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/glrm"
	"embedscope/ml/knn"
	"embedscope/ml/metrics"
	"embedscope/ml/progress"
	"embedscope/views/figures"
)

// Imputation examples shown as images.
const imputeExamples = 8

func (v *lowRankView) startImputation() {
	ws := v.env.Workspace
	ds := ws.Data()
	if ds == nil {
		return
	}
	cfg, err := v.config(ds.Dim)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	frac, err := nonNegative(v.fraction, "The share hidden")
	if err == nil && !(frac > 0 && frac < 1) {
		err = fmt.Errorf("the share of pixels to hide must be between 0 and 1 (e.g. 0.2), got %v", frac)
	}
	if err != nil {
		v.env.ShowError(err)
		return
	}
	seq := v.seq
	var res glrm.Imputation
	var examples [][]figures.Tile
	v.imputeButton.Disable()
	v.imputeInfo.SetText("Hiding pixels and filling them in…")
	v.env.Jobs.Start(fmt.Sprintf("Imputation study (%.0f %% hidden)", 100*frac), func(ctx context.Context, t *progress.Tracker) error {
		train, _, _, err := ws.Features(ctx)
		if err != nil {
			return err
		}
		cfg.Progress = t
		res, err = glrm.ImputationStudy(ctx, train.X, frac, cfg.K, 1, cfg)
		if err != nil {
			return err
		}
		if ds.IsImage() {
			examples, err = imputationExamples(ctx, ws, train, cfg, frac)
		}
		return err
	}, func(err error) {
		v.imputeButton.Enable()
		if err != nil || seq != v.seq {
			v.imputeInfo.SetText("")
			return
		}
		v.imputeInfo.SetText(fmt.Sprintf("%d entries hidden (%.0f %%). RMSE on them: GLRM k=%d %.4f · column mean %.4f · PCA k=%d %.4f (scaled features).",
			res.Hidden, 100*res.Fraction, res.K, res.GLRM, res.Mean, res.K, res.PCA))
		p, err := figures.RMSEBars(fmt.Sprintf("Filling %.0f %% hidden pixels — %s (rank %d)", 100*res.Fraction, ds.Name, res.K),
			[]string{fmt.Sprintf("GLRM k=%d", res.K), "column mean", fmt.Sprintf("PCA k=%d", res.K)}, []float64{res.GLRM, res.Mean, res.PCA})
		if err == nil {
			v.impute.SetPlot(p)
		}
		if examples != nil {
			v.imputeImgs.SetPlot(figures.ImageGrid(fmt.Sprintf("Hidden pixels (grey) filled in by GLRM k=%d", res.K), examples, []string{"original", "holes", "filled"}))
		}
		v.tabs.SelectIndex(4)
	})
}

// imputationExamples hides pixels of a few validation (or test) images,
// represents them with a GLRM fitted on the complete training images
// (Transform with the mask) and fills the holes with A·Y: originals,
// images with holes (shown mid-grey) and filled-in images.
func imputationExamples(ctx context.Context, ws *workspace.Workspace, train workspace.Features, cfg glrm.GLRM, frac float64) ([][]figures.Tile, error) {
	ds := ws.Data()
	_, val, test, err := ws.Features(ctx)
	if err != nil {
		return nil, err
	}
	ev := val
	if ev.X.Rows == 0 {
		ev = test
	}
	if ev.X.Rows == 0 {
		ev = train
	}
	n := min(imputeExamples, ev.X.Rows)
	X := blas32.General{Rows: n, Cols: ev.X.Cols, Stride: ev.X.Stride, Data: ev.X.Data[:n*ev.X.Stride]}
	mask, err := glrm.RandomMask(n, X.Cols, frac, 7)
	if err != nil {
		return nil, err
	}
	cfg.Progress = nil
	m, err := cfg.Fit(ctx, train.X, nil)
	if err != nil {
		return nil, err
	}
	A, err := m.Transform(ctx, X, mask)
	if err != nil {
		return nil, err
	}
	rec := m.InverseTransform(A)
	rows := make([][]figures.Tile, 3)
	holes := make([]float32, X.Cols)
	filled := make([]float32, X.Cols)
	for i := 0; i < n; i++ {
		row := X.Data[i*X.Stride : i*X.Stride+X.Cols]
		for j := range row {
			holes[j], filled[j] = row[j], row[j]
			if !mask.Observed(i, j) {
				filled[j] = rec.Data[i*rec.Stride+j]
				holes[j] = (128 - train.Scaler.Offset[j]) * train.Scaler.Factor[j] // mid-grey
			}
		}
		c := ds.Classes[ev.Split.Label(i)]
		rows[0] = append(rows[0], figures.Tile{Image: ds.Image(ev.Split.Part, ev.Split.Index[i]), Caption: c})
		rows[1] = append(rows[1], figures.Tile{Image: workspace.FeatureImage(ds, train.Scaler, holes)})
		rows[2] = append(rows[2], figures.Tile{Image: workspace.FeatureImage(ds, train.Scaler, filled)})
	}
	return rows, nil
}

func (v *lowRankView) startCompression() {
	ws := v.env.Workspace
	ds := ws.Data()
	if ds == nil {
		return
	}
	cfg, err := v.config(ds.Dim)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	ks, err := parseInts(v.ranks.Text)
	if err != nil {
		v.env.ShowError(fmt.Errorf("ranks: %w", err))
		return
	}
	for _, k := range ks {
		if k >= ds.Dim {
			v.env.ShowError(fmt.Errorf("rank %d is not below the %d features", k, ds.Dim))
			return
		}
	}
	seq := v.seq
	var pts []glrm.CompressionPoint
	var full float64
	var evalName string
	v.compressButton.Disable()
	v.compressInfo.SetText("Fitting one model per rank…")
	v.env.Jobs.Start("Compression study", func(ctx context.Context, t *progress.Tracker) error {
		train, val, test, err := ws.Features(ctx)
		if err != nil {
			return err
		}
		ev := test
		if ev.X.Rows == 0 {
			ev = val
		}
		if ev.X.Rows == 0 {
			return fmt.Errorf("there is nothing to evaluate on: set a validation share in the Data panel")
		}
		evalName = ev.Split.Name
		cfg.Progress = t
		if pts, err = glrm.CompressionStudy(ctx, train.X, train.Split.Labels(), ev.X, ev.Split.Labels(), ks, 5, cfg); err != nil {
			return err
		}
		t.Stage("kNN(5) on all features, for reference", 0)
		cl := &knn.Classifier{K: 5}
		if err := cl.Fit(train.X, train.Split.Labels()); err != nil {
			return err
		}
		pred, err := cl.Predict(ctx, ev.X)
		if err != nil {
			return err
		}
		full = metrics.Accuracy(pred, ev.Split.Labels())
		return nil
	}, func(err error) {
		v.compressButton.Enable()
		if err != nil || seq != v.seq {
			v.compressInfo.SetText("")
			return
		}
		var ranks []int
		var acc, secs []float64
		text := fmt.Sprintf("kNN(5) accuracy on the %s split by rank:", evalName)
		for _, p := range pts {
			ranks = append(ranks, p.K)
			acc = append(acc, p.Accuracy)
			secs = append(secs, p.FitSeconds+p.TransformSeconds+p.ClassifySeconds)
			text += fmt.Sprintf(" k=%d %.4f;", p.K, p.Accuracy)
		}
		v.compressInfo.SetText(text + fmt.Sprintf(" all %d features %.4f.", ds.Dim, full))
		v.compAcc.SetPlot(figures.RankCurve(fmt.Sprintf("kNN(5) accuracy on the GLRM representation — %s", ds.Name), "accuracy", ranks, acc, full, fmt.Sprintf("all %d features: %.4f", ds.Dim, full)))
		v.compTime.SetPlot(figures.RankCurve("Time: GLRM fit + transform + kNN", "seconds", ranks, secs, math.NaN(), ""))
		v.tabs.SelectIndex(5)
	})
}
