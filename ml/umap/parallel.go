package umap

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// chunkRows is the number of rows of one chunk of parallelRange.
const chunkRows = 4096

// parallelRange cuts [0, n) into chunks of chunkRows (the last may be
// shorter) and runs f(lo, hi) for each on up to GOMAXPROCS goroutines.
// The chunks do not depend on the number of goroutines, so results
// combined per chunk in chunk order are reproducible.
func parallelRange(n int, f func(lo, hi int)) {
	parallelChunks(n, func(_, lo, hi int) { f(lo, hi) })
}

// parallelChunks is parallelRange that also passes the chunk's number.
func parallelChunks(n int, f func(c, lo, hi int)) {
	chunks := (n + chunkRows - 1) / chunkRows
	w := min(runtime.GOMAXPROCS(0), chunks)
	var next atomic.Int64
	work := func() {
		for {
			c := int(next.Add(1) - 1)
			if c >= chunks {
				return
			}
			f(c, c*chunkRows, min((c+1)*chunkRows, n))
		}
	}
	if w <= 1 {
		work()
		return
	}
	var wg sync.WaitGroup
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	wg.Wait()
}

// pdot returns x·y summed per chunk, the chunks' sums added in order.
func pdot(x, y []float64) float64 {
	part := make([]float64, (len(x)+chunkRows-1)/chunkRows)
	parallelChunks(len(x), func(c, lo, hi int) {
		s := 0.0
		for i := lo; i < hi; i++ {
			s += x[i] * y[i]
		}
		part[c] = s
	})
	s := 0.0
	for _, p := range part {
		s += p
	}
	return s
}

func pnorm(x []float64) float64 { return math.Sqrt(pdot(x, x)) }

// pdots returns the dot products of w with every vector of basis.
func pdots(basis [][]float64, w []float64) []float64 {
	chunks := (len(w) + chunkRows - 1) / chunkRows
	part := make([]float64, chunks*len(basis))
	parallelChunks(len(w), func(c, lo, hi int) {
		for m, b := range basis {
			s := 0.0
			for i := lo; i < hi; i++ {
				s += b[i] * w[i]
			}
			part[c*len(basis)+m] = s
		}
	})
	out := make([]float64, len(basis))
	for c := 0; c < chunks; c++ {
		for m := range basis {
			out[m] += part[c*len(basis)+m]
		}
	}
	return out
}

// paxpys subtracts Σₘ c[m]·basis[m] from w.
func paxpys(w []float64, basis [][]float64, c []float64) {
	parallelRange(len(w), func(lo, hi int) {
		for m, b := range basis {
			cm := c[m]
			for i := lo; i < hi; i++ {
				w[i] -= cm * b[i]
			}
		}
	})
}

// pmul computes dst = M x where mul(dst, x, lo, hi) computes rows lo…hi−1,
// over chunks of rows in parallel.
func pmul(mul func(dst, x []float64, lo, hi int), dst, x []float64) {
	parallelRange(len(dst), func(lo, hi int) { mul(dst, x, lo, hi) })
}
