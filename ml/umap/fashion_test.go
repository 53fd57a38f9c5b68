package umap

import (
	"context"
	"os"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
	"embedscope/ml/linalg"
	"embedscope/ml/tsne"
)

const fashionDir = "/usr/share/datasets/fashion-mnist"

var fashion struct {
	once   sync.Once
	z      blas32.General // the 10,000 test images /255, PCA-50
	labels []int
	err    error
}

// fashionTest returns the 10,000 Fashion-MNIST test images divided by 255
// and projected on their first 50 principal components, with their
// labels. It skips when the data set is absent, in -short mode and in the
// purego build.
func fashionTest(tb testing.TB) (blas32.General, []int) {
	tb.Helper()
	if _, err := os.Stat(fashionDir); err != nil {
		tb.Skip("Fashion-MNIST not found at " + fashionDir)
	}
	if testing.Short() {
		tb.Skip("Fashion-MNIST UMAP skipped in -short mode")
	}
	if !linalg.Native {
		tb.Skip("Fashion-MNIST UMAP skipped in the purego build")
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
		fashion.z, fashion.err = tsne.PCA50(context.Background(), sc.Transform(s.Test))
		fashion.labels = s.Test.Labels()
	})
	if fashion.err != nil {
		tb.Fatal(fashion.err)
	}
	return fashion.z, fashion.labels
}

// TestFashion10k maps the 10,000 test images. umap-learn 0.5.3 reaches a
// leave-one-out 5-NN accuracy of 0.747 on the same images (sklearn's
// PCA(50, random_state=0) then UMAP(random_state=0)):
//
//	z = PCA(50, random_state=0).fit_transform(x[:10000] / 255)
//	e = umap.UMAP(random_state=0).fit_transform(z)
//	# leave-one-out 5-NN vote, ties to the smallest label
func TestFashion10k(t *testing.T) {
	Z, labels := fashionTest(t)
	m, err := New().Fit(context.Background(), Z)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := tsne.LeaveOneOut5NN(context.Background(), m.Embedding, labels)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 points: 5-NN %.4f, %d edges, %d components", acc, m.Graph.Edges(), m.Components)
	if acc < 0.747-0.01 {
		t.Errorf("5-NN accuracy %.4f, umap-learn's is 0.747", acc)
	}
}

// BenchmarkUMAP10k times Fit on the 10,000 PCA-50 test images (the PCA is
// not timed) and reports the 5-NN accuracy of the map.
func BenchmarkUMAP10k(b *testing.B) {
	Z, labels := fashionTest(b)
	var m *Model
	for b.Loop() {
		var err error
		if m, err = New().Fit(context.Background(), Z); err != nil {
			b.Fatal(err)
		}
	}
	acc, err := tsne.LeaveOneOut5NN(context.Background(), m.Embedding, labels)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(acc, "knn5")
}
