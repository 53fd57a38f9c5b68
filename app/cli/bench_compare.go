package cli

import (
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/compare"
	"embedscope/ml/knn"
	"embedscope/ml/pca"
)

// The Compare jobs: the neighbourhood agreement of two spaces on every item
// (60,000 train + 10,000 test), k = 10, Euclidean: PCA-32 against the
// pixels, and two narrow spaces (PCA-32 against PCA-64, the Compare
// panel's usual case of spaces of at most 64 dimensions).
func init() {
	benchJobs = append(benchJobs,
		benchJob{Name: "compare_pca32_vs_pixels", Label: "agreement PCA(32) vs pixels, all items, k=10",
			Peers: []string{"sklearn"}, Metric: "agreement", Run: func(c *Context, ws *workspace.Workspace) (float64, float64, error) {
				return benchCompare(c, ws, 0)
			}},
		benchJob{Name: "compare_pca32_vs_pca64", Label: "agreement PCA(32) vs PCA(64), all items, k=10",
			Peers: []string{"sklearn"}, Metric: "agreement", Run: func(c *Context, ws *workspace.Workspace) (float64, float64, error) {
				return benchCompare(c, ws, 64)
			}})
}

// benchCompare times the exact 10 nearest neighbours of every item in
// PCA-32 and in the pixels (other = 0) or PCA-other, and the mean Jaccard
// agreement of the two; the projections (fitted on the training rows) are
// prepared before the clock starts, as sklearn's script prepares its own
// (exact solver).
func benchCompare(c *Context, ws *workspace.Workspace, other int) (float64, float64, error) {
	train, val, test, err := ws.Features(c.Ctx)
	if err != nil {
		return 0, 0, err
	}
	d := train.X.Cols
	n := train.X.Rows + val.X.Rows + test.X.Rows
	X := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, 0, n*d)}
	for _, f := range []workspace.Features{train, val, test} {
		for r := 0; r < f.X.Rows; r++ {
			X.Data = append(X.Data, f.X.Data[r*f.X.Stride:r*f.X.Stride+d]...)
		}
	}
	m, err := pca.PCA{Components: 32}.Fit(c.Ctx, train.X)
	if err != nil {
		return 0, 0, err
	}
	B := m.Transform(X, blas32.General{})
	if other > 0 {
		mo, err := pca.PCA{Components: other}.Fit(c.Ctx, train.X)
		if err != nil {
			return 0, 0, err
		}
		X = mo.Transform(X, blas32.General{})
	}
	start := time.Now()
	na, err := compare.Neighbours(c.Ctx, X, 10, knn.Euclidean, nil)
	if err != nil {
		return 0, 0, err
	}
	nb, err := compare.Neighbours(c.Ctx, B, 10, knn.Euclidean, nil)
	if err != nil {
		return 0, 0, err
	}
	agr, err := compare.Agreement(na, nb, 10, nil)
	if err != nil {
		return 0, 0, err
	}
	mean := 0.0
	for _, a := range agr {
		mean += a
	}
	return time.Since(start).Seconds(), mean / float64(n), nil
}
