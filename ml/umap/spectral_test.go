package umap

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// TestLanczosMatchesDense compares the Lanczos eigenvectors of the fuzzy
// graph of 300 real points with those of the dense eigensolver: the same
// vectors up to sign, and orthogonal to the trivial one.
func TestLanczosMatchesDense(t *testing.T) {
	X, _ := readX300(t)
	g, err := New().Graph(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	if _, nc := components(g); nc != 1 {
		t.Fatalf("%d components", nc)
	}
	n := g.N
	dinv, u0 := make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		s := 0.0
		for _, w := range g.W[g.Start[i]:g.Start[i+1]] {
			s += float64(w)
		}
		dinv[i], u0[i] = 1/math.Sqrt(s), math.Sqrt(s)
	}
	scale(u0, 1/norm2(u0))
	mul := func(dst, x []float64, lo, hi int) {
		for i := lo; i < hi; i++ {
			s := 0.0
			for p := g.Start[i]; p < g.Start[i+1]; p++ {
				s += float64(g.W[p]) * dinv[g.Col[p]] * x[g.Col[p]]
			}
			dst[i] = dinv[i] * s
		}
	}
	dense, _, _ := denseSpectral(n, mul, u0)
	lz, conv, err := lanczos(context.Background(), n, mul, u0, rand.New(rand.NewPCG(1, 2)))
	if err != nil || !conv {
		t.Fatalf("Lanczos: converged %v, %v", conv, err)
	}
	for c := 0; c < 2; c++ {
		var dd, ll, dl, lu float64
		for i := 0; i < n; i++ {
			d, l := dense[2*i+c], lz[2*i+c]
			dd += d * d
			ll += l * l
			dl += d * l
			lu += l * u0[i]
		}
		if cos := math.Abs(dl) / math.Sqrt(dd*ll); cos < 0.9999 {
			t.Errorf("vector %d: |cos| with the dense one %.6f", c, cos)
		}
		if math.Abs(lu)/math.Sqrt(ll) > 1e-8 {
			t.Errorf("vector %d is not orthogonal to the trivial one (%.2g)", c, lu)
		}
	}
}
