package glrm

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas32"
)

// lowRank returns U·V for n×r U and r×d V with N(0,1) entries.
func lowRank(n, d, r int, seed uint64) blas32.General {
	rng := rand.New(rand.NewPCG(seed, 7))
	u := make([]float64, n*r)
	v := make([]float64, r*d)
	for i := range u {
		u[i] = rng.NormFloat64()
	}
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	X := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			s := 0.0
			for p := 0; p < r; p++ {
				s += u[i*r+p] * v[p*d+j]
			}
			X.Data[i*d+j] = float32(s)
		}
	}
	return X
}

// sumSq returns Σ x² in float64.
func sumSq(X blas32.General) float64 {
	s := 0.0
	for i := 0; i < X.Rows; i++ {
		for _, v := range X.Data[i*X.Stride : i*X.Stride+X.Cols] {
			s += float64(v) * float64(v)
		}
	}
	return s
}

// residual returns Σ (x − y)² over the entries where keep(i, j) holds, and
// their number.
func residual(X, Y blas32.General, keep func(i, j int) bool) (float64, int) {
	s, c := 0.0, 0
	for i := 0; i < X.Rows; i++ {
		for j := 0; j < X.Cols; j++ {
			if keep(i, j) {
				e := float64(X.Data[i*X.Stride+j]) - float64(Y.Data[i*Y.Stride+j])
				s += e * e
				c++
			}
		}
	}
	return s, c
}
