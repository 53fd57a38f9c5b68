package metrics

// Cluster quality against reference labels (e.g. k-means clusters against
// the true classes). Except in Contingency, which indexes its table by
// them, clusters and labels are arbitrary ints: they need not start at 0
// or be contiguous; each distinct value is one cluster or class. All
// functions panic if the two slices differ in length (a programmer error,
// as in Accuracy); the scores are 0 for empty input.

import (
	"fmt"
	"math"
	"math/big"
	"slices"
)

// Unmatched marks, in the mapping returned by ClusterAccuracy, a cluster
// that no class was matched with.
const Unmatched = math.MinInt

// Contingency returns the k×classes table whose entry [c][l] counts the
// items with cluster c and label l. A k (classes) of 0 or less is replaced
// by the largest cluster (label) plus 1, or 0 when there are none. Items
// whose cluster is outside 0..k−1 or whose label is outside 0..classes−1
// are not counted.
func Contingency(clusters, labels []int, k, classes int) [][]int {
	checkLengths(clusters, labels)
	if k <= 0 {
		k = maxPlusOne(clusters)
	}
	if classes <= 0 {
		classes = maxPlusOne(labels)
	}
	t := make([][]int, k)
	for c := range t {
		t[c] = make([]int, classes)
	}
	for i, c := range clusters {
		if l := labels[i]; c >= 0 && c < k && l >= 0 && l < classes {
			t[c][l]++
		}
	}
	return t
}

// Purity returns two purities of the clustering with respect to the labels:
// mean is the average over the non-empty clusters of (count of the
// cluster's most frequent label) / (cluster size), each cluster weighing
// the same; weighted is Σ over clusters of that majority count, divided by
// the number of items (the usual "purity").
func Purity(clusters, labels []int) (mean, weighted float64) {
	t := newTable(clusters, labels)
	if t.n == 0 {
		return 0, 0
	}
	majority := make([]int, t.rows)
	for _, e := range t.nz {
		majority[e.r] = max(majority[e.r], e.n)
	}
	total := 0
	for r, m := range majority {
		total += m
		mean += float64(m) / float64(t.rowSums[r])
	}
	return mean / float64(t.rows), float64(total) / float64(t.n)
}

// NMI returns the normalized mutual information of two labelings with the
// arithmetic-mean normalisation, MI(a, b) / ((H(a) + H(b)) / 2), natural
// logarithms, as scikit-learn's normalized_mutual_info_score (default
// average_method="arithmetic"): 1 when both labelings put every item in one
// group, 0 when the mutual information is 0. It is symmetric. Unlike
// scikit-learn, which returns 1, it returns 0 for empty input.
func NMI(a, b []int) float64 {
	t := newTable(a, b)
	if t.n == 0 {
		return 0
	}
	if t.rows == 1 && t.cols == 1 {
		return 1
	}
	n := float64(t.n)
	mi := 0.0
	for _, e := range t.nz {
		p := float64(e.n) / n
		mi += p * math.Log(float64(e.n)*n/(float64(t.rowSums[e.r])*float64(t.colSums[e.c])))
	}
	if mi <= 0 || t.rows == 1 || t.cols == 1 {
		return 0
	}
	return mi / ((entropy(t.rowSums, n) + entropy(t.colSums, n)) / 2)
}

// entropy returns −Σ (c/n) ln(c/n) over the counts.
func entropy(counts []int, n float64) float64 {
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log(p)
		}
	}
	return h
}

// ARI returns the adjusted Rand index of two labelings, as scikit-learn's
// adjusted_rand_score: from the pair counts (tn, fp, fn, tp) of its
// pair_confusion_matrix, 2(tp·tn − fn·fp) / ((tp+fn)(fn+tn) + (tp+fp)(fp+tn)),
// and 1 when fn = fp = 0 (the labelings agree on every pair, including a
// single item). The counts and products are exact integers. It is
// symmetric, 1 for identical partitions and near 0 for independent ones.
// Unlike scikit-learn, which returns 1, it returns 0 for empty input.
func ARI(a, b []int) float64 {
	t := newTable(a, b)
	if t.n == 0 {
		return 0
	}
	var sumSq, rowDot, colDot int64
	for _, e := range t.nz {
		x := int64(e.n)
		sumSq += x * x
		rowDot += x * int64(t.rowSums[e.r])
		colDot += x * int64(t.colSums[e.c])
	}
	n := int64(t.n)
	tp := sumSq - n
	fp := colDot - sumSq
	fn := rowDot - sumSq
	tn := n*n - fp - fn - sumSq
	if fn == 0 && fp == 0 {
		return 1
	}
	B := func(x int64) *big.Int { return big.NewInt(x) }
	mul := func(x, y int64) *big.Int { return new(big.Int).Mul(B(x), B(y)) }
	num := new(big.Int).Sub(mul(tp, tn), mul(fn, fp))
	num.Lsh(num, 1)
	den := new(big.Int).Add(mul(tp+fn, fn+tn), mul(tp+fp, fp+tn))
	f, _ := new(big.Rat).SetFrac(num, den).Float64()
	return f
}

// ClusterAccuracy returns the best accuracy of the clustering when each
// cluster is mapped to a different label: the one-to-one matching of
// distinct clusters to distinct labels that maximises the number of items
// whose cluster is matched with their label (the Hungarian algorithm on the
// contingency table; O(a²·b) time and O(a·b) memory for a ≤ b the numbers
// of distinct clusters and labels), and that number divided by the number
// of items.
// With more clusters than labels the surplus clusters stay unmatched and
// their items count as wrong; with fewer, some labels are never predicted.
//
// mapping[c], for c in 0..max(clusters), is the label matched with cluster
// c, or Unmatched when c is unmatched or holds no item; negative cluster
// ids take part in the matching but have no entry. It is empty for empty
// input or when every cluster id is negative.
func ClusterAccuracy(clusters, labels []int) (acc float64, mapping []int) {
	t := newTable(clusters, labels)
	mapping = make([]int, max(maxPlusOne(clusters), 0))
	for i := range mapping {
		mapping[i] = Unmatched
	}
	if t.n == 0 {
		return 0, mapping
	}
	// Maximise the matched count: minimise −count, with the smaller side
	// of the table as the rows of the assignment problem.
	transpose := t.rows > t.cols
	nr, nc := t.rows, t.cols
	if transpose {
		nr, nc = nc, nr
	}
	cost := make([][]int64, nr)
	for r := range cost {
		cost[r] = make([]int64, nc)
	}
	for _, e := range t.nz {
		if transpose {
			cost[e.c][e.r] = -int64(e.n)
		} else {
			cost[e.r][e.c] = -int64(e.n)
		}
	}
	matched := 0
	for r, c := range hungarian(cost) {
		cl, lb := r, c // cluster and label index
		if transpose {
			cl, lb = c, r
		}
		matched -= int(cost[r][c])
		if id := t.rowIDs[cl]; id >= 0 {
			mapping[id] = t.colIDs[lb]
		}
	}
	return float64(matched) / float64(t.n), mapping
}

// hungarian solves the assignment problem for an n×m cost matrix with
// n ≤ m: it returns the distinct column of each row that minimises the
// total cost. It is the O(n²·m) shortest-augmenting-path form of the
// Hungarian (Kuhn–Munkres) algorithm with row and column potentials.
func hungarian(cost [][]int64) []int {
	n := len(cost)
	if n == 0 {
		return nil
	}
	m := len(cost[0])
	const inf = math.MaxInt64 / 4
	u, v := make([]int64, n+1), make([]int64, m+1)
	p, way := make([]int, m+1), make([]int, m+1) // p[j]: row (1-based) matched with column j
	minv := make([]int64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j], used[j] = inf, false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], int64(inf), 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if cur := cost[i0-1][j-1] - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	assign := make([]int, n)
	for j := 1; j <= m; j++ {
		if p[j] != 0 {
			assign[p[j]-1] = j - 1
		}
	}
	return assign
}

// table is the contingency table of two labelings over their distinct
// values (sorted), kept sparse: the non-zero entries in row-major order.
type table struct {
	n, rows, cols    int
	rowIDs, colIDs   []int // the distinct values of a and of b
	nz               []entry
	rowSums, colSums []int
}

// entry is a non-zero count n at row r, column c.
type entry struct{ r, c, n int }

func newTable(a, b []int) *table {
	checkLengths(a, b)
	ra, ids := dense(a)
	cb, cids := dense(b)
	t := &table{n: len(a), rows: len(ids), cols: len(cids), rowIDs: ids, colIDs: cids}
	t.rowSums, t.colSums = make([]int, t.rows), make([]int, t.cols)
	keys := make([]int, len(a))
	for i, r := range ra {
		c := cb[i]
		keys[i] = r*t.cols + c
		t.rowSums[r]++
		t.colSums[c]++
	}
	slices.Sort(keys)
	for i := 0; i < len(keys); {
		j := i
		for j < len(keys) && keys[j] == keys[i] {
			j++
		}
		t.nz = append(t.nz, entry{keys[i] / t.cols, keys[i] % t.cols, j - i})
		i = j
	}
	return t
}

// dense maps each value of a to the index of its value among the sorted
// distinct values, which it also returns.
func dense(a []int) (idx []int, values []int) {
	values = slices.Clone(a)
	slices.Sort(values)
	values = slices.Compact(values)
	idx = make([]int, len(a))
	for i, v := range a {
		idx[i], _ = slices.BinarySearch(values, v)
	}
	return idx, values
}

func checkLengths(a, b []int) {
	if len(a) != len(b) {
		panic(fmt.Sprintf("metrics: %d clusters for %d labels", len(a), len(b)))
	}
}

// maxPlusOne returns the largest value of a plus 1, or 0 for none (or only
// negative values).
func maxPlusOne(a []int) int {
	m := -1
	for _, v := range a {
		m = max(m, v)
	}
	return m + 1
}
