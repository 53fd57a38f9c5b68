package cli

import (
	"fmt"
	"io"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/kmeans"
	"embedscope/ml/metrics"
	"embedscope/ml/pca"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "kmeans", Summary: "k-means on pixels, PCA or a trained model's code: inertia, purity, NMI, ARI, time", Run: runKMeans})
}

// KMeansResult is what `embedscope kmeans --json` prints; the quality
// scores compare the clusters of the training rows with their classes.
type KMeansResult struct {
	Data           string  `json:"data"`
	Features       string  `json:"features"`
	Components     int     `json:"components,omitempty"`
	Model          string  `json:"model,omitempty"` // with features ae or embedding
	Dim            int     `json:"dim,omitempty"`   // of the model's code or embedding
	K              int     `json:"k"`
	NInit          int     `json:"n_init"`
	Seed           uint64  `json:"seed"`
	Rows           int     `json:"rows"`
	Inertia        float64 `json:"inertia"`
	Iterations     int     `json:"iterations"`
	Seconds        float64 `json:"seconds"`
	PurityMean     float64 `json:"purity_mean"`
	PurityWeighted float64 `json:"purity_weighted"`
	NMI            float64 `json:"nmi"`
	ARI            float64 `json:"ari"`
	Accuracy       float64 `json:"accuracy"` // Hungarian-matched
}

func runKMeans(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "kmeans", "kmeans [--data D] [--k K] [--features pixels|pca|ae|embedding] [--components N] [--model F.esm] [--n-init N] [--seed S] [--json]")
	d.add(fs)
	k := fs.Int("k", 10, "number of clusters")
	features := fs.String("features", "pixels", "feature space: pixels (the scaled features), pca, ae (the code of the autoencoder in --model) or embedding (of any model in --model)")
	model := fs.String("model", "", "checkpoint of train-ae (or train-siamese) whose code is clustered with --features ae (embedding)")
	comps := fs.Int("components", 32, "PCA components (with --features pca)")
	nInit := fs.Int("n-init", 1, "restarts; the lowest inertia is kept")
	seed := fs.Uint64("kseed", 0, "seed of the k-means restarts")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	switch *features {
	case "pixels", "pca", "ae", "embedding":
	default:
		return fmt.Errorf("unknown feature space %q: use pixels, pca, ae or embedding", *features)
	}
	ws, err := d.open(c)
	if err != nil {
		return err
	}
	train, _, _, err := ws.Features(c.Ctx)
	if err != nil {
		return err
	}
	if *k < 1 || *k > train.X.Rows {
		return fmt.Errorf("k = %d clusters is impossible with %d training rows: choose 1..%d", *k, train.X.Rows, train.X.Rows)
	}
	X := train.X
	res := KMeansResult{Data: ws.Data().Name, Features: *features, K: *k, NInit: *nInit, Seed: *seed, Rows: X.Rows}
	if *features == "pca" {
		m, _, err := fitPCA(c, X, *comps, pca.Auto)
		if err != nil {
			return err
		}
		res.Components = m.K()
		X = m.Transform(X, blas32.General{})
	}
	if *features == "ae" || *features == "embedding" {
		if X, err = modelFeatures(c.Ctx, ws, *model, *features == "ae", X); err != nil {
			return err
		}
		res.Model, res.Dim = *model, X.Cols
	}
	t := progress.New()
	stop := c.reportProgress("k-means", t)
	start := time.Now()
	m, err := kmeans.KMeans{K: *k, NInit: *nInit, Seed: *seed, Progress: t}.Fit(c.Ctx, X)
	stop()
	if err != nil {
		return err
	}
	res.Seconds = time.Since(start).Seconds()
	res.Inertia, res.Iterations = m.Inertia, m.Iterations
	labels := train.Split.Labels()
	res.PurityMean, res.PurityWeighted = metrics.Purity(m.Labels, labels)
	res.NMI = metrics.NMI(m.Labels, labels)
	res.ARI = metrics.ARI(m.Labels, labels)
	res.Accuracy, _ = metrics.ClusterAccuracy(m.Labels, labels)
	return c.emit(res, func(w io.Writer) {
		space := "pixels"
		switch res.Features {
		case "pca":
			space = fmt.Sprintf("PCA(%d)", res.Components)
		case "ae", "embedding":
			space = fmt.Sprintf("the %d-d code of %s", res.Dim, res.Model)
		}
		fmt.Fprintf(w, "k-means k=%d on %s of %s (%d rows, %d restart(s)): inertia %.1f after %d iterations, %.2f s\n",
			res.K, space, res.Data, res.Rows, res.NInit, res.Inertia, res.Iterations, res.Seconds)
		fmt.Fprintf(w, "against the classes: purity %.3f mean / %.3f weighted, NMI %.3f, ARI %.3f, matched accuracy %.3f\n",
			res.PurityMean, res.PurityWeighted, res.NMI, res.ARI, res.Accuracy)
	})
}
