package prototype

import (
	"context"
	"os"
	"testing"

	"embedscope/ml/dataset"
)

// TestFashionNearestCentroid checks the nearest-class-mean classifier on
// the full Fashion-MNIST (/255 pixels) against scikit-learn 1.2.1:
//
//	from sklearn.neighbors import NearestCentroid
//	m = NearestCentroid().fit(Xtr / 255, ytr)
//	(m.predict(Xte / 255) == yte).mean()   # 0.6768
//	(m.predict(Xtr / 255) == ytr).mean()   # 0.6857166666666666
func TestFashionNearestCentroid(t *testing.T) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("full Fashion-MNIST not installed")
	}
	ds, err := dataset.LoadIDXDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := ds.Split(dataset.SplitOptions{})
	sc, _ := dataset.FitScaler(dataset.ScaleDiv255, s.Train)
	train, test := sc.Transform(s.Train), sc.Transform(s.Test)
	m, err := ClassMeans(train, s.Train.Labels(), len(ds.Classes))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		X    dataset.Split
		want int // correct predictions
	}{{"test", s.Test, 6768}, {"train", s.Train, 41143}} {
		X := test
		if c.name == "train" {
			X = train
		}
		pred, err := m.Predict(context.Background(), X)
		if err != nil {
			t.Fatal(err)
		}
		ok := 0
		for i, p := range pred {
			if p.Class == c.X.Label(i) {
				ok++
			}
		}
		if ok != c.want {
			t.Errorf("%s: %d correct, want %d (scikit-learn)", c.name, ok, c.want)
		}
	}
}
