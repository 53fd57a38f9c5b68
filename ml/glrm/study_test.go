package glrm

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
)

// imputationSample returns the first 2,000 Fashion-MNIST training images
// divided by 255 when the data set is installed, or a synthetic 600×100
// matrix of rank 6 plus noise otherwise.
func imputationSample(t *testing.T) (blas32.General, string) {
	if _, err := os.Stat(fashionDir); err == nil {
		d, err := dataset.LoadIDXDir(fashionDir)
		if err != nil {
			t.Fatal(err)
		}
		part := dataset.Split{Part: &d.Train, Index: make([]int, 2000)}
		for i := range part.Index {
			part.Index[i] = i
		}
		sc, err := dataset.FitScaler(dataset.ScaleDiv255, part)
		if err != nil {
			t.Fatal(err)
		}
		return sc.Transform(part), "Fashion-MNIST, 2000 images"
	}
	return noisy(600, 100, 6, 0.3, 2, 11), "synthetic 600×100, rank 6 + noise"
}

func TestImputationStudy(t *testing.T) {
	X, what := imputationSample(t)
	res, err := ImputationStudy(context.Background(), X, DefaultImputationFraction, 16, 1, GLRM{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s, 20 %% hidden, k = 16: RMSE GLRM %.4f, mean %.4f, PCA %.4f (%d iterations, %.2f s; PCA %.2f s)",
		what, res.GLRM, res.Mean, res.PCA, res.Iterations, res.GLRMSeconds, res.PCASeconds)
	want := int(0.2*float64(X.Rows*X.Cols) + 0.5)
	if res.Hidden != want || res.K != 16 || res.Fraction != 0.2 {
		t.Errorf("hidden %d (want %d), K %d, fraction %v", res.Hidden, want, res.K, res.Fraction)
	}
	if !(res.GLRM < res.Mean) || !(res.PCA < res.Mean) {
		t.Errorf("GLRM %.4f and PCA %.4f should beat mean imputation %.4f", res.GLRM, res.PCA, res.Mean)
	}
	if _, err := ImputationStudy(context.Background(), X, 0, 16, 1, GLRM{}); err == nil {
		t.Error("fraction 0 accepted")
	}
	if _, err := ImputationStudy(context.Background(), X, 0.2, X.Cols, 1, GLRM{}); err == nil {
		t.Error("k = d accepted")
	}
}

// clusters returns n points in d dimensions around 3 well separated
// centres, with their labels.
func clusters(n, d int, seed uint64) (blas32.General, []int) {
	rng := rand.New(rand.NewPCG(seed, 5))
	X := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	y := make([]int, n)
	for i := range y {
		y[i] = i % 3
		for j := 0; j < d; j++ {
			c := 0.0
			if j%3 == y[i] {
				c = 3
			}
			X.Data[i*d+j] = float32(c + 0.5*rng.NormFloat64())
		}
	}
	return X, y
}

func TestCompressionStudy(t *testing.T) {
	train, ytr := clusters(300, 30, 1)
	eval, yev := clusters(90, 30, 2)
	pts, err := CompressionStudy(context.Background(), train, ytr, eval, yev, []int{2, 5}, 5, GLRM{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 || pts[0].K != 2 || pts[1].K != 5 {
		t.Fatalf("points %+v", pts)
	}
	for _, p := range pts {
		if p.Accuracy < 0.95 || p.Iterations < 1 || p.FitSeconds <= 0 || p.ClassifySeconds <= 0 {
			t.Errorf("point %+v", p)
		}
	}
	if _, err := CompressionStudy(context.Background(), train, ytr[:10], eval, yev, []int{2}, 5, GLRM{}); err == nil {
		t.Error("mismatched labels accepted")
	}
	if _, err := CompressionStudy(context.Background(), train, ytr, eval, yev, []int{30}, 5, GLRM{}); err == nil {
		t.Error("rank 30 of 30 features accepted")
	}
	if got := DefaultCompressionRanks(); len(got) != 8 || got[0] != 2 || got[7] != 256 {
		t.Errorf("DefaultCompressionRanks = %v", got)
	}
}

// TestImputationStudyStridedAndEdges: a strided X gives exactly the study
// of its compact copy (every RMSE, the mean-filled PCA's included), and the
// rank may reach the number of rows (here k = n = 8 < d = 12) but not pass it.
func TestImputationStudyStridedAndEdges(t *testing.T) {
	ctx := context.Background()
	X := noisy(40, 12, 3, 0.3, 2, 5)
	S := blas32.General{Rows: 40, Cols: 12, Stride: 15, Data: make([]float32, 40*15)}
	for i := range 40 {
		copy(S.Data[i*15:], X.Data[i*12:(i+1)*12])
		S.Data[i*15+12], S.Data[i*15+13], S.Data[i*15+14] = 1e6, -1e6, 1e6
	}
	a, err := ImputationStudy(ctx, X, 0.2, 3, 1, GLRM{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ImputationStudy(ctx, S, 0.2, 3, 1, GLRM{})
	if err != nil {
		t.Fatal(err)
	}
	if a.GLRM != b.GLRM || a.Mean != b.Mean || a.PCA != b.PCA || a.Hidden != b.Hidden {
		t.Errorf("strided %+v, compact %+v", b, a)
	}
	few := blas32.General{Rows: 8, Cols: 12, Stride: 12, Data: X.Data[:8*12]}
	if _, err := ImputationStudy(ctx, few, 0.2, 8, 1, GLRM{}); err != nil {
		t.Errorf("k = n = 8: %v", err)
	}
	if _, err := ImputationStudy(ctx, few, 0.2, 9, 1, GLRM{}); err == nil {
		t.Error("k = 9 for 8 rows accepted")
	}
}
