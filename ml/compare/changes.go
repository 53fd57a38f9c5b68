package compare

import (
	"fmt"
	"slices"
)

// Majority writes into dst[i] the majority class of item i's k nearest
// neighbours in nb (the first k of its row), whose classes are labels
// (0..classes−1): the class most of them have, a tie going to the smallest
// class (scikit-learn's vote in KNeighborsClassifier). dst is used if it
// has room for every item. It returns an error if labels does not have one
// entry per item or holds a class outside 0..classes−1, or k is outside
// 1..nb.K.
func Majority(nb *Neighbourhoods, k int, labels []int, classes int, dst []int) ([]int, error) {
	if len(labels) != nb.N {
		return nil, fmt.Errorf("compare: %d labels for %d items", len(labels), nb.N)
	}
	if k < 1 || k > nb.K {
		return nil, fmt.Errorf("compare: majority of %d neighbours from neighbourhoods of %d", k, nb.K)
	}
	for i, c := range labels {
		if c < 0 || c >= classes {
			return nil, fmt.Errorf("compare: item %d has class %d, outside 0..%d", i, c, classes-1)
		}
	}
	if cap(dst) >= nb.N {
		dst = dst[:nb.N]
	} else {
		dst = make([]int, nb.N)
	}
	votes := make([]int, classes)
	for i := 0; i < nb.N; i++ {
		idx, _ := nb.Row(i)
		clear(votes)
		for _, j := range idx[:k] {
			votes[labels[j]]++
		}
		best := 0
		for c, v := range votes {
			if v > votes[best] {
				best = c
			}
		}
		dst[i] = best
	}
	return dst, nil
}

// Group is a set of items whose neighbourhood changed between spaces A and
// B in the same way: items of class Class whose neighbours are mostly of
// class From in A and mostly of class To in B ("sandals that moved among
// sneakers": Class sandal, From sandal, To sneaker).
type Group struct {
	Class, From, To int
	// Items are the group's items by increasing agreement, then index.
	Items []int
	// Mean is the mean agreement of the items.
	Mean float64
}

// Moved reports whether the group's neighbourhood majority changed class.
func (g Group) Moved() bool { return g.From != g.To }

// MostChanged groups the n items of lowest agreement (all items when n ≤ 0
// or n ≥ len(agr); among equal agreements the lower index first) by
// (class, majority class in A, majority class in B). The groups whose
// majority changed class come first, then the rest, each by decreasing
// number of items, then by increasing mean agreement, then by class, From
// and To. labels, majA and majB give each item's class and the majority
// classes of its neighbourhoods (see Majority). It returns an error if
// they do not have one entry per item.
func MostChanged(agr []float64, labels, majA, majB []int, n int) ([]Group, error) {
	if len(labels) != len(agr) || len(majA) != len(agr) || len(majB) != len(agr) {
		return nil, fmt.Errorf("compare: %d agreements, %d labels and %d, %d majority classes", len(agr), len(labels), len(majA), len(majB))
	}
	order := Order(agr)
	if n > 0 && n < len(order) {
		order = order[:n]
	}
	type key struct{ class, from, to int }
	at := map[key]int{}
	var groups []Group
	for _, i := range order {
		kk := key{labels[i], majA[i], majB[i]}
		g, ok := at[kk]
		if !ok {
			g = len(groups)
			at[kk] = g
			groups = append(groups, Group{Class: kk.class, From: kk.from, To: kk.to})
		}
		groups[g].Items = append(groups[g].Items, i)
		groups[g].Mean += agr[i]
	}
	for g := range groups {
		groups[g].Mean /= float64(len(groups[g].Items))
	}
	slices.SortFunc(groups, func(p, q Group) int {
		if p.Moved() != q.Moved() {
			if p.Moved() {
				return -1
			}
			return 1
		}
		if len(p.Items) != len(q.Items) {
			return len(q.Items) - len(p.Items)
		}
		if p.Mean != q.Mean {
			if p.Mean < q.Mean {
				return -1
			}
			return 1
		}
		if p.Class != q.Class {
			return p.Class - q.Class
		}
		if p.From != q.From {
			return p.From - q.From
		}
		return p.To - q.To
	})
	return groups, nil
}
