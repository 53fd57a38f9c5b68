package service

import (
	"context"
	"fmt"
	"math"
	"sort"

	"embedscope/ml/dataset"
	"embedscope/ml/knn"
	"embedscope/ml/progress"
)

// DefaultNearRMS is the default near-duplicate threshold: two images whose
// root-mean-square pixel difference is at most 2 grey levels (of 255).
const DefaultNearRMS = 2.0

// NearPair is an item and its nearest other item.
type NearPair struct {
	APart, BPart string // "train" or "test"
	A, B         int    // row indices in their parts
	RMS          float64
}

// NearDuplicates counts near-duplicate images: items whose nearest other
// item (exact Euclidean kNN on raw values) lies within MaxRMS.
type NearDuplicates struct {
	MaxRMS float64
	// WithinTrain and WithinTest count the items whose nearest other item of
	// the same part is within MaxRMS; Between counts the test items whose
	// nearest training item is.
	WithinTrain, WithinTest, Between int
	Pairs                            []NearPair // all pairs found, closest first (each unordered pair once)
}

// FindNearDuplicates searches the current data set for near duplicates
// with an exact 1-nearest-neighbour search within train, within test and
// from test to train, on the raw (unscaled) values. The threshold is a
// root-mean-square difference per feature: RMS = ‖a − b‖ / √d.
func (s *Service) FindNearDuplicates(ctx context.Context, maxRMS float64, t *progress.Tracker) (NearDuplicates, error) {
	ds := s.WS.Data()
	if ds == nil {
		return NearDuplicates{}, fmt.Errorf("no data set is open")
	}
	if !(maxRMS >= 0) || math.IsInf(maxRMS, 0) {
		return NearDuplicates{}, fmt.Errorf("near-duplicate threshold %v must be a number ≥ 0", maxRMS)
	}
	raw := func(p *dataset.Part, name string) dataset.Split {
		idx := make([]int, p.N)
		for i := range idx {
			idx[i] = i
		}
		return dataset.Split{Name: name, Part: p, Index: idx}
	}
	sc, err := dataset.FitScaler(dataset.ScaleNone, raw(&ds.Train, "train"))
	if err != nil {
		return NearDuplicates{}, err
	}
	res := NearDuplicates{MaxRMS: maxRMS}
	limit := maxRMS * math.Sqrt(float64(ds.Dim))
	seen := map[[4]int]bool{}
	add := func(ap, bp string, a, b int, d float64) {
		pa, pb := 0, 0
		if ap == "test" {
			pa = 1
		}
		if bp == "test" {
			pb = 1
		}
		key := [4]int{pa, a, pb, b}
		if pa > pb || (pa == pb && a > b) {
			key = [4]int{pb, b, pa, a}
			ap, bp, a, b = bp, ap, b, a
		}
		if !seen[key] {
			seen[key] = true
			res.Pairs = append(res.Pairs, NearPair{APart: ap, BPart: bp, A: a, B: b, RMS: d / math.Sqrt(float64(ds.Dim))})
		}
	}
	train := sc.Transform(raw(&ds.Train, "train"))
	cl := &knn.Classifier{K: 1, Progress: t}
	t.Stage("near duplicates within train", 0)
	if ds.Train.N > 1 {
		if err := cl.Fit(train, ds.Train.Labels); err != nil {
			return res, err
		}
		nb, err := cl.KNeighborsSelf(ctx, 1)
		if err != nil {
			return res, err
		}
		for i := 0; i < nb.N; i++ {
			if nb.Dist[i] <= limit {
				res.WithinTrain++
				add("train", "train", i, nb.Index[i], nb.Dist[i])
			}
		}
	}
	if ds.Test.N > 0 {
		test := sc.Transform(raw(&ds.Test, "test"))
		t.Stage("near duplicates between test and train", 0)
		nb, err := cl.KNeighbors(ctx, test, 1)
		if err != nil {
			return res, err
		}
		for i := 0; i < nb.N; i++ {
			if nb.Dist[i] <= limit {
				res.Between++
				add("test", "train", i, nb.Index[i], nb.Dist[i])
			}
		}
		if ds.Test.N > 1 {
			t.Stage("near duplicates within test", 0)
			ct := &knn.Classifier{K: 1, Progress: t}
			if err := ct.Fit(test, ds.Test.Labels); err != nil {
				return res, err
			}
			nb, err := ct.KNeighborsSelf(ctx, 1)
			if err != nil {
				return res, err
			}
			for i := 0; i < nb.N; i++ {
				if nb.Dist[i] <= limit {
					res.WithinTest++
					add("test", "test", i, nb.Index[i], nb.Dist[i])
				}
			}
		}
	}
	sort.SliceStable(res.Pairs, func(i, j int) bool { return res.Pairs[i].RMS < res.Pairs[j].RMS })
	return res, nil
}
