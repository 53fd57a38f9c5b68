package dataset

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// Split is a subset of the rows of one Part, named ("train", "validation",
// "test"). Index holds the row numbers in the Part, in increasing order, so
// the original index of every item is kept wherever it is shown.
type Split struct {
	Name  string
	Part  *Part
	Index []int
}

// Len returns the number of rows in s.
func (s Split) Len() int { return len(s.Index) }

// Label returns the class of the i-th row of s.
func (s Split) Label(i int) int { return s.Part.Labels[s.Index[i]] }

// Labels returns the classes of all rows of s in order.
func (s Split) Labels() []int {
	out := make([]int, len(s.Index))
	for i, r := range s.Index {
		out[i] = s.Part.Labels[r]
	}
	return out
}

// Splits are the three splits the panels work with. Val is empty when the
// validation fraction is 0; Test is empty when the source has no test part.
type Splits struct {
	Train, Val, Test Split
}

// DefaultValFraction is the share of training rows held out for validation
// when a data set has no test part of its own.
const DefaultValFraction = 0.2

// DefaultSeed seeds the validation split unless the user chooses another.
const DefaultSeed = 42

// SplitOptions choose how the training part is divided.
type SplitOptions struct {
	ValFraction float64 // share of training rows held out for validation, in [0, 1)
	Seed        uint64
}

// DefaultSplitOptions returns 20 % validation for data without a test part
// and no validation otherwise (the official train/test split is used as is).
func DefaultSplitOptions(d *Dataset) SplitOptions {
	if d.HasTest() {
		return SplitOptions{ValFraction: 0, Seed: DefaultSeed}
	}
	return SplitOptions{ValFraction: DefaultValFraction, Seed: DefaultSeed}
}

// Split divides the training part into train and validation, stratified by
// class and seeded: each class gives round(fraction × its count) rows, chosen
// by a seeded shuffle, to validation. The test part is used as it is.
func (d *Dataset) Split(o SplitOptions) (Splits, error) {
	if !(o.ValFraction >= 0 && o.ValFraction < 1) { // also rejects NaN
		return Splits{}, fmt.Errorf("validation fraction %.3g is outside [0, 1)", o.ValFraction)
	}
	byClass := make([][]int, len(d.Classes))
	for i, l := range d.Train.Labels {
		byClass[l] = append(byClass[l], i)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed5117))
	var train, val []int
	for _, rows := range byClass {
		nVal := int(float64(len(rows))*o.ValFraction + 0.5)
		if nVal == len(rows) && nVal > 0 {
			nVal-- // keep at least one row of every class for training
		}
		perm := append([]int(nil), rows...)
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		val = append(val, perm[:nVal]...)
		train = append(train, perm[nVal:]...)
	}
	if len(train) == 0 {
		return Splits{}, fmt.Errorf("validation fraction %.3g leaves no training rows", o.ValFraction)
	}
	sort.Ints(train)
	sort.Ints(val)
	test := make([]int, d.Test.N)
	for i := range test {
		test[i] = i
	}
	return Splits{
		Train: Split{Name: "train", Part: &d.Train, Index: train},
		Val:   Split{Name: "validation", Part: &d.Train, Index: val},
		Test:  Split{Name: "test", Part: &d.Test, Index: test},
	}, nil
}

// Eval returns the split that models are evaluated on: the test split when
// there is one, the validation split otherwise.
func (s Splits) Eval() Split {
	if s.Test.Len() > 0 {
		return s.Test
	}
	return s.Val
}
