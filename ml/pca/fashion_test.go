package pca

import (
	"context"
	"os"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
)

const fashionDir = "/usr/share/datasets/fashion-mnist"

var fashion struct {
	once        sync.Once
	train, test blas32.General
	err         error
}

// fashionDiv255 returns the full Fashion-MNIST training (60000×784) and test
// (10000×784) pixels divided by 255, or skips the test when the data set is
// absent (or, for heavy tests, in -short mode).
func fashionDiv255(tb testing.TB) (train, test blas32.General) {
	tb.Helper()
	if _, err := os.Stat(fashionDir); err != nil {
		tb.Skip("Fashion-MNIST not found at " + fashionDir)
	}
	if testing.Short() {
		tb.Skip("full-set test skipped in -short mode")
	}
	fashion.once.Do(func() {
		d, err := dataset.LoadIDXDir(fashionDir)
		if err != nil {
			fashion.err = err
			return
		}
		s, err := d.Split(dataset.DefaultSplitOptions(d))
		if err != nil {
			fashion.err = err
			return
		}
		sc, err := dataset.FitScaler(dataset.ScaleDiv255, s.Train)
		if err != nil {
			fashion.err = err
			return
		}
		fashion.train, fashion.test = sc.Transform(s.Train), sc.Transform(s.Test)
	})
	if fashion.err != nil {
		tb.Fatal(fashion.err)
	}
	return fashion.train, fashion.test
}

// Reference values from scikit-learn 1.2.1 (numpy 1.24.2), produced by
//
//	import gzip, numpy as np
//	from sklearn.decomposition import PCA
//	def img(f): return np.frombuffer(gzip.open(D + f).read(), np.uint8, offset=16).reshape(-1, 784)
//	X = img("train-images-idx3-ubyte.gz") / 255
//	T = img("t10k-images-idx3-ubyte.gz")[:3] / 255
//	p = PCA(svd_solver="full").fit(X)
//	c = np.cumsum(p.explained_variance_ratio_)
//	print([c[i-1] for i in (2, 10, 32, 50, 100)])
//	print([np.searchsorted(c, f, side="right") + 1 for f in (0.8, 0.9, 0.95, 0.99)])
//	print(p.explained_variance_[[0, 1, 2, 31]], p.explained_variance_.sum())
//	for j in (0, 1, 2, 31): print(p.components_[j, [100, 300, 400, 500, 700]])
//	print(p.mean_[[100, 300, 400]], p.transform(T)[:, [0, 1, 31]])
//
// sklearn's default PCA(32) (randomized, 7 power iterations) is only an
// approximation: its component 31 differs from the exact one by up to 0.012,
// so the components are compared with the full solver's.
var (
	skCumAt     = map[int]float64{2: 0.467945, 10: 0.719908, 32: 0.826146, 50: 0.862692, 100: 0.912349}
	skNeed      = map[float64]int{0.8: 24, 0.9: 84, 0.95: 187, 0.99: 459}
	skVariance  = map[int]float64{0: 19.80980567304378, 1: 12.112210465253407, 2: 4.106156613818149, 31: 0.18081835453525535}
	skTotal     = 68.2173979510951
	skCols      = []int{100, 300, 400, 500, 700}
	skComponent = map[int][]float64{
		0:  {0.06302943893549093, 0.03957313608352997, 0.03415643874376384, -0.017518243343201484, -8.64170656450117e-05},
		1:  {-0.03845107160201825, 0.057759610514691605, 0.024544807140483346, 0.07521393614380784, 0.0007947353073872737},
		2:  {-0.003769434385460709, -0.002356797340504499, 0.06053582611488441, -0.03907889905468943, -0.0011631461927614152},
		31: {-0.0047874860289683005, -0.03960967586530531, -0.0341378767595793, 0.012639159842342113, -0.002252977166197426},
	}
	skMean   = map[int]float64{100: 0.4176130718953858, 300: 0.467825882352892, 400: 0.4105646405228574}
	skScores = [3][3]float64{ // test rows 0..2, components 0, 1, 31
		{-5.833011942923732, 2.5703022578656456, -0.0963592503083972},
		{7.345163704173891, 4.222754021584122, -0.21614495659898247},
		{1.5116653348426192, -6.023980835095342, 0.41692423748268437},
	}
)

// checkAgainstSklearn compares m with sklearn's float64 fit. Our input is
// x/255 rounded to float32 (relative error ≤ 6e-8), which moves variances and
// means by up to ~1e-7 relative, so that is the tolerance.
func checkAgainstSklearn(t *testing.T, m *Model, test blas32.General) {
	t.Helper()
	for j, want := range skVariance {
		if !near(m.ExplainedVariance[j], want, 1e-6*want) {
			t.Errorf("explained variance %d = %.12g, sklearn %.12g", j, m.ExplainedVariance[j], want)
		}
	}
	if !near(m.TotalVariance, skTotal, 1e-6*skTotal) {
		t.Errorf("total variance %.12g, sklearn %.12g", m.TotalVariance, skTotal)
	}
	for j, want := range skMean {
		if !near(m.Mean[j], want, 1e-7) {
			t.Errorf("mean %d = %v, sklearn %v", j, m.Mean[j], want)
		}
	}
	// The signs must agree with sklearn's too, not only the axes.
	for j, want := range skComponent {
		for c, col := range skCols {
			if got := m.Components.At(j, col); !near(got, want[c], 1e-7) {
				t.Errorf("component %d, pixel %d = %.9f, sklearn %.9f", j, col, got, want[c])
			}
		}
	}
	Y := m.Transform(blas32.General{Rows: 3, Cols: 784, Stride: 784, Data: test.Data[:3*784]}, blas32.General{})
	for i := 0; i < 3; i++ {
		for c, j := range []int{0, 1, 31} {
			if got := float64(Y.Data[i*32+j]); !near(got, skScores[i][c], 1e-5) {
				t.Errorf("test row %d score %d = %v, sklearn %v", i, j, got, skScores[i][c])
			}
		}
	}
}

func TestFashionFull(t *testing.T) {
	train, test := fashionDiv255(t)
	m, err := PCA{Components: 32, Solver: Full}.Fit(context.Background(), train)
	if err != nil {
		t.Fatal(err)
	}
	checkSpectrum(t, m)
	checkAgainstSklearn(t, m, test)
}

func checkSpectrum(t *testing.T, m *Model) {
	t.Helper()
	cum := m.Cumulative()
	if len(cum) != 784 {
		t.Fatalf("cumulative has %d values, want 784", len(cum))
	}
	for k, want := range skCumAt {
		if !near(cum[k-1], want, 1e-6) {
			t.Errorf("cumulative at %d = %.6f, sklearn %.6f", k, cum[k-1], want)
		}
	}
	for f, want := range skNeed {
		if got := m.ComponentsFor(f); got != want {
			t.Errorf("components for %.0f %% = %d, sklearn %d", 100*f, got, want)
		}
	}
	if !near(cum[783], 1, 1e-9) {
		t.Errorf("cumulative total %v", cum[783])
	}
}

func TestFashionRandomized(t *testing.T) {
	train, test := fashionDiv255(t)
	m, err := PCA{Components: 32, Spectrum: true}.Fit(context.Background(), train)
	if err != nil {
		t.Fatal(err)
	}
	if m.Solver != Randomized {
		t.Errorf("auto chose %v", m.Solver)
	}
	checkSpectrum(t, m)
	checkAgainstSklearn(t, m, test)
}

func BenchmarkPCAFit32(b *testing.B) {
	train, _ := fashionDiv255(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := (PCA{Components: 32}).Fit(context.Background(), train); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPCAFitFull(b *testing.B) {
	train, _ := fashionDiv255(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := (PCA{Components: 32, Solver: Full}).Fit(context.Background(), train); err != nil {
			b.Fatal(err)
		}
	}
}
