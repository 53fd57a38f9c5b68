package compare

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"
)

// Procrustes is a similarity transform x ↦ Scale·(x − From)·Rotation + To
// of d-dimensional points (rows): translation, an orthogonal d×d map (a
// rotation, possibly with a reflection) and a uniform scaling.
type Procrustes struct {
	Dim      int
	From     []float64  // the centre removed first (B's column means)
	Rotation *mat.Dense // d×d orthogonal
	Scale    float64
	To       []float64 // the centre added last (A's column means)
	// Disparity is scipy.spatial.procrustes's: the sum of squared
	// differences between A and the aligned B after both are centred and
	// scaled to unit Frobenius norm (A's centring and norm applied to the
	// aligned B), 1 − (Σσ)² where σ are the singular values of B̄ᵀĀ. 0 for
	// a perfect fit, at most 1.
	Disparity float64
}

// Align returns the similarity transform that maps the rows of B onto the
// rows of A (the same n items in two d-dimensional views, e.g. two 2-D
// maps) with the least sum of squared distances (orthogonal Procrustes
// analysis with scaling and translation): with Ā, B̄ the centred views and
// B̄ᵀĀ = UΣVᵀ, Rotation = U·Vᵀ and Scale = Σσ/‖B̄‖²_F; reflections are
// allowed, as in scipy.spatial.procrustes. It writes the aligned B into dst
// (n×d) if dst has data (a shape mismatch panics), else into a new matrix,
// and returns it. It returns an error if A and B have different shapes,
// fewer than 2 rows, NaN or infinite values, or either has all its rows
// equal.
func Align(A, B, dst blas32.General) (Procrustes, blas32.General, error) {
	n, d := A.Rows, A.Cols
	if B.Rows != n || B.Cols != d {
		return Procrustes{}, dst, fmt.Errorf("compare: cannot align a %d×%d view onto a %d×%d one", B.Rows, B.Cols, n, d)
	}
	if n < 2 || d < 1 {
		return Procrustes{}, dst, errors.New("compare: alignment needs at least 2 points")
	}
	ma, ca, err := centred(A, "A")
	if err != nil {
		return Procrustes{}, dst, err
	}
	mb, cb, err := centred(B, "B")
	if err != nil {
		return Procrustes{}, dst, err
	}
	na, nb := mat.Norm(ca, 2), mat.Norm(cb, 2)
	if na == 0 || nb == 0 {
		return Procrustes{}, dst, errors.New("compare: a view with all points equal cannot be aligned")
	}
	var m mat.Dense
	m.Mul(cb.T(), ca)
	var svd mat.SVD
	if !svd.Factorize(&m, mat.SVDFull) {
		return Procrustes{}, dst, errors.New("compare: the SVD of the alignment failed")
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	p := Procrustes{Dim: d, From: mb, To: ma, Rotation: mat.NewDense(d, d, nil)}
	p.Rotation.Mul(&u, v.T())
	sum := 0.0
	for _, s := range svd.Values(nil) {
		sum += s
	}
	p.Scale = sum / (nb * nb)
	r := sum / (na * nb)
	p.Disparity = max(0, 1-r*r)
	return p, p.Apply(B, dst), nil
}

// centred returns the column means of X and X minus them, in float64, or
// an error naming the first NaN or infinite value.
func centred(X blas32.General, name string) ([]float64, *mat.Dense, error) {
	n, d := X.Rows, X.Cols
	c := mat.NewDense(n, d, nil)
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range X.Data[i*X.Stride : i*X.Stride+d] {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, nil, fmt.Errorf("compare: %s row %d, column %d is %v", name, i, j, v)
			}
			c.Set(i, j, f)
			mean[j] += f
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		for j := range mean {
			c.Set(i, j, c.At(i, j)-mean[j])
		}
	}
	return mean, c, nil
}

// Apply writes the transform of every row of X (n×Dim) into dst (n×Dim)
// if dst has data, else into a new matrix, and returns it; X and dst may
// be the same matrix. It panics if the shapes do not agree.
func (p Procrustes) Apply(X, dst blas32.General) blas32.General {
	d := p.Dim
	if X.Cols != d {
		panic(fmt.Sprintf("compare: Apply to %d columns, the transform has %d", X.Cols, d))
	}
	if dst.Data == nil {
		dst = blas32.General{Rows: X.Rows, Cols: d, Stride: d, Data: make([]float32, X.Rows*d)}
	} else if dst.Rows != X.Rows || dst.Cols != d {
		panic(fmt.Sprintf("compare: Apply into %d×%d, want %d×%d", dst.Rows, dst.Cols, X.Rows, d))
	}
	x := make([]float64, d)
	for i := 0; i < X.Rows; i++ {
		for j, v := range X.Data[i*X.Stride : i*X.Stride+d] {
			x[j] = float64(v) - p.From[j]
		}
		out := dst.Data[i*dst.Stride : i*dst.Stride+d]
		for c := 0; c < d; c++ {
			s := 0.0
			for j, v := range x {
				s += v * p.Rotation.At(j, c)
			}
			out[c] = float32(p.Scale*s + p.To[c])
		}
	}
	return dst
}
