package knn

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
	"embedscope/ml/pca"
	"embedscope/ml/progress"
)

// TestSearchSelfMatchesQueryBlocks checks the symmetric self-search (tiles
// on and above the diagonal, row and column passes) against the
// query-block path and brute force, on data spanning several tiles (n not
// a multiple of the tile), with many exact ties, far from the origin, and
// as a column view of a wider matrix.
func TestSearchSelfMatchesQueryBlocks(t *testing.T) {
	ctx := context.Background()
	wide := randomData(2100, 9, 0, 7)
	for _, c := range []struct {
		name string
		X    blas32.General
	}{
		{"gaussian", randomData(2600, 12, 0, 3)},
		{"ties", randomData(2300, 5, 3, 4)},
		{"offset", randomDataOffset(2100, 8, 0, 300, 5)},
		{"strided", blas32.General{Rows: 2100, Cols: 6, Stride: 9, Data: wide.Data[:2099*9+6]}},
	} {
		if c.X.Rows <= selfBlock {
			t.Fatalf("%s: %d rows fit in one tile", c.name, c.X.Rows)
		}
		for _, tc := range []struct{ k, procs int }{{1, 2}, {7, 2}, {7, 1}} {
			k := tc.k
			// Two cores: the tiles run on goroutines of their own
			// (selfTilesParallel); one: the tiles in turn.
			saved := runtime.GOMAXPROCS(tc.procs)
			tr := progress.New()
			cl := fit(t, &Classifier{K: 1, Progress: tr}, c.X, make([]int, c.X.Rows))
			got, err := cl.KNeighborsSelf(ctx, k)
			runtime.GOMAXPROCS(saved)
			if err != nil {
				t.Fatal(err)
			}
			if c.name == "ties" && !strings.Contains(tr.Snapshot().Detail, "re-checked") {
				t.Errorf("ties: the near-tie re-check was not exercised (%q)", tr.Snapshot().Detail)
			}
			want, err := cl.search(ctx, c.X, k, true)
			if err != nil {
				t.Fatal(err)
			}
			sameNeighbours(t, fmt.Sprintf("%s/procs=%d/blocks", c.name, tc.procs), got, want)
			sameNeighbours(t, c.name+"/brute", prefix(Neighbors{N: 60, K: k, Index: got.Index[:60*k], Dist: got.Dist[:60*k]}, k),
				bruteForce(c.X, rows(c.X, 0, 60), k, Euclidean, true))
		}
	}
}

func TestSearchSelfProgressAndCancel(t *testing.T) {
	X := randomData(2500, 4, 0, 8)
	tr := progress.New()
	cl := fit(t, &Classifier{K: 1, Progress: tr}, X, make([]int, 2500))
	if _, err := cl.KNeighborsSelf(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	if s := tr.Snapshot(); s.Stage != "kNN: distances" || s.Done != 2500*2500 || s.Total != 2500*2500 {
		t.Errorf("progress %+v, want 2500² pairs done", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := cl.KNeighborsSelf(ctx, 3); err == nil {
		t.Error("no error for a cancelled context")
	}
}

// BenchmarkSelf compares the symmetric self-search with the query-block
// path on Gaussian data (run with -bench Self -benchtime 3x).
func BenchmarkSelf(b *testing.B) {
	for _, d := range []int{32, 784} {
		X := randomData(20000, d, 0, 1)
		cl := &Classifier{K: 1}
		if err := cl.Fit(X, make([]int, X.Rows)); err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.Run(fmt.Sprintf("d=%d/symmetric", d), func(b *testing.B) {
			for range b.N {
				if _, err := cl.searchSelf(ctx, 10); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("d=%d/blocks", d), func(b *testing.B) {
			for range b.N {
				if _, err := cl.search(ctx, X, 10, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSelfFashionPCA32 is the neighbourhood search of the Compare
// panel on its most common space: the 10 nearest of each of the 70,000
// Fashion-MNIST items in PCA(32) (needs the full set; not in -short).
func BenchmarkSelfFashionPCA32(b *testing.B) {
	f := loadFashion(b, dataset.ScaleDiv255)
	all := blas32.General{Rows: f.train.Rows + f.test.Rows, Cols: f.train.Cols, Stride: f.train.Cols}
	all.Data = append(append(all.Data, f.train.Data...), f.test.Data...)
	p, err := pca.PCA{Components: 32}.Fit(context.Background(), all)
	if err != nil {
		b.Fatal(err)
	}
	Z := p.Transform(all, blas32.General{})
	cl := &Classifier{K: 1}
	if err := cl.Fit(Z, make([]int, Z.Rows)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := cl.KNeighborsSelf(context.Background(), 10); err != nil {
			b.Fatal(err)
		}
	}
}
