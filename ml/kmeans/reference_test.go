package kmeans

// Reference implementations in plain float64 (sklearn's loops) and the
// tests that compare against them.

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// blobData returns n rows in d dimensions around k well-separated centres
// (spread 20, unit spread within), so that no row is near a tie.
func blobData(n, d, k int, seed uint64) blas32.General {
	rng := rand.New(rand.NewPCG(seed, 11))
	centres := make([]float64, k*d)
	for i := range centres {
		centres[i] = 20 * rng.Float64()
	}
	X := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := 0; i < n; i++ {
		c := rng.IntN(k)
		for j := 0; j < d; j++ {
			X.Data[i*d+j] = float32(centres[c*d+j] + rng.NormFloat64())
		}
	}
	return X
}

// naiveLloyd is sklearn's _kmeans_single_lloyd in plain float64, from the
// given centres, for data where no cluster empties.
func naiveLloyd(X blas32.General, init blas32.General, maxIter int, tolAbs float64) (labels []int, centres []float64, iters int) {
	n, d, k := X.Rows, X.Cols, init.Rows
	centres = make([]float64, k*d)
	for i, v := range init.Data[:k*d] {
		centres[i] = float64(v)
	}
	labels = make([]int, n)
	assign := func() {
		for i := 0; i < n; i++ {
			best, bd := 0, math.Inf(1)
			for c := 0; c < k; c++ {
				s := 0.0
				for j, v := range row(X, i) {
					dv := float64(v) - centres[c*d+j]
					s += dv * dv
				}
				if s < bd {
					best, bd = c, s
				}
			}
			labels[i] = best
		}
	}
	old := make([]int, n)
	for i := range old {
		old[i] = -1
	}
	strict := false
	for iters = 1; iters <= maxIter; iters++ {
		assign()
		sums, counts := make([]float64, k*d), make([]int, k)
		for i, l := range labels {
			counts[l]++
			for j, v := range row(X, i) {
				sums[l*d+j] += float64(v)
			}
		}
		shift := 0.0
		for c := 0; c < k; c++ {
			for j := 0; j < d; j++ {
				v := sums[c*d+j] / float64(counts[c])
				shift += (v - centres[c*d+j]) * (v - centres[c*d+j])
				centres[c*d+j] = v
			}
		}
		if slices.Equal(labels, old) {
			strict = true
			break
		}
		if shift <= tolAbs {
			break
		}
		copy(old, labels)
	}
	if !strict {
		assign()
	}
	return labels, centres, min(iters, maxIter)
}

// naiveMeanVariance is the mean over columns of the population variance,
// two passes in float64.
func naiveMeanVariance(X blas32.General) float64 {
	n, d := X.Rows, X.Cols
	total := 0.0
	for j := 0; j < d; j++ {
		m := 0.0
		for i := 0; i < n; i++ {
			m += float64(X.Data[i*X.Stride+j])
		}
		m /= float64(n)
		s := 0.0
		for i := 0; i < n; i++ {
			dv := float64(X.Data[i*X.Stride+j]) - m
			s += dv * dv
		}
		total += s / float64(n)
	}
	return total / float64(d)
}

func TestScan(t *testing.T) {
	X := blobData(5000, 7, 3, 4)
	for i := range X.Data {
		X.Data[i] += 1000 // an offset the variance must not suffer from
	}
	norms, mv, err := scan(X, "X")
	if err != nil {
		t.Fatal(err)
	}
	if want := naiveMeanVariance(X); math.Abs(mv-want) > 1e-9*want {
		t.Errorf("mean variance %v, want %v", mv, want)
	}
	if want := float32(sumSquares(row(X, 17))); norms[17] != want {
		t.Errorf("norm² %v, want %v", norms[17], want)
	}
}

// Both assignment kernels (fused for K ≤ 32, blocked above) against the
// plain float64 loop, from the same centres: same labels, iterations and
// centres to float32 accuracy.
func TestAgainstNaiveLloyd(t *testing.T) {
	for _, c := range []struct{ n, d, k, blobs int }{
		{3000, 6, 7, 9},
		{1500, 37, 5, 5},   // d not a multiple of 32: the Go tail of dotProducts
		{4000, 5, 40, 45},  // blocked kernel
		{2500, 70, 36, 40}, // blocked kernel, wider
	} {
		X := blobData(c.n, c.d, c.blobs, uint64(c.k))
		init := blas32.General{Rows: c.k, Cols: c.d, Stride: c.d}
		for i := 0; i < c.k; i++ {
			init.Data = append(init.Data, row(X, 37*i)...)
		}
		m, err := KMeans{InitCenters: init}.Fit(context.Background(), X)
		if err != nil {
			t.Fatal(err)
		}
		checkModel(t, X, m)
		if m.Relocated != 0 {
			t.Fatalf("%+v: a cluster emptied; the naive loop cannot follow", c)
		}
		labels, centres, iters := naiveLloyd(X, init, DefaultMaxIter, DefaultTol*naiveMeanVariance(X))
		if !slices.Equal(m.Labels, labels) || m.Iterations != iters {
			t.Errorf("%+v: %d iterations, naive %d; labels equal: %v", c, m.Iterations, iters, slices.Equal(m.Labels, labels))
			continue
		}
		for i, v := range centres {
			if math.Abs(float64(m.Centers.Data[i])-v) > 1e-5*(1+math.Abs(v)) {
				t.Errorf("%+v: centre value %d = %v, naive %v", c, i, m.Centers.Data[i], v)
				break
			}
		}
		t.Logf("%+v: %d iterations, inertia %.6g", c, iters, m.Inertia)
	}
}

// naivePlusPlus is sklearn's _kmeans_plusplus in float64, drawing from rng
// as initPlusPlus does; it returns the chosen rows.
func naivePlusPlus(X blas32.General, k int, rng *rand.Rand) []int {
	n := X.Rows
	d2 := func(a, b int) float64 { return sqDist64(row(X, a), row(X, b)) }
	trials := 2 + int(math.Log(float64(k)))
	ids := []int{rng.IntN(n)}
	closest := make([]float64, n)
	pot := 0.0
	for i := range closest {
		closest[i] = d2(i, ids[0])
		pot += closest[i]
	}
	for len(ids) < k {
		cum := make([]float64, n)
		s := 0.0
		for i, v := range closest {
			s += v
			cum[i] = s
		}
		best, bestPot := -1, math.Inf(1)
		cands := make([]int, trials)
		for t := range cands {
			r := rng.Float64() * pot
			j, _ := slices.BinarySearch(cum, r)
			cands[t] = min(j, n-1)
		}
		for _, c := range cands {
			p := 0.0
			for i := range closest {
				p += min(closest[i], d2(i, c))
			}
			if p < bestPot {
				best, bestPot = c, p
			}
		}
		for i := range closest {
			closest[i] = min(closest[i], d2(i, best))
		}
		pot = bestPot
		ids = append(ids, best)
	}
	return ids
}

func TestPlusPlusAgainstNaive(t *testing.T) {
	X := randomData(700, 5, 9)
	xn, _, err := scan(X, "X")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{1, 2, 9, 40} {
		for seed := uint64(0); seed < 5; seed++ {
			w := newWorkspace(X, xn, k)
			if err := w.initPlusPlus(context.Background(), rand.New(rand.NewPCG(seed, 0))); err != nil {
				t.Fatal(err)
			}
			ids := naivePlusPlus(X, k, rand.New(rand.NewPCG(seed, 0)))
			for c, i := range ids {
				if !slices.Equal(row(w.c32, c), row(X, i)) {
					t.Fatalf("k %d seed %d: centre %d is not row %d (naive rows %v)", k, seed, c, i, ids)
				}
			}
		}
	}
}
