package kmeans

import (
	"embedscope/ml/internal/parfor"
	"runtime"
	"sync"
	"sync/atomic"
)

// workers returns the number of goroutines for jobs independent pieces of
// work: GOMAXPROCS, but at least 1 and at most jobs (when jobs > 0).
func workers(jobs int) int {
	w := runtime.GOMAXPROCS(0)
	if jobs > 0 && jobs < w {
		w = jobs
	}
	return max(w, 1)
}

// parallelRows runs f on contiguous ranges of [0, n), at least grain items
// each, concurrently. Use it only for work whose result does not depend
// on the split (each item written once).
func parallelRows(n, grain int, f func(a, b int)) { parfor.Rows(n, grain, f) }

// parallelCols splits the columns [0, d) into ranges of at least 64
// columns (boundaries at multiples of 8, away from shared cache lines), one
// per worker, and runs f on them concurrently. Each column belongs to one
// range, so per-column sums come out the same whatever the number of
// workers.
func parallelCols(d int, f func(c0, c1 int)) {
	w := workers(d / 64)
	if w == 1 {
		f(0, d)
		return
	}
	var wg sync.WaitGroup
	chunk := ((d+w-1)/w + 7) &^ 7
	for c0 := 0; c0 < d; c0 += chunk {
		wg.Add(1)
		go func(c0, c1 int) {
			defer wg.Done()
			f(c0, c1)
		}(c0, min(c0+chunk, d))
	}
	wg.Wait()
}

// parallelChunks runs f on the fixed chunks [ci·chunk, min((ci+1)·chunk, n))
// of [0, n), spread over the workers. Callers that keep one partial result
// per chunk ci and combine them in chunk order get results that do not
// depend on the number of workers. It returns the number of chunks.
func parallelChunks(n, chunk int, f func(ci, lo, hi int)) int {
	nc := (n + chunk - 1) / chunk
	w := workers(nc)
	if w == 1 {
		for ci := 0; ci < nc; ci++ {
			f(ci, ci*chunk, min((ci+1)*chunk, n))
		}
		return nc
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ci := int(next.Add(1) - 1)
				if ci >= nc {
					return
				}
				f(ci, ci*chunk, min((ci+1)*chunk, n))
			}
		}()
	}
	wg.Wait()
	return nc
}
