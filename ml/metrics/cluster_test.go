package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// Three clusters of 3, 3 and 2 items against three classes:
//
//	cluster 0: labels 0, 0, 1     majority 2 of 3
//	cluster 1: labels 1, 1, 2     majority 2 of 3
//	cluster 2: labels 2, 2        majority 2 of 2
//
// Purity: mean (2/3 + 2/3 + 1)/3 = 7/9, weighted 6/8. Matching cluster c to
// label c gets 6 of 8 right. ARI: Σ C(nᵢⱼ,2) = 3, Σ C(aᵢ,2) = Σ C(bⱼ,2) = 7,
// C(8,2) = 28, expected 7·7/28 = 1.75, so (3 − 1.75)/(7 − 1.75) = 5/21.
// NMI from scikit-learn 1.2.1 (below).
func TestClusterByHand(t *testing.T) {
	clusters := []int{0, 0, 0, 1, 1, 1, 2, 2}
	labels := []int{0, 0, 1, 1, 1, 2, 2, 2}
	if got := Contingency(clusters, labels, 0, 0); !slices.EqualFunc(got, [][]int{{2, 1, 0}, {0, 2, 1}, {0, 0, 2}}, slices.Equal) {
		t.Errorf("Contingency %v", got)
	}
	if m, w := Purity(clusters, labels); !near(m, 7.0/9) || !near(w, 0.75) {
		t.Errorf("Purity %v, %v; want 7/9, 3/4", m, w)
	}
	if acc, mapping := ClusterAccuracy(clusters, labels); acc != 0.75 || !slices.Equal(mapping, []int{0, 1, 2}) {
		t.Errorf("ClusterAccuracy %v %v", acc, mapping)
	}
	if got := ARI(clusters, labels); !near(got, 5.0/21) {
		t.Errorf("ARI %v, want 5/21", got)
	}
	if got := NMI(clusters, labels); !near(got, 0.5588730382170326) {
		t.Errorf("NMI %v", got)
	}
	// Symmetry.
	if ARI(labels, clusters) != ARI(clusters, labels) || !near(NMI(labels, clusters), NMI(clusters, labels)) {
		t.Error("ARI or NMI not symmetric")
	}
}

func TestContingencyRanges(t *testing.T) {
	got := Contingency([]int{0, 1, 5, -1, 1}, []int{0, 2, 0, 0, 9}, 2, 3)
	if !slices.EqualFunc(got, [][]int{{1, 0, 0}, {0, 0, 1}}, slices.Equal) {
		t.Errorf("out-of-range items must be left out: %v", got)
	}
	if got := Contingency(nil, nil, 0, 0); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
	if got := Contingency(nil, nil, 2, 1); len(got) != 2 || len(got[1]) != 1 || got[1][0] != 0 {
		t.Errorf("empty 2×1: %v", got)
	}
}

// Four clusters against two classes (5 and 7, not 0-based): two clusters
// can be matched, so half the items are right, and two stay unmatched.
// Fewer clusters than classes: the single cluster takes its majority label.
func TestClusterAccuracyUnequalCounts(t *testing.T) {
	acc, mapping := ClusterAccuracy([]int{0, 0, 1, 1, 2, 2, 3, 3}, []int{5, 5, 5, 5, 7, 7, 7, 7})
	matched := 0
	for c, l := range mapping {
		if l != Unmatched {
			matched++
			if want := []int{5, 5, 7, 7}[c]; l != want {
				t.Errorf("cluster %d matched with %d", c, l)
			}
		}
	}
	if acc != 0.5 || matched != 2 || len(mapping) != 4 {
		t.Errorf("acc %v, mapping %v", acc, mapping)
	}
	acc, mapping = ClusterAccuracy([]int{0, 0, 0, 0}, []int{0, 1, 2, 2})
	if acc != 0.5 || !slices.Equal(mapping, []int{2}) {
		t.Errorf("one cluster: acc %v, mapping %v", acc, mapping)
	}
	// Cluster ids with a gap and a negative id: 3 has no items; −1 matches.
	acc, mapping = ClusterAccuracy([]int{-1, -1, 0, 4}, []int{1, 1, 2, 3})
	if acc != 1 || !slices.Equal(mapping, []int{2, Unmatched, Unmatched, Unmatched, 3}) {
		t.Errorf("gaps: acc %v, mapping %v", acc, mapping)
	}
}

func TestClusterEdgeCases(t *testing.T) {
	// Empty input: 0 everywhere, no panic.
	if m, w := Purity(nil, nil); m != 0 || w != 0 {
		t.Error("Purity of nothing")
	}
	if NMI(nil, nil) != 0 || ARI([]int{}, []int{}) != 0 {
		t.Error("NMI/ARI of nothing")
	}
	if acc, mapping := ClusterAccuracy(nil, nil); acc != 0 || len(mapping) != 0 {
		t.Error("ClusterAccuracy of nothing")
	}
	// One item, or one group on both sides: perfect agreement (sklearn).
	if NMI([]int{3}, []int{8}) != 1 || ARI([]int{3}, []int{8}) != 1 || NMI([]int{2, 2, 2}, []int{0, 0, 0}) != 1 {
		t.Error("single group")
	}
	// Identical partitions under renaming.
	a, b := []int{1, 1, 2, 2, 9}, []int{20, 20, 10, 10, -4}
	if !near(NMI(a, b), 1) || ARI(a, b) != 1 {
		t.Errorf("renamed partition: NMI %v, ARI %v", NMI(a, b), ARI(a, b))
	}
	if acc, mapping := ClusterAccuracy(a, b); acc != 1 || mapping[1] != 20 || mapping[2] != 10 || mapping[9] != -4 {
		t.Errorf("renamed partition: acc %v, mapping %v", acc, mapping)
	}
	// All items in distinct clusters against a single class (sklearn: 0, 0).
	distinct, single := []int{0, 1, 2, 3, 4}, []int{0, 0, 0, 0, 0}
	if NMI(distinct, single) != 0 || ARI(distinct, single) != 0 {
		t.Errorf("distinct vs single: NMI %v, ARI %v", NMI(distinct, single), ARI(distinct, single))
	}
	if m, w := Purity(distinct, single); m != 1 || w != 1 {
		t.Errorf("distinct clusters are pure: %v %v", m, w)
	}
	if m, w := Purity(single, distinct); m != 0.2 || w != 0.2 {
		t.Errorf("one cluster of 5 classes: %v %v", m, w)
	}
	if acc, _ := ClusterAccuracy(distinct, single); acc != 0.2 {
		t.Errorf("distinct vs single accuracy %v", acc)
	}
	defer func() {
		if recover() == nil {
			t.Error("length mismatch did not panic")
		}
	}()
	NMI([]int{1}, []int{1, 2})
}

// Values from scikit-learn 1.2.1 (scipy for the matching), for labelings
// given by formulas both sides can compute:
//
//	from sklearn.metrics import normalized_mutual_info_score as nmi, adjusted_rand_score as ari
//	from sklearn.metrics.cluster import contingency_matrix
//	from scipy.optimize import linear_sum_assignment
//	def case(a, b):      # a: clusters, b: labels
//	    a, b = np.array(a), np.array(b)
//	    C = contingency_matrix(b, a)
//	    r, c = linear_sum_assignment(C, maximize=True)
//	    maj, size = C.max(axis=0), C.sum(axis=0)
//	    print(nmi(b, a), ari(b, a), C[r, c].sum() / len(a), (maj / size).mean(), maj.sum() / len(a))
//	case([(i*i*7+3) % 4 for i in range(40)], [(i*5 + i//3) % 6 for i in range(40)])
//	...
func TestClusterAgainstSklearn(t *testing.T) {
	gen := func(n int, f func(i int) int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	for _, c := range []struct {
		clusters, labels         []int
		nmi, ari, acc, mean, wtd float64
	}{
		{gen(40, func(i int) int { return (i*i*7 + 3) % 4 }), gen(40, func(i int) int { return (i*5 + i/3) % 6 }),
			0.00323343325938504, -0.040799946491873455, 0.25, 0.25, 0.25},
		{gen(100, func(i int) int { return (i*i + 3*i) % 10 }), gen(100, func(i int) int { return i%7 + 10 }),
			0.0024806538722155136, -0.02684187290622484, 0.15, 0.15, 0.15},
		{gen(57, func(i int) int { return (i*13)%11 - 5 }), gen(57, func(i int) int { return (i * i * i) % 3 }),
			0.01974547098675198, -0.052428681572860444, 0.10526315789473684, 0.3878787878787879, 0.38596491228070173},
		{gen(300, func(i int) int { return (i*i*31 + i*17) % 13 }), gen(300, func(i int) int {
			if i%4 != 0 {
				return ((i*i*31 + i*17) % 13) % 5
			}
			return (i * 7) % 5
		}), 0.4250660395515583, 0.368968895794627, 0.5133333333333333, 0.8110876172855822, 0.81},
	} {
		if got := NMI(c.clusters, c.labels); !near(got, c.nmi) {
			t.Errorf("n=%d: NMI %v, sklearn %v", len(c.labels), got, c.nmi)
		}
		if got := ARI(c.clusters, c.labels); !near(got, c.ari) {
			t.Errorf("n=%d: ARI %v, sklearn %v", len(c.labels), got, c.ari)
		}
		if got, _ := ClusterAccuracy(c.clusters, c.labels); !near(got, c.acc) {
			t.Errorf("n=%d: accuracy %v, scipy %v", len(c.labels), got, c.acc)
		}
		if m, w := Purity(c.clusters, c.labels); !near(m, c.mean) || !near(w, c.wtd) {
			t.Errorf("n=%d: purity %v %v, want %v %v", len(c.labels), m, w, c.mean, c.wtd)
		}
	}
}

// The Hungarian algorithm against all injective assignments on random
// n×m matrices, n ≤ m.
func TestHungarianBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// injections returns every sequence of n distinct columns of 0..m−1.
	var injections func(n, m int) [][]int
	injections = func(n, m int) [][]int {
		if n == 0 {
			return [][]int{{}}
		}
		var out [][]int
		for _, p := range injections(n-1, m) {
			for j := 0; j < m; j++ {
				if !slices.Contains(p, j) {
					out = append(out, append(slices.Clone(p), j))
				}
			}
		}
		return out
	}
	for n := 1; n <= 5; n++ {
		for m := n; m <= n+2; m++ {
			all := injections(n, m)
			for trial := 0; trial < 30; trial++ {
				cost := make([][]int64, n)
				for i := range cost {
					cost[i] = make([]int64, m)
					for j := range cost[i] {
						cost[i][j] = int64(rng.IntN(10)) - 5
					}
				}
				best := int64(math.MaxInt64)
				for _, p := range all {
					s := int64(0)
					for i, j := range p {
						s += cost[i][j]
					}
					best = min(best, s)
				}
				a := hungarian(cost)
				s := int64(0)
				for i, j := range a {
					s += cost[i][j]
				}
				if s != best || len(a) != n || len(slices.Compact(slices.Sorted(slices.Values(a)))) != n {
					t.Fatalf("%d×%d: assignment %v costs %d, optimum %d", n, m, a, s, best)
				}
			}
		}
	}
}
