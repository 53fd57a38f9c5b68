package service

import (
	"context"
	"fmt"
	"image"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/kmeans"
	"embedscope/ml/metrics"
	"embedscope/ml/progress"
	"embedscope/ml/prototype"
)

// Prototypes is a nearest-prototype classifier fitted on the training
// split, scored on every split: what the Prototypes panel and the CLI show.
type Prototypes struct {
	Generation int
	Model      *prototype.Model
	// Space is the feature space the prototypes live in (nil: the scaled
	// pixels). Train, Val and Test hold its rows with their splits.
	Space    *workspace.Space
	Train    workspace.Features
	Val      workspace.Features
	Test     workspace.Features
	Accuracy map[string]float64 // by split name, for the non-empty splits
	pixels   *dataset.Scaler    // the scaling of the pixels, to draw prototypes
}

// FitPrototypes computes one prototype per class (its mean on the training
// split) in the space spaceID ("" or "pixels": the scaled pixels) and
// scores all splits. It
// returns an error naming the class when a class has no training rows.
func (s *Service) FitPrototypes(ctx context.Context, spaceID string, t *progress.Tracker) (*Prototypes, error) {
	var space *workspace.Space
	if spaceID != "" && spaceID != workspace.PixelsSpace {
		var err error
		if space, err = s.Space(ctx, spaceID); err != nil {
			return nil, err
		}
	}
	w := s.WS
	gen := w.Generation()
	ds := w.Data()
	if ds == nil {
		return nil, fmt.Errorf("no data set is open")
	}
	t.Stage("class means", 0)
	train, val, test, err := w.Features(ctx)
	if err != nil {
		return nil, err
	}
	pixels := train.Scaler
	if space != nil {
		train.X, val.X, test.X = space.Train, space.Val, space.Test
		train.Scaler, val.Scaler, test.Scaler = nil, nil, nil
	}
	m, err := prototype.ClassMeans(train.X, train.Split.Labels(), len(ds.Classes))
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, ds.Name)
	}
	p := &Prototypes{Generation: gen, Model: m, Space: space, Train: train, Val: val, Test: test, pixels: pixels}
	return p, p.score(ctx)
}

// SpaceName names the space of the prototypes.
func (p *Prototypes) SpaceName() string {
	if p.Space == nil {
		return workspace.PixelsSpace
	}
	return p.Space.Name
}

// SpaceID is the ID of the space of the prototypes.
func (p *Prototypes) SpaceID() string {
	if p.Space == nil {
		return workspace.PixelsSpace
	}
	return p.Space.ID
}

// WithSplitClass returns a copy of p in which class c is represented by k
// k-means centres of its training images (k-means++, nInit restarts).
func (p *Prototypes) WithSplitClass(ctx context.Context, c, k, nInit int, seed uint64, t *progress.Tracker) (*Prototypes, error) {
	var rows []int
	for i, l := range p.Train.Split.Labels() {
		if l == c {
			rows = append(rows, i)
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("class %d has no training images to split", c)
	}
	if k < 1 || k > len(rows) {
		return nil, fmt.Errorf("cannot split a class of %d training images into %d prototypes: choose k from 1 to %d", len(rows), k, len(rows))
	}
	X := p.Train.X
	sub := blas32.General{Rows: len(rows), Cols: X.Cols, Stride: X.Cols, Data: make([]float32, len(rows)*X.Cols)}
	for i, r := range rows {
		copy(sub.Data[i*X.Cols:(i+1)*X.Cols], X.Data[r*X.Stride:r*X.Stride+X.Cols])
	}
	km, err := kmeans.KMeans{K: k, NInit: nInit, Seed: seed, Progress: t}.Fit(ctx, sub)
	if err != nil {
		return nil, err
	}
	m, err := p.Model.WithClassPrototypes(c, km.Centers)
	if err != nil {
		return nil, err
	}
	q := &Prototypes{Generation: p.Generation, Model: m, Space: p.Space, Train: p.Train, Val: p.Val, Test: p.Test, pixels: p.pixels}
	return q, q.score(ctx)
}

func (p *Prototypes) score(ctx context.Context) error {
	p.Accuracy = map[string]float64{}
	for _, f := range []workspace.Features{p.Train, p.Val, p.Test} {
		if f.Split.Len() == 0 {
			continue
		}
		pred, err := p.Model.Predict(ctx, f.X)
		if err != nil {
			return err
		}
		ok := 0
		for i, q := range pred {
			if q.Class == f.Split.Label(i) {
				ok++
			}
		}
		p.Accuracy[f.Split.Name] = float64(ok) / float64(len(pred))
	}
	return nil
}

// Split returns the features of the split with the given name.
func (p *Prototypes) Split(name string) workspace.Features {
	switch name {
	case "validation":
		return p.Val
	case "test":
		return p.Test
	}
	return p.Train
}

// Analysis is the nearest-prototype decision on one split with what the
// error galleries need.
type Analysis struct {
	Split     workspace.Features
	Pred      []prototype.Prediction
	Own       []float64 // mean squared distance to the nearest prototype of the true class
	Confusion metrics.Confusion
}

// Analyse classifies the named split and measures each item's distance to
// its own class.
func (p *Prototypes) Analyse(ctx context.Context, split string) (*Analysis, error) {
	f := p.Split(split)
	D, err := p.Model.MeanSquaredDistances(ctx, f.X)
	if err != nil {
		return nil, err
	}
	a := &Analysis{Split: f, Pred: make([]prototype.Prediction, D.N), Own: make([]float64, D.N)}
	pred := make([]int, D.N)
	for i := 0; i < D.N; i++ {
		best := 0
		row := D.Data[i*D.P : (i+1)*D.P]
		for q, v := range row {
			if v < row[best] {
				best = q
			}
		}
		a.Pred[i] = prototype.Prediction{Class: p.Model.Class[best], Dist: row[best], Prototype: best}
		pred[i] = a.Pred[i].Class
		_, a.Own[i] = p.Model.Nearest(D, i, f.Split.Label(i), true)
	}
	a.Confusion, err = metrics.NewConfusion(pred, f.Split.Labels(), p.Model.Classes)
	return a, err
}

// PrototypeImage renders prototype row r as an image of the data set: in
// a space with a decoder (PCA, an autoencoder) it is decoded first; then
// the scaling is undone and values clamped to 0..255. It returns nil for
// non-image data and for spaces without a decoder (a learned embedding).
func (p *Prototypes) PrototypeImage(ds *dataset.Dataset, r int) image.Image {
	if !ds.IsImage() {
		return nil
	}
	row := p.Model.Centers.Data[r*p.Model.Centers.Stride : r*p.Model.Centers.Stride+p.Model.Centers.Cols]
	if p.Space != nil {
		if p.Space.Inverse == nil {
			return nil
		}
		dec := make([]float32, ds.Dim)
		p.Space.Inverse(dec, row)
		row = dec
	}
	return workspace.FeatureImage(ds, p.pixels, row)
}
