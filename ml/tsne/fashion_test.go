package tsne

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
	"embedscope/ml/linalg"
)

const fashionDir = "/usr/share/datasets/fashion-mnist"

var fashion struct {
	once   sync.Once
	z      blas32.General // the 10,000 test images /255, PCA-50
	labels []int
	err    error
}

// fashionTest returns the first n Fashion-MNIST test images divided by 255
// and projected on their first 50 principal components (fitted on those n
// images, as sklearn_tsne.py does), with their labels. It skips when the
// data set is absent, in -short mode, and in the purego build (where the
// 10,000-point fit takes minutes).
func fashionTest(tb testing.TB, n int) (blas32.General, []int) {
	tb.Helper()
	if _, err := os.Stat(fashionDir); err != nil {
		tb.Skip("Fashion-MNIST not found at " + fashionDir)
	}
	if testing.Short() {
		tb.Skip("Fashion-MNIST t-SNE skipped in -short mode")
	}
	if !linalg.Native {
		tb.Skip("Fashion-MNIST t-SNE skipped in the purego build")
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
		sc, err := dataset.FitScaler(dataset.ScaleDiv255, s.Test)
		if err != nil {
			fashion.err = err
			return
		}
		fashion.z, fashion.labels = sc.Transform(s.Test), s.Test.Labels()
	})
	if fashion.err != nil {
		tb.Fatal(fashion.err)
	}
	X := fashion.z
	X = blas32.General{Rows: n, Cols: X.Cols, Stride: X.Stride, Data: X.Data[:n*X.Stride]}
	Z, err := PCA50(context.Background(), X)
	if err != nil {
		tb.Fatal(err)
	}
	return Z, fashion.labels[:n]
}

// Measured in one session on this project's 2-core machine (see the
// package's testdata/README.md): sklearn 1.2.1 reaches a leave-one-out
// 5-NN accuracy of 0.8071 on this map.
func TestFashion10k(t *testing.T) {
	Z, labels := fashionTest(t, 10000)
	start := time.Now()
	m, err := TSNE{}.Fit(context.Background(), Z)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	acc, err := LeaveOneOut5NN(context.Background(), m.Embedding, labels)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 points: 5-NN %.4f, KL %.4f, %v", acc, m.KL, took.Round(time.Millisecond))
	if acc < 0.80 {
		t.Errorf("5-NN accuracy %.4f, want at least 0.80", acc)
	}
}

// BenchmarkTSNE10k times Fit on the 10,000 PCA-50 test images (the PCA is
// not timed) and reports the 5-NN accuracy of the map.
func BenchmarkTSNE10k(b *testing.B) {
	Z, labels := fashionTest(b, 10000)
	var m *Model
	for b.Loop() {
		var err error
		m, err = TSNE{}.Fit(context.Background(), Z)
		if err != nil {
			b.Fatal(err)
		}
	}
	acc, err := LeaveOneOut5NN(context.Background(), m.Embedding, labels)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(acc, "knn5")
}
