package views

import (
	"context"
	"fmt"
	"math"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
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
	req := service.ImputationRequest{GLRMRequest: cfg, Fraction: frac}
	if ds.IsImage() {
		req.Examples = imputeExamples
	}
	var res *service.ImputationResult
	v.imputeButton.Disable()
	v.imputeInfo.SetText("Hiding pixels and filling them in…")
	v.env.Jobs.Start(fmt.Sprintf("Imputation study (%.0f %% hidden)", 100*frac), func(ctx context.Context, t *progress.Tracker) error {
		var err error
		res, err = v.env.Service.Imputation(ctx, req, t)
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
		if ex := res.Examples; ex != nil {
			v.imputeImgs.SetPlot(figures.ImageGrid(fmt.Sprintf("Hidden pixels (grey) filled in by GLRM k=%d", res.K), imputationTiles(ds, ex), []string{"original", "holes", "filled"}))
		}
		v.tabs.SelectIndex(4)
	})
}

// imputationTiles draws the examples: originals, images with holes (shown
// mid-grey) and filled-in images.
func imputationTiles(ds *dataset.Dataset, ex *service.ImputationExamples) [][]figures.Tile {
	rows := make([][]figures.Tile, 3)
	for i, it := range ex.Items {
		rows[0] = append(rows[0], figures.Tile{Image: ds.Image(it.Split.Part, it.Row()), Caption: ds.Classes[it.Label()]})
		rows[1] = append(rows[1], figures.Tile{Image: workspace.FeatureImage(ds, ex.Scaler, ex.Holes[i])})
		rows[2] = append(rows[2], figures.Tile{Image: workspace.FeatureImage(ds, ex.Scaler, ex.Filled[i])})
	}
	return rows
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
	req := service.CompressionRequest{GLRMRequest: cfg, Ranks: ks}
	var res *service.CompressionResult
	v.compressButton.Disable()
	v.compressInfo.SetText("Fitting one model per rank…")
	v.env.Jobs.Start("Compression study", func(ctx context.Context, t *progress.Tracker) error {
		var err error
		res, err = v.env.Service.Compression(ctx, req, t)
		return err
	}, func(err error) {
		v.compressButton.Enable()
		if err != nil || seq != v.seq {
			v.compressInfo.SetText("")
			return
		}
		pts, full := res.Points, res.Full
		var ranks []int
		var acc, secs []float64
		text := fmt.Sprintf("kNN(5) accuracy on the %s split by rank:", res.EvalSplit)
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
