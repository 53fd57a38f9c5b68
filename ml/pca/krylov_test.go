package pca

import (
	"context"
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"embedscope/ml/dataset"
)

// symOperator returns Y = C·Q for the symmetric matrix c, in float64.
func symOperator(c *mat.SymDense) func(q, y blas64.General) error {
	return func(q, y blas64.General) error {
		blas64.Symm(blas.Left, 1, c.RawSymmetric(), q, 0, y)
		return nil
	}
}

// TestBlockKrylovDiagonal: on diag(1, 1/2, …, 1/200), whose eigenpairs
// are known by hand (λᵢ = 1/i, vᵢ = eᵢ), block Krylov finds the five
// largest to 10⁻¹² and their axes to 1 − |cos| ≤ 10⁻¹².
func TestBlockKrylovDiagonal(t *testing.T) {
	const d, k = 200, 5
	c := mat.NewSymDense(d, nil)
	for i := range d {
		c.SetSym(i, i, 1/float64(i+1))
	}
	vals, vecs, err := blockKrylov(context.Background(), d, k, krylovBlocks(d, k), 7, iteration{tol: 1e-13, maxIter: 100, stall: 3}, symOperator(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	for j := range k {
		if want := 1 / float64(j+1); math.Abs(vals[j]-want) > 1e-12 {
			t.Errorf("eigenvalue %d: %.15g, want %.15g", j, vals[j], want)
		}
		if c := math.Abs(vecs.At(j, j)); 1-c > 1e-12 {
			t.Errorf("axis %d: |cos| with e%d = %.15g", j, j, c)
		}
	}
}

// TestBlockKrylovRestarts: with room for only two blocks (d = 100,
// k = 10) and a slowly decaying spectrum, the basis fills up several
// times; the restarted iteration still reaches fullEigen's answer.
func TestBlockKrylovRestarts(t *testing.T) {
	const d, k = 100, 10
	if got := krylovBlocks(d, k); got != 5 {
		t.Fatalf("krylovBlocks(%d, %d) = %d, want 5", d, k, got)
	}
	// C = U·diag(1/(1 + i/20))·Uᵀ with a random orthogonal U.
	u := blas64.General{Rows: d, Cols: d, Stride: d, Data: make([]float64, d*d)}
	for i := range u.Data {
		u.Data[i] = math.Sin(float64(i*i%97) + 0.3*float64(i))
	}
	orthonormalize(u)
	c := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			s := 0.0
			for l := range d {
				s += u.Data[i*d+l] * u.Data[j*d+l] / (1 + float64(l)/20)
			}
			c.SetSym(i, j, s)
		}
	}
	steps := 0
	counting := func(q, y blas64.General) error {
		steps++
		return symOperator(c)(q, y)
	}
	vals, vecs, err := blockKrylov(context.Background(), d, k, 2, 1, iteration{tol: 1e-11, maxIter: 200}, counting, nil)
	if err != nil {
		t.Fatal(err)
	}
	if steps <= 2 {
		t.Errorf("converged in %d steps: the restart was not exercised", steps)
	}
	want, wvecs, _, err := fullEigen(c, k, k)
	if err != nil {
		t.Fatal(err)
	}
	for j := range k {
		if math.Abs(vals[j]-want[j]) > 1e-10 {
			t.Errorf("eigenvalue %d: %.12g, full %.12g", j, vals[j], want[j])
		}
		if dot := mat.Dot(vecs.ColView(j), wvecs.ColView(j)); 1-math.Abs(dot) > 1e-10 {
			t.Errorf("axis %d: 1 − |cos| = %.3g", j, 1-math.Abs(dot))
		}
	}
}

// TestFitOnDataMatchesCovariance: between dataMinFeatures and
// maxCovFeatures features the Randomized solver iterates on the data; with
// Spectrum set it forms the covariance instead (and converges on it to
// 10⁻¹⁰, the axes of the Full solver to rounding). Both give the same
// model: explained variances within 10⁻⁶ relative, the same components
// with the same signs within 10⁻⁵, the same total variance within the
// float32 scatter's rounding (see TestScatter32); a spectrum only on the
// covariance path. Also with fewer rows (30) than the Krylov basis holds
// vectors, where the data's range is exhausted after two blocks.
func TestFitOnDataMatchesCovariance(t *testing.T) {
	for _, n := range []int{600, 30} {
		X := wideData(n, dataMinFeatures)
		const k = 8
		onData, err := PCA{Components: k, Solver: Randomized, Seed: 2}.Fit(context.Background(), X)
		if err != nil {
			t.Fatal(err)
		}
		cov, err := PCA{Components: k, Solver: Randomized, Spectrum: true}.Fit(context.Background(), X)
		if err != nil {
			t.Fatal(err)
		}
		if onData.Solver != Randomized || onData.Spectrum != nil || len(cov.Spectrum) != min(n, cov.Dim) {
			t.Errorf("n=%d: solver %v, spectrum on data %v, on the covariance %d values", n, onData.Solver, onData.Spectrum != nil, len(cov.Spectrum))
		}
		if math.Abs(onData.TotalVariance-cov.TotalVariance) > 1e-7*cov.TotalVariance {
			t.Errorf("n=%d: total variance %.12g, covariance path %.12g", n, onData.TotalVariance, cov.TotalVariance)
		}
		for j := range k {
			if rel := math.Abs(onData.ExplainedVariance[j]-cov.ExplainedVariance[j]) / cov.ExplainedVariance[j]; rel > 1e-6 {
				t.Errorf("n=%d: variance %d: %.12g, covariance path %.12g", n, j, onData.ExplainedVariance[j], cov.ExplainedVariance[j])
			}
			diff := 0.0
			for i := range onData.Dim {
				diff = math.Max(diff, math.Abs(onData.Components.At(j, i)-cov.Components.At(j, i)))
			}
			if diff > 1e-5 {
				t.Errorf("n=%d: component %d differs by %.3g", n, j, diff)
			}
		}
	}
}

// TestFitOnDataCancel: a cancelled context stops the iteration on the
// data with its error.
func TestFitOnDataCancel(t *testing.T) {
	X := wideData(200, dataMinFeatures)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (PCA{Components: 4, Solver: Randomized}).Fit(ctx, X); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled fit: %v, want context.Canceled", err)
	}
}

// TestSignsByScores32: on wide data the float32 screen decides every sign
// as the float64 scores do; on data symmetric about its mean (each row x
// has a twin 2μ − x, so the largest positive and negative scores tie) it
// declines, and flipByScores falls back on float64 scores, where the
// first row of largest |score| decides (sklearn's rule).
func TestSignsByScores32(t *testing.T) {
	X := wideData(500, dataMinFeatures)
	mean, err := columnMeans(X)
	if err != nil {
		t.Fatal(err)
	}
	const k = 6
	_, vecs, err := dataEigen(context.Background(), X, mean, k, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	comps := mat.DenseCopyOf(vecs.T())
	sign, err := signsByScores32(context.Background(), X, mean, comps)
	if err != nil || sign == nil {
		t.Fatalf("screen declined on wide data: %v", err)
	}
	exact := exactSigns(X, mean, comps)
	for c := range k {
		if sign[c] != exact[c] {
			t.Errorf("component %d: float32 sign %v, float64 %v", c, sign[c], exact[c])
		}
	}

	// Symmetric data: rows x and 2μ − x (μ is exactly 0.5 per feature).
	n, d := 40, dataMinFeatures
	S := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := range n / 2 {
		for j := range d {
			x := X.Data[i*d+j]
			S.Data[2*i*d+j], S.Data[(2*i+1)*d+j] = x, 1-x
		}
	}
	smean, err := columnMeans(S)
	if err != nil {
		t.Fatal(err)
	}
	if sign, err := signsByScores32(context.Background(), S, smean, comps); err != nil || sign != nil {
		t.Errorf("symmetric data: screen gave %v (%v), want nil", sign, err)
	}
	flipped := mat.DenseCopyOf(comps)
	if err := flipByScores(context.Background(), S, smean, flipped, nil); err != nil {
		t.Fatal(err)
	}
	want := exactSigns(S, smean, comps)
	for c := range k {
		if got := flipped.At(c, 0) / comps.At(c, 0); got != want[c] && want[c] != 0 {
			t.Errorf("symmetric data, component %d: sign %v, want %v", c, got, want[c])
		}
	}
}

// exactSigns returns, per component, the sign of the score of the first
// row of largest |score|, in float64 row by row.
func exactSigns(X blas32.General, mean []float64, comps *mat.Dense) []float64 {
	k, d := comps.Dims()
	out := make([]float64, k)
	for c := range k {
		best := -1.0
		for i := range X.Rows {
			s := 0.0
			for j := range d {
				s += (float64(X.Data[i*X.Stride+j]) - mean[j]) * comps.At(c, j)
			}
			if math.Abs(s) > best {
				best, out[c] = math.Abs(s), math.Copysign(1, s)
			}
		}
	}
	return out
}

// BenchmarkPCAFitCIFARSize fits PCA(32) on 50,000 synthetic colour images
// of 32×32×3 (dataset.WriteSyntheticCIFAR, the data of `embedscope
// make-cifar`), /255: the block Krylov path on the data (2.8–3.5 s on the
// 2-core development machine, against 4.4–4.6 s for the float32
// covariance path it replaced; `embedscope bench --data DIR` puts
// scikit-learn beside it).
func BenchmarkPCAFitCIFARSize(b *testing.B) { benchCIFARSize(b, PCA{Components: 32}) }

func benchCIFARSize(b *testing.B, p PCA) {
	dir := b.TempDir()
	if err := dataset.WriteSyntheticCIFAR(context.Background(), dir, 50000, 1, 1); err != nil {
		b.Fatal(err)
	}
	ds, err := dataset.LoadCIFARDir(context.Background(), dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	X := blas32.General{Rows: ds.Train.N, Cols: ds.Dim, Stride: ds.Dim, Data: make([]float32, ds.Train.N*ds.Dim)}
	for i, v := range ds.Train.Pixels {
		X.Data[i] = float32(v) / 255
	}
	b.ResetTimer()
	for range b.N {
		if _, err := p.Fit(context.Background(), X); err != nil {
			b.Fatal(err)
		}
	}
}
