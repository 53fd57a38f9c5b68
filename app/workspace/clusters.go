package workspace

import (
	"context"
	"fmt"
	"image"
	"time"

	"embedscope/ml/dataset"
	"embedscope/ml/kmeans"
	"embedscope/ml/metrics"
	"embedscope/ml/progress"
)

// PixelSpace returns the scaled input features as a Space; its Inverse is
// the identity, so its centroids are images already.
func (w *Workspace) PixelSpace(ctx context.Context) (*Space, error) {
	train, val, test, err := w.Features(ctx)
	if err != nil {
		return nil, err
	}
	return &Space{Name: PixelsSpace, Train: train.X, Val: val.X, Test: test.X, Inverse: func(dst, row []float32) { copy(dst, row) }}, nil
}

// ClusterQuality scores a clustering of the training rows against their
// classes.
type ClusterQuality struct {
	PurityMean, PurityWeighted float64
	NMI, ARI                   float64
	Accuracy                   float64 // with the Hungarian matching of clusters to classes
}

// Clustering is k-means on the training split of one space.
type Clustering struct {
	Generation    int
	Space         *Space
	Model         *kmeans.Model
	Classes       []int // class of each training row
	Quality       ClusterQuality
	Contingency   [][]int // [cluster][class]
	Majority      []int   // majority class of each cluster (-1 when empty)
	MajorityShare []float64
	Seconds       float64
}

// Cluster runs k-means (k-means++, nInit seeded restarts) on the training
// rows of space and scores the clusters against the classes. It returns an
// error for k outside 1..rows.
func (w *Workspace) Cluster(ctx context.Context, space *Space, k, nInit int, seed uint64, t *progress.Tracker) (*Clustering, error) {
	gen := w.Generation()
	ds := w.Data()
	if ds == nil {
		return nil, fmt.Errorf("no data set is open")
	}
	X := space.Train
	if k < 1 || k > X.Rows {
		return nil, fmt.Errorf("cannot make %d clusters of %d training rows: choose k from 1 to %d", k, X.Rows, X.Rows)
	}
	start := time.Now()
	m, err := kmeans.KMeans{K: k, NInit: nInit, Seed: seed, Progress: t}.Fit(ctx, X)
	if err != nil {
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
	return c, nil
}

// CentroidImages decodes every centre back to an image: directly for the
// pixel space, through the space's Inverse (a PCA inverse transform, an
// autoencoder's decoder) otherwise, then undoing the scaling. It returns an
// error for a space without a decoder or data that holds no images.
func (c *Clustering) CentroidImages(ds *dataset.Dataset, sc *dataset.Scaler) ([]*image.Gray, error) {
	if !ds.IsImage() {
		return nil, fmt.Errorf("%s holds no images to show the centroids as", ds.Name)
	}
	if c.Space.Inverse == nil {
		return nil, fmt.Errorf("the %s space has no decoder, so its centroids cannot be shown as images: cluster pixels, PCA or an autoencoder's code instead", c.Space.Name)
	}
	C := c.Model.Centers
	out := make([]*image.Gray, C.Rows)
	row := make([]float32, ds.Dim)
	for j := range out {
		c.Space.Inverse(row, C.Data[j*C.Stride:j*C.Stride+C.Cols])
		out[j] = FeatureImage(ds, sc, row)
	}
	return out, nil
}
