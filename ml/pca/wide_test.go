package pca

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"
)

// wideData returns n rows of d features in [0, 1] like scaled pixels: a
// mean image plus 12 patterns of decreasing weight plus noise.
func wideData(n, d int) blas32.General {
	rng := rand.New(rand.NewPCG(11, 12))
	const r = 12
	pat := make([]float64, r*d)
	for i := range pat {
		pat[i] = rng.Float64() - 0.5
	}
	X := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := range n {
		w := make([]float64, r)
		for k := range w {
			w[k] = rng.NormFloat64() * math.Pow(0.75, float64(k))
		}
		for j := range d {
			v := 0.5 + 0.02*rng.NormFloat64()
			for k := range r {
				v += 0.1 * w[k] * pat[k*d+j]
			}
			X.Data[i*d+j] = float32(min(1, max(0, v)))
		}
	}
	return X
}

// TestScatter32 checks the float32 scatter used from scatter32MinFeatures
// features on against the float64 one: entries within 2·10⁻⁶ of the
// largest, the rounding bound scatter32 documents (√rowsPerBlock·2⁻²⁴;
// measured 2.4·10⁻⁷ with OpenBLAS's Ssyrk, 1.2·10⁻⁶ with the pure-Go
// build's Sgemm, which sums in float32 in another order), and the leading
// ten axes (eigenvalues about 0.75² apart) within 1 − |cos| ≤ 10⁻¹⁰ of each
// other (≤ 2·10⁻¹³ measured).
func TestScatter32(t *testing.T) {
	n, d := 3000, scatter32MinFeatures+5
	X := wideData(n, d)
	mean, err := columnMeans(X)
	if err != nil {
		t.Fatal(err)
	}
	c32, err := scatter32(context.Background(), X, mean, nil)
	if err != nil {
		t.Fatal(err)
	}
	c64, err := scatter64(context.Background(), X, mean, nil)
	if err != nil {
		t.Fatal(err)
	}
	var top, diff float64
	for i := range d {
		for j := i; j < d; j++ {
			top = max(top, math.Abs(c64.At(i, j)))
			diff = max(diff, math.Abs(c32.At(i, j)-c64.At(i, j)))
		}
	}
	if !(diff <= 2e-6*top) {
		t.Errorf("float32 scatter differs by %.3g, %.3g of the largest entry", diff, diff/top)
	}
	const k = 10
	_, v32, err := subspaceEigen(context.Background(), c32, k, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, v64, err := subspaceEigen(context.Background(), c64, k, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for c := range k {
		dot := mat.Dot(v32.ColView(c), v64.ColView(c))
		if 1-math.Abs(dot) > 1e-10 {
			t.Errorf("axis %d: |cos| = %.9f", c, math.Abs(dot))
		}
	}
	// Fit takes the float32 scatter for this width when it needs the
	// covariance: for the spectrum.
	m, err := PCA{Components: 3, Spectrum: true}.Fit(context.Background(), X)
	if err != nil || m.Dim != d || len(m.Spectrum) != min(n, d) {
		t.Fatalf("fit: %v", err)
	}
}

// TestWideEigen checks the iteration on the data itself (dataEigen), used
// above maxCovFeatures features, against the covariance path on the same data
// (just above the limit): eigenvalues within 10⁻⁶ relative (≤ 7·10⁻⁹
// measured) and the ten leading axes within 1 − |cos| ≤ 10⁻¹⁰ (≤ 10⁻¹³
// measured); and Fit on such data: the wide path,
// no spectrum, the explained variance of the same axes.
func TestWideEigen(t *testing.T) {
	n, d := 1200, maxCovFeatures+8
	X := wideData(n, d)
	mean, err := columnMeans(X)
	if err != nil {
		t.Fatal(err)
	}
	const k = 10
	wv, wvec, err := dataEigen(context.Background(), X, mean, k, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := PCA{Components: k, Seed: 3}.fitCovOnly(context.Background(), X, mean)
	if err != nil {
		t.Fatal(err)
	}
	for c := range k {
		if rel := math.Abs(wv[c]-m.vals[c]) / m.vals[c]; rel > 1e-6 {
			t.Errorf("eigenvalue %d: %.9g, covariance path %.9g", c, wv[c], m.vals[c])
		}
		if dot := mat.Dot(wvec.ColView(c), m.vecs.ColView(c)); 1-math.Abs(dot) > 1e-10 {
			t.Errorf("axis %d: 1 − |cos| = %.3g", c, 1-math.Abs(dot))
		}
	}
	fit, err := PCA{Components: k, Seed: 3, Spectrum: true}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	if fit.Spectrum != nil || fit.Solver != Randomized || math.Abs(fit.ExplainedVariance[0]-m.vals[0]) > 1e-6*m.vals[0] {
		t.Errorf("wide fit: spectrum %v, solver %v, first variance %v", fit.Spectrum != nil, fit.Solver, fit.ExplainedVariance[0])
	}
	if _, err := (PCA{Components: 2, Solver: Full}).Fit(context.Background(), X); err == nil {
		t.Error("the full solver on 4,104 features: no error")
	}
}

// covResult is the covariance path's answer in TestWideEigen.
type covResult struct {
	vals []float64
	vecs *mat.Dense
}

// fitCovOnly runs the covariance path with the Randomized solver.
func (p PCA) fitCovOnly(ctx context.Context, X blas32.General, mean []float64) (covResult, error) {
	_, vals, vecs, err := p.fitCov(ctx, X, mean, Randomized)
	return covResult{vals, vecs}, err
}

// TestTotalVarianceByHand: the trace of the covariance (n−1 denominator) of a
// 3×4 matrix stored with stride 5, against NumPy:
//
//	X = np.array([[1,2,0,9],[3,0,4,1],[5,7,2,2]], float)
//	X.var(axis=0, ddof=1).sum()  # 40.0 (column variances 4, 13, 4, 19)
func TestTotalVarianceByHand(t *testing.T) {
	X := blas32.General{Rows: 3, Cols: 4, Stride: 5, Data: []float32{
		1, 2, 0, 9, 100,
		3, 0, 4, 1, 100,
		5, 7, 2, 2, 100,
	}}
	if got := totalVariance(X, []float64{3, 3, 2, 4}); !(math.Abs(got-40) <= 1e-12) {
		t.Errorf("total variance %v, want 40 (NumPy)", got)
	}
}
