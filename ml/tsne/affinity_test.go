package tsne

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// hashData returns an n×d matrix of values v/1024, v = ((h·a) XOR (h²·c+17))
// mod 10007 with h = i·d + j: exact in float32 and reproducible in numpy
// (see the sklearn snippets in the tests that use it).
func hashData(n, d int, a, c int64) blas32.General {
	X := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for h := range int64(n * d) {
		X.Data[h] = float32(((h*a)^(h*h*c+17))%10007) / 1024
	}
	return X
}

// randomData returns an n×d matrix of standard normal values.
func randomData(n, d int, seed uint64) blas32.General {
	rng := rand.New(rand.NewPCG(seed, 1))
	X := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := range X.Data {
		X.Data[i] = float32(rng.NormFloat64())
	}
	return X
}

func TestConditionalPerplexity(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, perp := range []float64{2, 5, 30} {
		for _, scale := range []float64{1e-6, 1, 1e4} {
			k := int(3*perp + 1)
			d2 := make([]float64, k)
			for j := range d2 {
				d2[j] = scale * (1 + 10*rng.Float64())
			}
			p := make([]float64, k)
			beta, h := conditional(d2, p, perp)
			if math.Abs(h-math.Log(perp)) > entropyTol {
				t.Errorf("perplexity %v, scale %g: entropy %v, want log(perp) = %v", perp, scale, h, math.Log(perp))
			}
			// Recompute the entropy and the normalisation from p itself.
			sum, ent := 0.0, 0.0
			for j, v := range p {
				sum += v
				if v > 0 {
					ent -= v * math.Log(v)
				}
				if want := math.Exp(-beta*d2[j]) / math.Exp(-beta*d2[0]) * p[0]; math.Abs(v-want) > 1e-12 {
					t.Errorf("p[%d] = %v, want %v from β = %v", j, v, want, beta)
				}
			}
			if math.Abs(sum-1) > 1e-12 || math.Abs(ent-math.Log(perp)) > 2*entropyTol {
				t.Errorf("perplexity %v, scale %g: Σp = %v, entropy of p %v", perp, scale, sum, ent)
			}
		}
	}
}

func TestConditionalEqualDistances(t *testing.T) {
	// With all distances equal p is uniform whatever β: the search must
	// still stop, with entropy log(k) (above the target).
	d2 := []float64{4, 4, 4, 4, 4, 4, 4}
	p := make([]float64, len(d2))
	_, h := conditional(d2, p, 2)
	for _, v := range p {
		if math.Abs(v-1.0/7) > 1e-15 {
			t.Fatalf("p = %v, want uniform", p)
		}
	}
	if math.Abs(h-math.Log(7)) > 1e-12 {
		t.Errorf("entropy %v, want log 7", h)
	}
}

func TestSymmetrizeHand(t *testing.T) {
	// n = 3, k = 2: C = [[0 .6 .4] [.5 0 .5] [.9 .1 0]]; C + Cᵀ has
	// off-diagonal entries 1.1, 1.3, 0.6 (twice each), sum 6.
	idx := []int{1, 2, 0, 2, 0, 1}
	cond := []float64{.6, .4, .5, .5, .9, .1}
	P := symmetrize(3, 2, idx, cond)
	want := [3][3]float64{{0, 1.1 / 6, 1.3 / 6}, {1.1 / 6, 0, 0.6 / 6}, {1.3 / 6, 0.6 / 6, 0}}
	for i := 0; i < 3; i++ {
		cols, vals := P.Row(i)
		if len(cols) != 2 {
			t.Fatalf("row %d has columns %v", i, cols)
		}
		for t2, j := range cols {
			if math.Abs(vals[t2]-want[i][j]) > 1e-15 {
				t.Errorf("P[%d][%d] = %v, want %v", i, j, vals[t2], want[i][j])
			}
		}
	}
}

// checkP checks that P is symmetric, has no diagonal entries, sorted
// columns and positive values summing to 1.
func checkP(t *testing.T, P *sparseP) {
	t.Helper()
	dense := make(map[[2]int32]float64)
	sum := 0.0
	for i := 0; i < P.N; i++ {
		cols, vals := P.Row(i)
		for k, j := range cols {
			if int(j) == i || vals[k] <= 0 || (k > 0 && cols[k-1] >= j) {
				t.Fatalf("row %d: columns %v, values %v", i, cols, vals)
			}
			dense[[2]int32{int32(i), j}] = vals[k]
			sum += vals[k]
		}
	}
	for ij, v := range dense {
		if w := dense[[2]int32{ij[1], ij[0]}]; w != v {
			t.Fatalf("P[%d][%d] = %v but P[%d][%d] = %v", ij[0], ij[1], v, ij[1], ij[0], w)
		}
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("ΣP = %v", sum)
	}
}

func TestAffinitiesRandom(t *testing.T) {
	X := randomData(300, 8, 1)
	P, err := affinities(context.Background(), X, 31, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkP(t, P)
}

// skP holds rows of sklearn's P for hashData(40, 3, 7919, 31), perplexity
// 4 (13 neighbours), from sklearn 1.2.1:
//
//	h = np.arange(40 * 3).reshape(40, 3)
//	X = (((h * 7919) ^ (h * h * 31 + 17)) % 10007) / 1024.0
//	D = NearestNeighbors(n_neighbors=13).fit(X).kneighbors_graph(mode="distance")
//	D.data **= 2
//	P = sklearn.manifold._t_sne._joint_probabilities_nn(D, 4.0, 0).toarray()
//	for r in (0, 17): nz = np.nonzero(P[r])[0]; print(r, list(nz), P[r, nz])
var skP = map[int]struct {
	cols []int32
	vals []float64
}{
	0: {[]int32{4, 6, 8, 12, 13, 15, 22, 23, 30, 32, 33, 34, 35},
		[]float64{0.00178312617, 1.52254533e-06, 0.00037505322, 0.00169747607, 3.04907938e-09, 0.00659230313, 0.0125572297, 1.11959012e-05, 7.47305626e-09, 7.27791646e-06, 1.46950112e-05, 0.00420124831, 5.40156757e-05}},
	17: {[]int32{5, 6, 8, 9, 19, 20, 21, 24, 29, 31, 32, 33, 37},
		[]float64{3.57362159e-06, 0.000474997366, 5.64693906e-06, 0.00134244773, 2.15530077e-05, 2.31324366e-05, 0.00941278138, 0.000215639891, 0.00755230613, 4.23549951e-06, 0.000138079461, 7.89085929e-06, 0.00189709005}},
}

func TestAffinitiesSklearn(t *testing.T) {
	X := hashData(40, 3, 7919, 31)
	P, err := affinities(context.Background(), X, 13, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkP(t, P)
	// sklearn stops its search at an entropy within 1e-5 of the target and
	// rounds distances to float32, which could move the smallest entries
	// (exp(−20) of the largest) by 1e-4 relative; they agree to 1e-6.
	for r, want := range skP {
		cols, vals := P.Row(r)
		if len(cols) != len(want.cols) {
			t.Fatalf("row %d: columns %v, sklearn %v", r, cols, want.cols)
		}
		for k, j := range cols {
			if j != want.cols[k] || math.Abs(vals[k]-want.vals[k]) > 1e-5*want.vals[k] {
				t.Errorf("P[%d][%d] = %.9g, sklearn P[%d][%d] = %.9g", r, j, vals[k], r, want.cols[k], want.vals[k])
			}
		}
	}
}
