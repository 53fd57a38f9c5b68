package cli

import (
	"fmt"
	"io"

	"embedscope/app/service"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "kmeans", Summary: "k-means on pixels, PCA or a trained model's code: inertia, purity, NMI, ARI, time", Run: runKMeans})
}

// KMeansResult is what `embedscope kmeans --json` prints; the quality
// scores compare the clusters of the training rows with their classes.
type KMeansResult struct {
	RunID          string  `json:"run_id"`
	Data           string  `json:"data"`
	Space          string  `json:"space"`    // the name of the space clustered
	SpaceID        string  `json:"space_id"` // "pixels" or the run whose space it is
	Dim            int     `json:"dim"`
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
	fs := newFlagSet(c, "kmeans", "kmeans [--data D] [--k K] [--space pixels|pca:K|RUN] [--features pixels|pca|ae|embedding] [--components N] [--model F.esm] [--n-init N] [--kseed S] [--json]")
	d.add(fs)
	k := fs.Int("k", 10, "number of clusters")
	space := fs.String("space", "", "space to cluster: pixels, pca:K or a run's ID or name (embedscope runs list); overrides --features")
	features := fs.String("features", "pixels", "feature space: pixels (the scaled features), pca, ae (the code of the autoencoder in --model) or embedding (of any model in --model)")
	model := fs.String("model", "", "checkpoint of train-ae (or train-siamese) whose code is clustered with --features ae (embedding)")
	comps := fs.Int("components", 32, "PCA components (with --features pca)")
	nInit := fs.Int("n-init", 1, "restarts; the lowest inertia is kept")
	seed := fs.Uint64("kseed", 0, "seed of the k-means restarts")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	name := *space
	if name == "" {
		switch *features {
		case "pixels", "pca", "ae", "embedding":
			name = *features
		default:
			return fmt.Errorf("unknown feature space %q: use pixels, pca, ae or embedding", *features)
		}
	}
	if *nInit < 1 {
		return fmt.Errorf("--n-init %d: k-means needs at least one restart", *nInit)
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	t := progress.New()
	stop := c.reportProgress("k-means", t)
	defer stop()
	id, err := spaceID(c, svc, name, *comps, *model, t)
	if err != nil {
		return err
	}
	cl, err := svc.Cluster(c.Ctx, service.ClusterRequest{Space: id, K: *k, NInit: *nInit, Seed: *seed}, t)
	stop()
	if err != nil {
		return err
	}
	q, m := cl.Quality, cl.Model
	res := KMeansResult{RunID: cl.Run.ID, Data: svc.WS.Data().Name, Space: cl.Space.Name, SpaceID: cl.Space.ID, Dim: cl.Space.Dim(),
		K: *k, NInit: *nInit, Seed: *seed, Rows: cl.Space.Train.Rows, Inertia: m.Inertia, Iterations: m.Iterations, Seconds: cl.Seconds,
		PurityMean: q.PurityMean, PurityWeighted: q.PurityWeighted, NMI: q.NMI, ARI: q.ARI, Accuracy: q.Accuracy}
	return c.emit(res, func(w io.Writer) {
		fmt.Fprintf(w, "k-means k=%d on %s (%d-d) of %s (%d rows, %d restart(s)): inertia %.1f after %d iterations, %.2f s (run %s)\n",
			res.K, res.Space, res.Dim, res.Data, res.Rows, res.NInit, res.Inertia, res.Iterations, res.Seconds, res.RunID)
		fmt.Fprintf(w, "against the classes: purity %.3f mean / %.3f weighted, NMI %.3f, ARI %.3f, matched accuracy %.3f\n",
			res.PurityMean, res.PurityWeighted, res.NMI, res.ARI, res.Accuracy)
	})
}
