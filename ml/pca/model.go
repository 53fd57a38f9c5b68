package pca

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// K returns the number of components.
func (m *Model) K() int { return len(m.ExplainedVariance) }

// Transform projects the rows of X onto the components: dst = (X − Mean)·Vᵀ,
// an n×k matrix, computed in float64 and rounded to float32. If dst.Data is
// nil a new matrix is allocated; otherwise dst must be n×k. The result is
// returned. Transform panics if X does not have Dim columns or dst has the
// wrong shape. NaN in X gives NaN in the matching rows of the result.
func (m *Model) Transform(X blas32.General, dst blas32.General) blas32.General {
	n, k, d := X.Rows, m.K(), m.Dim
	if X.Cols != d {
		panic(fmt.Sprintf("pca: Transform of %d features with a model of %d", X.Cols, d))
	}
	dst = prepare(dst, n, k, "Transform")
	if n == 0 {
		return dst
	}
	v := m.Components.RawMatrix()
	br := rowsPerBlock(d)
	z := make([]float64, min(br, n)*d)
	s := make([]float64, min(br, n)*k)
	for lo := 0; lo < n; lo += br {
		hi := min(lo+br, n)
		zb := centreBlock(z, X, m.Mean, lo, hi)
		sb := blas64.General{Rows: hi - lo, Cols: k, Stride: k, Data: s[:(hi-lo)*k]}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, zb, v, 0, sb)
		for i := lo; i < hi; i++ {
			out := dst.Data[i*dst.Stride : i*dst.Stride+k]
			for j := range out {
				out[j] = float32(sb.Data[(i-lo)*k+j])
			}
		}
	}
	return dst
}

// InverseTransform maps projections back to feature space:
// dst = Y·V + Mean, an n×d matrix, computed in float64 and rounded to
// float32. Y must have K columns. If dst.Data is nil a new matrix is
// allocated; otherwise dst must be n×d. The result is returned.
func (m *Model) InverseTransform(Y blas32.General, dst blas32.General) blas32.General {
	n, k, d := Y.Rows, m.K(), m.Dim
	if Y.Cols != k {
		panic(fmt.Sprintf("pca: InverseTransform of %d columns with a model of %d components", Y.Cols, k))
	}
	dst = prepare(dst, n, d, "InverseTransform")
	if n == 0 {
		return dst
	}
	v := m.Components.RawMatrix()
	br := rowsPerBlock(d)
	y := make([]float64, min(br, n)*k)
	x := make([]float64, min(br, n)*d)
	for lo := 0; lo < n; lo += br {
		hi := min(lo+br, n)
		for i := lo; i < hi; i++ {
			src := Y.Data[i*Y.Stride : i*Y.Stride+k]
			for j, f := range src {
				y[(i-lo)*k+j] = float64(f)
			}
		}
		yb := blas64.General{Rows: hi - lo, Cols: k, Stride: k, Data: y[:(hi-lo)*k]}
		xb := blas64.General{Rows: hi - lo, Cols: d, Stride: d, Data: x[:(hi-lo)*d]}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, yb, v, 0, xb)
		for i := lo; i < hi; i++ {
			out := dst.Data[i*dst.Stride : i*dst.Stride+d]
			for j := range out {
				out[j] = float32(xb.Data[(i-lo)*d+j] + m.Mean[j])
			}
		}
	}
	return dst
}

// prepare allocates an r×c matrix when dst.Data is nil and checks dst's
// shape otherwise.
func prepare(dst blas32.General, r, c int, op string) blas32.General {
	if dst.Data == nil {
		return blas32.General{Rows: r, Cols: c, Stride: c, Data: make([]float32, r*c)}
	}
	if dst.Rows != r || dst.Cols != c || dst.Stride < c || len(dst.Data) < (r-1)*dst.Stride+c {
		panic(fmt.Sprintf("pca: %s destination is %d×%d, want %d×%d", op, dst.Rows, dst.Cols, r, c))
	}
	return dst
}

// Cumulative returns the cumulative explained variance ratio: element i is
// the share of the total variance explained by the first i+1 components. It
// covers the whole Spectrum when the model has one, the K components
// otherwise. The sums are taken in float64 in order.
func (m *Model) Cumulative() []float64 {
	vals := m.Spectrum
	if vals == nil {
		vals = m.ExplainedVariance
	}
	out := make([]float64, len(vals))
	s := 0.0
	for i, v := range vals {
		s += v
		out[i] = s / m.TotalVariance
	}
	return out
}

// ComponentsFor returns the smallest number of components whose cumulative
// explained variance ratio exceeds fraction (strictly, as sklearn's
// PCA(n_components=fraction) chooses), capped at the length of Cumulative.
// It returns 0 when the model's known components explain no more than
// fraction and it has no full spectrum (solver Randomized): refit with Full.
func (m *Model) ComponentsFor(fraction float64) int {
	cum := m.Cumulative()
	for i, c := range cum {
		if c > fraction {
			return i + 1
		}
	}
	if m.Spectrum != nil {
		return len(cum)
	}
	return 0
}
