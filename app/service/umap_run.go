package service

import (
	"context"
	"strings"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/runs"
	"embedscope/app/workspace"
	"embedscope/ml/progress"
)

// MapUMAP makes a UMAP map of the items req names (see mapUMAP), records
// it as a run and, when the map covers every item (all items, or all
// training items with every evaluation item placed into the map), publishes
// it as a 2-D space that Clusters and Compare can use. onEpoch, if not nil,
// gets the map every few epochs on the job's goroutine (it may block to
// pause).
func (s *Service) MapUMAP(ctx context.Context, req UMAPRequest, t *progress.Tracker, onEpoch func(epoch int, Y []float32)) (*UMAPResult, error) {
	gen := s.WS.Generation()
	var parents []string
	if req.Input != "" && req.Input != workspace.PixelsSpace {
		parents = []string{req.Input}
	}
	name := "UMAP of pixels"
	if len(parents) > 0 {
		if sp, err := s.Space(ctx, req.Input); err == nil {
			name = "UMAP of " + sp.Name
		}
	}
	if req.Supervised {
		name += " (supervised)"
	}
	rec, err := s.begin(runs.KindUMAP, name, req, true, parents...)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	res, err := s.mapUMAP(ctx, req, t, onEpoch)
	var sp *workspace.Space
	if err == nil {
		rec.Name = strings.Replace(rec.Name, "UMAP of pixels", "UMAP of "+strings.TrimPrefix(res.InputName, "PCA-50 of "), 1)
		rec.Metrics = map[string]float64{"knn5_map": res.KNN5, "items": float64(len(res.Items) + len(res.Placed)), "fit_seconds": res.Seconds}
		if res.TrustN > 0 {
			rec.Metrics["trustworthiness5"] = res.Trustworthiness
		}
		if len(res.Placed) > 0 {
			rec.Metrics["placed_knn5"] = res.PlacedKNN5
		}
		items := append(append([]workspace.Item(nil), res.Items...), res.Placed...)
		Y := res.Embedding
		if len(res.Placed) > 0 {
			Y = stackRows(res.Embedding, res.PlacedEmbedding)
		}
		sp = s.mapSpace(&MapResult{Items: items, Embedding: Y})
	}
	if err := s.end(rec, started, sp, gen, err); err != nil {
		return nil, err
	}
	res.Run = *rec
	res.Space = sp
	return res, nil
}

// stackRows returns the rows of a followed by those of b.
func stackRows(a, b blas32.General) blas32.General {
	out := blas32.General{Rows: a.Rows + b.Rows, Cols: a.Cols, Stride: a.Cols, Data: make([]float32, 0, (a.Rows+b.Rows)*a.Cols)}
	for _, m := range []blas32.General{a, b} {
		for r := 0; r < m.Rows; r++ {
			out.Data = append(out.Data, m.Data[r*m.Stride:r*m.Stride+m.Cols]...)
		}
	}
	return out
}
