package pca

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"
)

func general(rows [][]float64) blas32.General {
	d := len(rows[0])
	g := blas32.General{Rows: len(rows), Cols: d, Stride: d, Data: make([]float32, len(rows)*d)}
	for i, r := range rows {
		for j, v := range r {
			g.Data[i*d+j] = float32(v)
		}
	}
	return g
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// plane returns 7 points a·u + b·w with u = (0.6, 0.8), w = (−0.8, 0.6), so
// the principal axes are u and w by construction, with variances
// 13.5/6 = 2.25 and 0.375/6 = 0.0625 (n−1 = 6), and a mean of zero.
func plane() blas32.General {
	ab := [][2]float64{{2.5, 0}, {-2, 0}, {1, 0}, {-1.5, 0}, {0, 0.5}, {0, -0.25}, {0, -0.25}}
	rows := make([][]float64, len(ab))
	for i, p := range ab {
		rows[i] = []float64{p[0]*0.6 - p[1]*0.8, p[0]*0.8 + p[1]*0.6}
	}
	return general(rows)
}

func TestPlaneByHand(t *testing.T) {
	X := plane()
	for _, s := range []Solver{Auto, Full, Randomized} {
		for _, flip := range []Flip{FlipScores, FlipLoadings} {
			m, err := PCA{Components: 2, Solver: s, Flip: flip}.Fit(context.Background(), X)
			if err != nil {
				t.Fatalf("%v: %v", s, err)
			}
			// Axis 1: row 0 has the largest |score| (2.5) and the largest loading
			// is 0.8: +u either way. Axis 2: row 4 has the largest |score|
			// (+0.5 along w), so FlipScores gives +w = (−0.8, 0.6);
			// FlipLoadings makes −0.8 positive: (0.8, −0.6).
			want := [][]float64{{0.6, 0.8}, {-0.8, 0.6}}
			if flip == FlipLoadings {
				want[1] = []float64{0.8, -0.6}
			}
			for i := range want {
				for j := range want[i] {
					if got := m.Components.At(i, j); !near(got, want[i][j], 1e-6) {
						t.Errorf("%v/%d: component %d = %v, want %v", s, flip, i, mat.Row(nil, i, m.Components), want[i])
						break
					}
				}
			}
			if !near(m.ExplainedVariance[0], 2.25, 1e-6) || !near(m.ExplainedVariance[1], 0.0625, 1e-6) {
				t.Errorf("%v: explained variance %v, want [2.25 0.0625]", s, m.ExplainedVariance)
			}
			if !near(m.TotalVariance, 2.3125, 1e-6) || !near(m.ExplainedVarianceRatio[0], 2.25/2.3125, 1e-6) {
				t.Errorf("%v: total %v, ratio %v", s, m.TotalVariance, m.ExplainedVarianceRatio)
			}
			if !near(m.Mean[0], 0, 1e-7) || !near(m.Mean[1], 0, 1e-7) {
				t.Errorf("%v: mean %v, want 0", s, m.Mean)
			}
			// Row 0 is 2.5·u: its scores are (2.5, 0) and it maps back to itself.
			Y := m.Transform(X, blas32.General{})
			sw := 1.0
			if flip == FlipLoadings {
				sw = -1
			}
			if !near(float64(Y.Data[0]), 2.5, 1e-6) || !near(float64(Y.Data[1]), 0, 1e-6) ||
				!near(float64(Y.Data[4*2+1]), 0.5*sw, 1e-6) {
				t.Errorf("%v: scores %v", s, Y.Data)
			}
			back := m.InverseTransform(Y, blas32.General{})
			for i, v := range back.Data {
				if !near(float64(v), float64(X.Data[i]), 1e-6) {
					t.Fatalf("%v: inverse transform %v, want %v", s, back.Data, X.Data)
				}
			}
		}
	}
}

func TestSpectrumHelpers(t *testing.T) {
	m, err := PCA{Components: 1, Solver: Full}.Fit(context.Background(), plane())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Spectrum) != 2 || !near(m.Spectrum[1], 0.0625, 1e-6) {
		t.Fatalf("spectrum %v", m.Spectrum)
	}
	cum := m.Cumulative()
	if !near(cum[0], 2.25/2.3125, 1e-6) || !near(cum[1], 1, 1e-9) {
		t.Errorf("cumulative %v", cum)
	}
	for _, c := range []struct {
		f    float64
		want int
	}{{0.5, 1}, {0.97, 1}, {0.98, 2}, {1, 2}} {
		if got := m.ComponentsFor(c.f); got != c.want {
			t.Errorf("ComponentsFor(%v) = %d, want %d", c.f, got, c.want)
		}
	}
	r, err := PCA{Components: 1, Solver: Randomized}.Fit(context.Background(), plane())
	if err != nil {
		t.Fatal(err)
	}
	if r.Spectrum != nil || r.ComponentsFor(0.5) != 1 || r.ComponentsFor(0.98) != 0 {
		t.Errorf("randomized: spectrum %v, ComponentsFor %d %d", r.Spectrum, r.ComponentsFor(0.5), r.ComponentsFor(0.98))
	}
	r, err = PCA{Components: 1, Solver: Randomized, Spectrum: true}.Fit(context.Background(), plane())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Spectrum) != 2 || !near(r.Spectrum[0], 2.25, 1e-6) || r.ComponentsFor(0.98) != 2 {
		t.Errorf("randomized with spectrum: %v, ComponentsFor(0.98) = %d", r.Spectrum, r.ComponentsFor(0.98))
	}
}

// randomData returns n rows of d features with a decaying spectrum: column j
// is scaled by 1/(1+j/4), with a rotation mixing the columns.
func randomData(n, d int, seed uint64) blas32.General {
	rng := rand.New(rand.NewPCG(seed, 1))
	g := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	z := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := range z {
			z[j] = rng.NormFloat64() / (1 + float64(j)/4)
		}
		for j := 0; j < d; j++ {
			// A fixed mix of neighbouring columns keeps the axes off the basis.
			v := z[j] + 0.5*z[(j+1)%d] - 0.25*z[(j+3)%d] + 3
			g.Data[i*d+j] = float32(v)
		}
	}
	return g
}

func TestFullAgreesWithRandomized(t *testing.T) {
	X := randomData(600, 60, 7)
	ctx := context.Background()
	f, err := PCA{Components: 8, Solver: Full}.Fit(ctx, X)
	if err != nil {
		t.Fatal(err)
	}
	r, err := PCA{Components: 8, Solver: Randomized, Seed: 3}.Fit(ctx, X)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		if !near(f.ExplainedVariance[i], r.ExplainedVariance[i], 1e-9*f.ExplainedVariance[0]) {
			t.Errorf("variance %d: full %v, randomized %v", i, f.ExplainedVariance[i], r.ExplainedVariance[i])
		}
		for j := 0; j < 60; j++ {
			if !near(f.Components.At(i, j), r.Components.At(i, j), 1e-7) {
				t.Fatalf("component %d differs at %d: %v vs %v", i, j, f.Components.At(i, j), r.Components.At(i, j))
			}
		}
	}
	// Components are orthonormal.
	var g mat.Dense
	g.Mul(r.Components, r.Components.T())
	for i := 0; i < 8; i++ {
		for j := 0; j < 8; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if !near(g.At(i, j), want, 1e-12) {
				t.Fatalf("VVᵀ[%d,%d] = %v", i, j, g.At(i, j))
			}
		}
	}
	// The variance of the projections is the explained variance.
	Y := f.Transform(X, blas32.General{})
	for j := 0; j < 8; j++ {
		var s, s2 float64
		for i := 0; i < Y.Rows; i++ {
			v := float64(Y.Data[i*8+j])
			s += v
			s2 += v * v
		}
		mean := s / float64(Y.Rows)
		v := (s2 - float64(Y.Rows)*mean*mean) / float64(Y.Rows-1)
		if !near(mean, 0, 1e-5) || !near(v, f.ExplainedVariance[j], 1e-5*f.ExplainedVariance[0]) {
			t.Errorf("projection %d: mean %v, variance %v, want 0, %v", j, mean, v, f.ExplainedVariance[j])
		}
	}
	// Same seed, same result; Auto picks Randomized for this shape.
	a, _ := PCA{Components: 8, Seed: 3}.Fit(ctx, X)
	if a.Solver != Randomized || !mat.Equal(a.Components, r.Components) {
		t.Errorf("auto: solver %v, equal %v", a.Solver, mat.Equal(a.Components, r.Components))
	}
}

func TestWideData(t *testing.T) {
	// Fewer rows than features: the covariance has rank n−1 = 29.
	X := randomData(30, 100, 11)
	ctx := context.Background()
	f, err := PCA{Components: 30, Solver: Full}.Fit(ctx, X)
	if err != nil {
		t.Fatal(err)
	}
	r, err := PCA{Components: 10, Solver: Randomized}.Fit(ctx, X)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Spectrum) != 30 || f.Spectrum[29] > 1e-12*f.Spectrum[0] {
		t.Errorf("spectrum of rank-29 data: %d values, last %v", len(f.Spectrum), f.Spectrum[29])
	}
	for i := 0; i < 10; i++ {
		if !near(f.ExplainedVariance[i], r.ExplainedVariance[i], 1e-9*f.ExplainedVariance[0]) {
			t.Errorf("variance %d: full %v, randomized %v", i, f.ExplainedVariance[i], r.ExplainedVariance[i])
		}
		for j := 0; j < 100; j++ {
			if !near(f.Components.At(i, j), r.Components.At(i, j), 1e-7) {
				t.Fatalf("component %d differs at %d", i, j)
			}
		}
	}
	if _, err := (PCA{Components: 31}).Fit(ctx, X); err == nil {
		t.Error("31 components of 30 rows: no error")
	}
}

func TestTransformDestination(t *testing.T) {
	X := randomData(50, 10, 1)
	m, err := PCA{Components: 3}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	want := m.Transform(X, blas32.General{})
	// A destination with a wider stride is filled in place.
	dst := blas32.General{Rows: 50, Cols: 3, Stride: 5, Data: make([]float32, 50*5)}
	got := m.Transform(X, dst)
	if &got.Data[0] != &dst.Data[0] {
		t.Fatal("Transform did not use the destination")
	}
	for i := 0; i < 50; i++ {
		for j := 0; j < 3; j++ {
			if got.Data[i*5+j] != want.Data[i*3+j] {
				t.Fatalf("row %d col %d: %v vs %v", i, j, got.Data[i*5+j], want.Data[i*3+j])
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Transform into a wrong-shaped destination did not panic")
		}
	}()
	m.Transform(X, blas32.General{Rows: 49, Cols: 3, Stride: 3, Data: make([]float32, 49*3)})
}

func TestFitErrors(t *testing.T) {
	ctx := context.Background()
	X := randomData(20, 5, 2)
	for _, c := range []struct {
		name string
		p    PCA
		X    blas32.General
		want error
	}{
		{"zero components", PCA{Components: 0}, X, nil},
		{"too many components", PCA{Components: 6}, X, nil},
		{"more components than rows", PCA{Components: 3}, randomData(2, 5, 1), nil},
		{"one row", PCA{Components: 1}, randomData(1, 5, 1), ErrTooFewRows},
		{"constant", PCA{Components: 1}, general([][]float64{{1, 2}, {1, 2}, {1, 2}}), ErrConstant},
		{"bad solver", PCA{Components: 1, Solver: 9}, X, nil},
	} {
		_, err := c.p.Fit(ctx, c.X)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: err = %v", c.name, err)
		}
	}
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
		Y := randomData(20, 5, 2)
		Y.Data[13] = bad
		if _, err := (PCA{Components: 2}).Fit(ctx, Y); err == nil {
			t.Errorf("%v in data: no error", bad)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := (PCA{Components: 2}).Fit(cancelled, X); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}
