package cli

import (
	"math"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/kmeans"
	"embedscope/ml/knn"
	"embedscope/ml/metrics"
	"embedscope/ml/pca"
	"embedscope/ml/tsne"
)

// The PCA and kNN jobs, as the PCA panel runs them: features /255 (or the
// --scaling given), PCA fitted on the 60,000 training rows, kNN predicting
// the 10,000 test rows; scikit-learn beside each, faiss beside exact kNN.
func init() {
	benchJobs = append(benchJobs,
		benchJob{Name: "pca32_fit", Label: "PCA(32) fit", Peers: []string{"sklearn"}, Run: benchPCAFit},
		benchJob{Name: "pca32_knn5", Label: "PCA(32) + kNN(5)", Peers: []string{"sklearn"}, Metric: "accuracy", Run: benchPCAKNN},
		benchJob{Name: "knn5_pixels", Label: "kNN(5) on pixels", Peers: []string{"sklearn", "faiss"}, Metric: "accuracy", Run: benchKNNPixels},
		benchJob{Name: "kmeans10", Label: "k-means k=10 on pixels", Peers: []string{"sklearn"}, Metric: "inertia", Run: benchKMeans},
		benchJob{Name: "tsne10k", Label: "t-SNE of 10,000 test images (5-NN in map)", Peers: []string{"sklearn"}, Metric: "accuracy", Run: benchTSNE},
	)
}

func benchPCAFit(c *Context, ws *workspace.Workspace) (float64, float64, error) {
	train, _, _, err := ws.Features(c.Ctx)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	_, err = pca.PCA{Components: 32}.Fit(c.Ctx, train.X)
	return time.Since(start).Seconds(), math.NaN(), err
}

func benchPCAKNN(c *Context, ws *workspace.Workspace) (float64, float64, error) {
	train, _, test, err := ws.Features(c.Ctx)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	m, err := pca.PCA{Components: 32}.Fit(c.Ctx, train.X)
	if err != nil {
		return 0, 0, err
	}
	a := m.Transform(train.X, blas32.General{})
	b := m.Transform(test.X, blas32.General{})
	return benchKNN(c, start, a, train.Split.Labels(), b, test.Split.Labels())
}

func benchKNNPixels(c *Context, ws *workspace.Workspace) (float64, float64, error) {
	train, _, test, err := ws.Features(c.Ctx)
	if err != nil {
		return 0, 0, err
	}
	return benchKNN(c, time.Now(), train.X, train.Split.Labels(), test.X, test.Split.Labels())
}

// benchKMeans clusters the 60,000 training rows into 10 (k-means++, one
// restart, seed 0), as sklearn's KMeans(10, n_init=1, random_state=0).
func benchKMeans(c *Context, ws *workspace.Workspace) (float64, float64, error) {
	train, _, _, err := ws.Features(c.Ctx)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	m, err := kmeans.KMeans{K: 10, NInit: 1, Seed: 0}.Fit(c.Ctx, train.X)
	if err != nil {
		return 0, 0, err
	}
	return time.Since(start).Seconds(), m.Inertia, nil
}

// benchTSNE maps the first 10,000 test rows (PCA-50 first, as sklearn's
// pipeline) and scores the map by leave-one-out 5-NN accuracy.
func benchTSNE(c *Context, ws *workspace.Workspace) (float64, float64, error) {
	_, _, test, err := ws.Features(c.Ctx)
	if err != nil {
		return 0, 0, err
	}
	n := min(10000, test.X.Rows)
	X := blas32.General{Rows: n, Cols: test.X.Cols, Stride: test.X.Stride, Data: test.X.Data[:n*test.X.Stride]}
	start := time.Now()
	X50, err := tsne.PCA50(c.Ctx, X)
	if err != nil {
		return 0, 0, err
	}
	m, err := tsne.TSNE{}.Fit(c.Ctx, X50)
	if err != nil {
		return 0, 0, err
	}
	secs := time.Since(start).Seconds()
	acc, err := tsne.LeaveOneOut5NN(c.Ctx, m.Embedding, test.Split.Labels()[:n])
	return secs, acc, err
}

func benchKNN(c *Context, start time.Time, a blas32.General, ya []int, b blas32.General, yb []int) (float64, float64, error) {
	cl := &knn.Classifier{K: 5}
	if err := cl.Fit(a, ya); err != nil {
		return 0, 0, err
	}
	pred, err := cl.Predict(c.Ctx, b)
	if err != nil {
		return 0, 0, err
	}
	return time.Since(start).Seconds(), metrics.Accuracy(pred, yb), nil
}
