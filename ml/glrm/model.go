package glrm

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Transform returns the representation of new rows (n×k): with Y fixed, each
// row x of X solves
//
//	minimise Σ_{j observed} (x_j − aᵀy_j)² + γ_A‖a‖²  (over a ≥ 0 if NonNegA),
//
// the same problem Fit solves for the rows of A, so transforming the
// training data gives back A (up to float32 rounding and, under NonNegA,
// the tolerance of the coordinate descent). mask (nil: all observed) marks
// missing entries, which are ignored. It returns an error if X does not have
// the model's number of features, the mask is not the size of X, an
// observed entry is NaN or infinite, a row has no observed entry, or ctx is
// cancelled.
func (m *Model) Transform(ctx context.Context, X blas32.General, mask *Mask) (blas32.General, error) {
	k, d := m.Y.Rows, m.Y.Cols
	if X.Rows == 0 && X.Cols == d {
		return blas32.General{Cols: k, Stride: k}, nil
	}
	if err := checkMatrix(X); err != nil {
		return blas32.General{}, err
	}
	if X.Cols != d {
		return blas32.General{}, fmt.Errorf("glrm: Transform of %d features with a model of %d", X.Cols, d)
	}
	rows, _, _, err := prepare(X, mask, false)
	if err != nil {
		return blas32.General{}, err
	}
	yt := make([]float64, d*k)
	for p := 0; p < k; p++ {
		for j, v := range m.Y.Data[p*m.Y.Stride : p*m.Y.Stride+d] {
			yt[j*k+p] = float64(v)
		}
	}
	a := make([]float64, X.Rows*k)
	s := newLineSolver(k, m.GammaA, m.NonNegA, rows)
	if _, err := solveA(ctx, X, s, yt, false, a, nil); err != nil {
		return blas32.General{}, err
	}
	return toFloat32(a, X.Rows, k), nil
}

// InverseTransform returns A·Y (n×d, float32 sgemm) for representations A
// (n×k), e.g. the output of Transform. It panics if A does not have K
// columns.
func (m *Model) InverseTransform(A blas32.General) blas32.General {
	k, d := m.Y.Rows, m.Y.Cols
	if A.Cols != k {
		panic(fmt.Sprintf("glrm: InverseTransform of %d columns with a model of rank %d", A.Cols, k))
	}
	out := blas32.General{Rows: A.Rows, Cols: d, Stride: d, Data: make([]float32, A.Rows*d)}
	if A.Rows > 0 {
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, A, m.Y, 0, out)
	}
	return out
}

// Reconstruct returns the low-rank approximation A·Y of the training data
// (n×d).
func (m *Model) Reconstruct() blas32.General { return m.InverseTransform(m.A) }

// Impute returns a copy of X, the n×d matrix the model was fitted to, with
// every entry that mask hides replaced by its reconstruction a_iᵀy_j
// (computed in float64). It panics if X or mask is not n×d.
func (m *Model) Impute(X blas32.General, mask *Mask) blas32.General {
	n, d := m.A.Rows, m.Y.Cols
	if X.Rows != n || X.Cols != d {
		panic(fmt.Sprintf("glrm: Impute of a %d×%d matrix with a model of %d×%d", X.Rows, X.Cols, n, d))
	}
	if mask != nil {
		if r, c := mask.Dims(); r != n || c != d {
			panic(fmt.Sprintf("glrm: Impute with a %d×%d mask for %d×%d data", r, c, n, d))
		}
	}
	out := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := 0; i < n; i++ {
		dst := out.Data[i*d : (i+1)*d]
		copy(dst, X.Data[i*X.Stride:i*X.Stride+d])
		if mask == nil {
			continue
		}
		for j := range dst {
			if !mask.hiddenAt(i*d + j) {
				continue
			}
			dst[j] = float32(m.entry(i, j))
		}
	}
	return out
}

// entry returns a_iᵀy_j in float64.
func (m *Model) entry(i, j int) float64 {
	s := 0.0
	for p, v := range m.A.Data[i*m.A.Stride : i*m.A.Stride+m.A.Cols] {
		s += float64(v) * float64(m.Y.Data[p*m.Y.Stride+j])
	}
	return s
}
