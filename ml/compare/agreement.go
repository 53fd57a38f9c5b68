package compare

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/knn"
)

// Agreement writes into dst[i] the neighbourhood agreement of item i
// between spaces A and B: the Jaccard index |Nᴬᵢ ∩ Nᴮᵢ| / |Nᴬᵢ ∪ Nᴮᵢ| =
// s/(2k − s) of its k nearest other items in A and in B (the first k of
// each row of a and b), where s is the number of items the two sets share.
// It is 1 when the neighbourhoods are the same and 0 when they are
// disjoint, and takes only the k+1 values s/(2k − s), s = 0..k. dst is
// used if it has room for every item, else a new slice is returned.
//
// It returns an error if a and b are of different numbers of items or k is
// outside 1..min(a.K, b.K).
func Agreement(a, b *Neighbourhoods, k int, dst []float64) ([]float64, error) {
	if a.N != b.N {
		return nil, errMismatch
	}
	if k < 1 || k > a.K || k > b.K {
		return nil, fmt.Errorf("compare: agreement at k = %d needs neighbourhoods of at least k items (have %d and %d)", k, a.K, b.K)
	}
	if cap(dst) >= a.N {
		dst = dst[:a.N]
	} else {
		dst = make([]float64, a.N)
	}
	parallelRange(a.N, func(lo, hi int) {
		sa, sb := make([]int, k), make([]int, k)
		for i := lo; i < hi; i++ {
			ia, _ := a.Row(i)
			ib, _ := b.Row(i)
			s := shared(sa, sb, ia[:k], ib[:k])
			dst[i] = jaccard(s, k)
		}
	})
	return dst, nil
}

// shared returns the number of values common to x and y (each without
// repeats), sorting copies of them in the buffers sa and sb.
func shared(sa, sb, x, y []int) int {
	copy(sa, x)
	copy(sb, y)
	slices.Sort(sa)
	slices.Sort(sb)
	s, p, q := 0, 0, 0
	for p < len(sa) && q < len(sb) {
		switch {
		case sa[p] == sb[q]:
			s++
			p++
			q++
		case sa[p] < sb[q]:
			p++
		default:
			q++
		}
	}
	return s
}

// jaccard returns s/(2k − s), the Jaccard index of two k-sets sharing s.
func jaccard(s, k int) float64 { return float64(s) / float64(2*k-s) }

// SharedOf returns the number of shared neighbours s behind an agreement
// value j = s/(2k − s) (the inverse s = 2kj/(1 + j), rounded).
func SharedOf(j float64, k int) int {
	return int(math.Round(2 * float64(k) * j / (1 + j)))
}

// Summary summarises the agreement of n items at k neighbours.
type Summary struct {
	K, N int
	// Mean is the mean agreement over all items, summed in item order.
	Mean float64
	// Classes holds, for each class c = 0..classes−1, the number of items
	// of that class and their mean agreement (NaN when there are none).
	Classes []ClassMean
	// Bins is the histogram of the agreement: one bin per possible value,
	// Bins[s] counting the items that share s = 0..K neighbours, of
	// agreement s/(2K − s).
	Bins []Bin
}

// ClassMean is the mean agreement of the items of one class.
type ClassMean struct {
	Class, Count int
	Mean         float64
}

// Bin is one bar of the agreement histogram.
type Bin struct {
	Shared    int     // neighbours shared by A and B
	Agreement float64 // the agreement of those items, Shared/(2K − Shared)
	Count     int     // items in the bin
}

// Summarise returns the mean, per-class means and histogram of the
// agreements agr (one per item, from Agreement at k neighbours) of items
// whose classes are labels (0..classes−1). It returns an error if labels
// does not have one entry per item or holds a class outside 0..classes−1,
// or an agreement is not one of the k+1 possible values.
func Summarise(agr []float64, k int, labels []int, classes int) (Summary, error) {
	if len(labels) != len(agr) {
		return Summary{}, fmt.Errorf("compare: %d labels for %d items", len(labels), len(agr))
	}
	s := Summary{K: k, N: len(agr), Classes: make([]ClassMean, classes), Bins: make([]Bin, k+1)}
	for v := range s.Bins {
		s.Bins[v] = Bin{Shared: v, Agreement: jaccard(v, k)}
	}
	sums := make([]float64, classes)
	total := 0.0
	for i, a := range agr {
		c := labels[i]
		if c < 0 || c >= classes {
			return Summary{}, fmt.Errorf("compare: item %d has class %d, outside 0..%d", i, c, classes-1)
		}
		v := SharedOf(a, k)
		if v < 0 || v > k || jaccard(v, k) != a {
			return Summary{}, fmt.Errorf("compare: item %d has agreement %v, not s/(2k−s) for k = %d", i, a, k)
		}
		s.Bins[v].Count++
		total += a
		sums[c] += a
		s.Classes[c].Count++
	}
	for c := range s.Classes {
		s.Classes[c].Class = c
		s.Classes[c].Mean = math.NaN()
		if s.Classes[c].Count > 0 {
			s.Classes[c].Mean = sums[c] / float64(s.Classes[c].Count)
		}
	}
	s.Mean = math.NaN()
	if len(agr) > 0 {
		s.Mean = total / float64(len(agr))
	}
	return s, nil
}

// InBin returns the items (in increasing order) that share exactly shared
// of their k neighbours: the items behind one bar of the histogram.
func InBin(agr []float64, k, shared int) []int {
	var out []int
	for i, a := range agr {
		if SharedOf(a, k) == shared {
			out = append(out, i)
		}
	}
	return out
}

// Order returns the items by increasing agreement, then increasing index:
// the items whose neighbourhood changed most come first.
func Order(agr []float64) []int {
	idx := make([]int, len(agr))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(p, q int) int {
		switch {
		case agr[p] < agr[q]:
			return -1
		case agr[p] > agr[q]:
			return 1
		}
		return 0
	})
	return idx
}

// Drift returns the mean agreement at k neighbours between two snapshots
// of the same items (prev and cur, one row per item, e.g. the embedding of
// a fixed validation sample after two consecutive epochs): 1 when no item's
// neighbourhood changed, near 0 when they were all reshuffled. The
// dimensions of the snapshots may differ. Errors are those of Neighbours,
// or different numbers of rows.
func Drift(ctx context.Context, prev, cur blas32.General, k int, m knn.Metric) (float64, error) {
	if prev.Rows != cur.Rows {
		return 0, fmt.Errorf("compare: snapshots of %d and %d items", prev.Rows, cur.Rows)
	}
	a, err := Neighbours(ctx, prev, k, m, nil)
	if err != nil {
		return 0, err
	}
	b, err := Neighbours(ctx, cur, k, m, nil)
	if err != nil {
		return 0, err
	}
	agr, err := Agreement(a, b, k, nil)
	if err != nil {
		return 0, err
	}
	total := 0.0
	for _, v := range agr {
		total += v
	}
	return total / float64(len(agr)), nil
}
