package kmeans

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas32"
)

// centerNorms returns ‖c‖² of each centre, rounded to float32.
func (m *Model) centerNorms() []float32 {
	C := m.Centers
	out := make([]float32, C.Rows)
	for c := range out {
		out[c] = float32(sumSquares(C.Data[c*C.Stride : c*C.Stride+C.Cols]))
	}
	return out
}

func (m *Model) checkCols(X blas32.General, op string) {
	if X.Cols != m.Centers.Cols {
		panic(fmt.Sprintf("kmeans: %s of %d features with a model of %d", op, X.Cols, m.Centers.Cols))
	}
}

// Predict returns the index of the nearest centre of each row of X (ties to
// the lowest index), computed as Fit's assignment step is: the smallest
// ‖c‖² − 2x·c with a float32 product, so Predict on the training rows gives
// Labels. Predict panics if X does not have as many columns as the centres.
// A row holding NaN gets cluster 0.
func (m *Model) Predict(X blas32.General) []int {
	m.checkCols(X, "Predict")
	n, k := X.Rows, m.K()
	out := make([]int, n)
	if n == 0 {
		return out
	}
	w := &workspace{x: X, n: n, d: X.Cols, k: k, c32: m.Centers, cnorm: m.centerNorms(), labels: make([]int32, n), counts: make([]int, k)}
	w.layout()
	_, _, _ = w.assign(context.Background(), false) // never fails: the context is not cancelled
	for i, l := range w.labels {
		out[i] = int(l)
	}
	return out
}

// Transform returns the Euclidean distance of each row of X to each centre
// (n×K; sklearn's KMeans.transform). The squared distances come from
// ‖x‖² + ‖c‖² − 2x·c with a float32 product; entries where that form
// cancels badly (below 1 % of ‖x‖² + ‖c‖²) are recomputed from the
// differences in float64, so every squared distance has a relative error
// below about 50·d·2⁻²⁴ (0.25 % at d = 784; typically 10⁻⁶ or less). If
// dst.Data is nil a new matrix is allocated; otherwise dst must be n×K. The
// result is returned. Transform panics if X does not have as many columns
// as the centres or dst has the wrong shape.
func (m *Model) Transform(X blas32.General, dst blas32.General) blas32.General {
	m.checkCols(X, "Transform")
	n, k, d := X.Rows, m.K(), X.Cols
	if dst.Data == nil {
		dst = blas32.General{Rows: n, Cols: k, Stride: k, Data: make([]float32, n*k)}
	} else if dst.Rows != n || dst.Cols != k || dst.Stride < k || (n > 0 && len(dst.Data) < (n-1)*dst.Stride+k) {
		panic(fmt.Sprintf("kmeans: Transform destination is %d×%d, want %d×%d", dst.Rows, dst.Cols, n, k))
	}
	if n == 0 {
		return dst
	}
	C := m.Centers
	cnorm := m.centerNorms()
	b := min(blockRows(d), n)
	g := make([]float32, b*k)
	for lo := 0; lo < n; lo += b {
		hi := min(lo+b, n)
		gb := blas32.General{Rows: hi - lo, Cols: k, Stride: k, Data: g[:(hi-lo)*k]}
		blockProducts(gb, X, lo, C)
		parallelRows(hi-lo, max(16, 4096/k), func(a, b int) {
			for i := a; i < b; i++ {
				x := X.Data[(lo+i)*X.Stride : (lo+i)*X.Stride+d]
				xn := sumSquares(x)
				out := dst.Data[(lo+i)*dst.Stride : (lo+i)*dst.Stride+k]
				for c := range out {
					sum := xn + float64(cnorm[c])
					v := sum - 2*float64(gb.Data[i*k+c])
					if v < 0.01*sum {
						v = sqDist64(x, C.Data[c*C.Stride:c*C.Stride+d])
					}
					out[c] = float32(math.Sqrt(v))
				}
			}
		})
	}
	return dst
}
