package service

import (
	"context"
	"fmt"
	"image"
	"time"

	"embedscope/app/runs"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/kmeans"
	"embedscope/ml/metrics"
	"embedscope/ml/progress"
)

// ClusterQuality scores a clustering of the training rows against their
// classes.
type ClusterQuality struct {
	PurityMean, PurityWeighted float64
	NMI, ARI                   float64
	Accuracy                   float64 // with the Hungarian matching of clusters to classes
}

// Clustering is k-means on the training split of one space.
type Clustering struct {
	Run           runs.Record
	Generation    int
	Space         *workspace.Space
	Model         *kmeans.Model
	Classes       []int // class of each training row
	Quality       ClusterQuality
	Contingency   [][]int // [cluster][class]
	Majority      []int   // majority class of each cluster (-1 when empty)
	MajorityShare []float64
	Seconds       float64
}

// ClusterRequest asks for k-means on the training rows of a space.
type ClusterRequest struct {
	Space string `json:"space"`  // space ID: "pixels" or a run ID
	K     int    `json:"k"`      // clusters, from 1 to the training rows
	NInit int    `json:"n_init"` // k-means++ restarts, ≥ 1 (the best inertia is kept)
	Seed  uint64 `json:"seed"`
}

// Cluster runs k-means (k-means++, req.NInit seeded restarts) on the
// training rows of the requested space, scores the clusters against the
// classes and records the run (its lineage names the space). It returns an
// error for k outside 1..rows.
func (s *Service) Cluster(ctx context.Context, req ClusterRequest, t *progress.Tracker) (*Clustering, error) {
	w := s.WS
	gen := w.Generation()
	ds := w.Data()
	if ds == nil {
		return nil, fmt.Errorf("no data set is open")
	}
	if req.NInit < 1 || req.NInit > 1000 {
		return nil, fmt.Errorf("k-means needs from 1 to 1000 restarts, not %d", req.NInit)
	}
	space, err := s.Space(ctx, req.Space)
	if err != nil {
		return nil, err
	}
	k, nInit, seed := req.K, req.NInit, req.Seed
	X := space.Train
	if k < 1 || k > X.Rows {
		return nil, fmt.Errorf("cannot make %d clusters of %d training rows: choose k from 1 to %d", k, X.Rows, X.Rows)
	}
	var parents []string
	if space.ID != workspace.PixelsSpace {
		parents = []string{space.ID}
	}
	rec, err := s.begin(runs.KindKMeans, fmt.Sprintf("k-means k=%d on %s", k, space.Name), req, true, parents...)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	m, err := kmeans.KMeans{K: k, NInit: nInit, Seed: seed, Progress: t}.Fit(ctx, X)
	if err != nil {
		s.end(rec, start, nil, gen, err)
		return nil, err
	}
	c := &Clustering{Generation: gen, Space: space, Model: m, Classes: w.Splits().Train.Labels(), Seconds: time.Since(start).Seconds()}
	q := &c.Quality
	q.PurityMean, q.PurityWeighted = metrics.Purity(m.Labels, c.Classes)
	q.NMI = metrics.NMI(m.Labels, c.Classes)
	q.ARI = metrics.ARI(m.Labels, c.Classes)
	q.Accuracy, _ = metrics.ClusterAccuracy(m.Labels, c.Classes)
	c.Contingency = metrics.Contingency(m.Labels, c.Classes, k, len(ds.Classes))
	c.Majority = make([]int, k)
	c.MajorityShare = make([]float64, k)
	for j, row := range c.Contingency {
		best, n := -1, 0
		for cl, v := range row {
			n += v
			if best < 0 || v > row[best] {
				best = cl
			}
		}
		if n == 0 {
			c.Majority[j] = -1
			continue
		}
		c.Majority[j], c.MajorityShare[j] = best, float64(row[best])/float64(n)
	}
	rec.Metrics = map[string]float64{"purity_mean": q.PurityMean, "purity_weighted": q.PurityWeighted, "nmi": q.NMI, "ari": q.ARI,
		"accuracy_hungarian": q.Accuracy, "inertia": m.Inertia}
	if err := s.end(rec, start, nil, gen, nil); err != nil {
		return nil, err
	}
	c.Run = *rec
	return c, nil
}

// CentroidImages decodes every centre back to an image: directly for the
// pixel space, through the space's Inverse (a PCA inverse transform, an
// autoencoder's decoder) otherwise, then undoing the scaling. It returns an
// error for a space without a decoder or data that holds no images.
func (c *Clustering) CentroidImages(ds *dataset.Dataset, sc *dataset.Scaler) ([]image.Image, error) {
	if !ds.IsImage() {
		return nil, fmt.Errorf("%s holds no images to show the centroids as", ds.Name)
	}
	if c.Space.Inverse == nil {
		return nil, fmt.Errorf("the %s space has no decoder, so its centroids cannot be shown as images: cluster pixels, PCA or an autoencoder's code instead", c.Space.Name)
	}
	C := c.Model.Centers
	out := make([]image.Image, C.Rows)
	row := make([]float32, ds.Dim)
	for j := range out {
		c.Space.Inverse(row, C.Data[j*C.Stride:j*C.Stride+C.Cols])
		out[j] = workspace.FeatureImage(ds, sc, row)
	}
	return out, nil
}
