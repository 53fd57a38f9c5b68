package embed

import (
	"sync"
	"testing"

	"embedscope/assets"
	"embedscope/ml/dataset"
)

var (
	fashionOnce sync.Once
	fashionData Data
	fashionErr  error
)

// embeddedFashion returns the embedded Fashion-MNIST test set split as the
// workspace splits it by default (8,000 train / 2,000 validation,
// stratified, seed 42), scaled /255.
func embeddedFashion(t testing.TB) Data {
	t.Helper()
	fashionOnce.Do(func() {
		images, labels := assets.FashionMNISTTest()
		ds, err := dataset.LoadIDX("embedded", "embedded", images, labels, nil, nil)
		if err != nil {
			fashionErr = err
			return
		}
		splits, err := ds.Split(dataset.DefaultSplitOptions(ds))
		if err != nil {
			fashionErr = err
			return
		}
		sc, err := dataset.FitScaler(dataset.ScaleDiv255, splits.Train)
		if err != nil {
			fashionErr = err
			return
		}
		fashionData = Data{Train: sc.Transform(splits.Train), Eval: sc.Transform(splits.Val),
			TrainLabels: splits.Train.Labels(), EvalLabels: splits.Val.Labels(),
			Height: ds.Height, Width: ds.Width, Channels: 1, Classes: 10}
	})
	if fashionErr != nil {
		t.Fatal(fashionErr)
	}
	return fashionData
}

// subset returns the first nTrain training and nEval evaluation items of d.
func subset(d Data, nTrain, nEval int) Data {
	f := d.Train.Cols
	d.Train.Rows, d.Train.Data, d.TrainLabels = nTrain, d.Train.Data[:nTrain*f], d.TrainLabels[:nTrain]
	d.Eval.Rows, d.Eval.Data, d.EvalLabels = nEval, d.Eval.Data[:nEval*f], d.EvalLabels[:nEval]
	return d
}
