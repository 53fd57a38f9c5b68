package compare

import (
	"math"
	"slices"
	"testing"

	"embedscope/ml/knn"
)

func TestMajority(t *testing.T) {
	// Neighbours of 5 items, k = 3: votes per item with labels
	// [0 1 1 2 2]: item 0 {1, 2, 3} → 1 (two 1s); item 1 {0, 3, 4} → 2;
	// item 2 {0, 1, 3} → tie of 0, 1, 2 → 0; item 3 {4, 0, 1} → tie 0, 1,
	// 2 → 0; with k = 1 the nearest's label.
	nb := &Neighbourhoods{Neighbors: knn.Neighbors{N: 5, K: 3, Index: []int{
		1, 2, 3,
		0, 3, 4,
		0, 1, 3,
		4, 0, 1,
		3, 2, 1,
	}, Dist: make([]float64, 15)}}
	labels := []int{0, 1, 1, 2, 2}
	got, err := Majority(nb, 3, labels, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 0, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("k = 3: majority %v, want %v", got, want)
	}
	got, err = Majority(nb, 1, labels, 3, got)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 0, 0, 2, 2}; !slices.Equal(got, want) {
		t.Errorf("k = 1: majority %v, want %v", got, want)
	}
	if _, err := Majority(nb, 4, labels, 3, nil); err == nil {
		t.Error("no error for k above K")
	}
	if _, err := Majority(nb, 2, []int{0, 1, 5, 0, 0}, 3, nil); err == nil {
		t.Error("no error for a class out of range")
	}
}

func TestMostChanged(t *testing.T) {
	// Eight items: classes 5 (sandal) and 7 (sneaker).
	agr := []float64{0.1, 0.9, 0, 0.2, 0.05, 0.5, 0, 0.3}
	labels := []int{5, 5, 5, 7, 5, 7, 7, 7}
	majA := []int{5, 5, 5, 7, 5, 7, 7, 7}
	majB := []int{7, 5, 7, 7, 7, 5, 7, 7}
	groups, err := MostChanged(agr, labels, majA, majB, 6)
	if err != nil {
		t.Fatal(err)
	}
	// The 6 lowest: items 2 (0), 6 (0), 4 (0.05), 0 (0.1), 3 (0.2), 7
	// (0.3). Sandals that moved among sneakers: 2, 4, 0 (moved first);
	// then sneakers that stayed: 6, 3, 7.
	want := []Group{
		{Class: 5, From: 5, To: 7, Items: []int{2, 4, 0}, Mean: 0.05},
		{Class: 7, From: 7, To: 7, Items: []int{6, 3, 7}, Mean: 0.5 / 3},
	}
	if len(groups) != len(want) {
		t.Fatalf("groups %+v, want %+v", groups, want)
	}
	for g, w := range want {
		got := groups[g]
		if got.Class != w.Class || got.From != w.From || got.To != w.To || !slices.Equal(got.Items, w.Items) || math.Abs(got.Mean-w.Mean) > 1e-15 {
			t.Errorf("group %d: %+v, want %+v", g, got, w)
		}
	}
	if !groups[0].Moved() || groups[1].Moved() {
		t.Error("Moved is wrong")
	}
	all, err := MostChanged(agr, labels, majA, majB, 0)
	if err != nil {
		t.Fatal(err)
	}
	// All items: the moved groups (5: 5→7 with 3 items, 7: 7→5 with item
	// 5) first, by size; then 7: 7→7 (4 items), then 5: 5→5 (item 1).
	var keys [][3]int
	for _, g := range all {
		keys = append(keys, [3]int{g.Class, g.From, g.To})
	}
	if want := [][3]int{{5, 5, 7}, {7, 7, 5}, {7, 7, 7}, {5, 5, 5}}; !slices.Equal(keys, want) {
		t.Errorf("group order %v, want %v", keys, want)
	}
	if _, err := MostChanged(agr, labels[:3], majA, majB, 0); err == nil {
		t.Error("no error for missing labels")
	}
}
