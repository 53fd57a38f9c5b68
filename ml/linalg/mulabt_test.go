package linalg

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

func TestMulABt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(r, c, stride int) blas32.General {
		g := blas32.General{Rows: r, Cols: c, Stride: stride, Data: make([]float32, (r-1)*stride+c)}
		for i := range g.Data {
			g.Data[i] = float32(rng.NormFloat64())
		}
		return g
	}
	for _, s := range [][3]int{{1, 1, 1}, {3, 5, 2}, {70, 130, 33}, {200, 65, 100}} {
		m, n, k := s[0], s[1], s[2]
		a, b := fill(m, k, k+3), fill(n, k, k)
		dst := fill(m, n, n+1) // stale values must be overwritten
		MulABt(dst, a, b)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				want, abs := 0.0, 0.0
				for p := 0; p < k; p++ {
					x := float64(a.Data[i*a.Stride+p]) * float64(b.Data[j*b.Stride+p])
					want += x
					abs += math.Abs(x)
				}
				if got := float64(dst.Data[i*dst.Stride+j]); math.Abs(got-want) > float64(k)*6e-8*abs+1e-30 {
					t.Fatalf("%v: (%d,%d) = %v, want %v", s, i, j, got, want)
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("shape mismatch did not panic")
		}
	}()
	MulABt(fill(2, 2, 2), fill(2, 3, 3), fill(2, 2, 2))
}
