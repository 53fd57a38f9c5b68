package glrm

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
	"embedscope/ml/knn"
	"embedscope/ml/linalg"
)

var studyFlag = flag.Bool("glrm.study", false, "run the full Fashion-MNIST compression study (minutes)")

const fashionDir = "/usr/share/datasets/fashion-mnist"

var fashion struct {
	once                  sync.Once
	train, test           blas32.General
	trainLabels, testLabs []int
	err                   error
}

// fashionDiv255 returns the Fashion-MNIST training (60000×784) and test
// (10000×784) pixels divided by 255 with their labels, or skips the test
// when the data set is absent.
func fashionDiv255(tb testing.TB) (train blas32.General, trainLabels []int, test blas32.General, testLabels []int) {
	tb.Helper()
	if _, err := os.Stat(fashionDir); err != nil {
		tb.Skip("Fashion-MNIST not found at " + fashionDir)
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
		fashion.trainLabels, fashion.testLabs = s.Train.Labels(), s.Test.Labels()
	})
	if fashion.err != nil {
		tb.Fatal(fashion.err)
	}
	return fashion.train, fashion.trainLabels, fashion.test, fashion.testLabs
}

// BenchmarkIterationFashion fits k = 2, 32, 128 on the full training set for
// a fixed number of iterations and reports the time per iteration, with
// every entry observed (full/…) and with 20 % of the entries hidden
// (mask20/…, far slower: each row and column forms its own Gram matrix).
func BenchmarkIterationFashion(b *testing.B) {
	X, _, _, _ := fashionDiv255(b)
	for _, k := range []int{2, 32, 128} {
		for _, masked := range []bool{false, true} {
			var mask *Mask
			name := fmt.Sprintf("full/k=%d", k)
			if masked {
				mask, _ = RandomMask(X.Rows, X.Cols, 0.2, 1)
				name = fmt.Sprintf("mask20/k=%d", k)
			}
			b.Run(name, func(b *testing.B) {
				const iters = 3
				for b.Loop() {
					m, err := GLRM{K: k, MaxIter: iters, Tol: -1}.Fit(context.Background(), X, mask)
					if err != nil {
						b.Fatal(err)
					}
					if m.Iterations != iters {
						b.Fatalf("%d iterations", m.Iterations)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*iters), "s/iter")
			})
		}
	}
}

// TestCompressionFashion runs the compression study of seed notebook 002 on
// the full set with -glrm.study and logs the table.
func TestCompressionFashion(t *testing.T) {
	if !*studyFlag {
		t.Skip("run with -glrm.study")
	}
	train, ytr, test, yte := fashionDiv255(t)
	t.Logf("BLAS: %s", linalg.Backend)
	start := time.Now()
	c := &knn.Classifier{K: 5}
	if err := c.Fit(train, ytr); err != nil {
		t.Fatal(err)
	}
	pred, err := c.Predict(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for i, p := range pred {
		if p == yte[i] {
			ok++
		}
	}
	t.Logf("all 784 pixels: kNN(5) accuracy %.4f in %.1f s", float64(ok)/float64(len(pred)), time.Since(start).Seconds())
	pts, err := CompressionStudy(context.Background(), train, ytr, test, yte, DefaultCompressionRanks(), 5, GLRM{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pts {
		t.Logf("k=%3d  accuracy %.4f  iterations %3d  fit %6.1f s  transform %5.2f s  kNN %5.1f s",
			p.K, p.Accuracy, p.Iterations, p.FitSeconds, p.TransformSeconds, p.ClassifySeconds)
	}
}
