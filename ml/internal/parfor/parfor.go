// Package parfor is the parallel-for of the ml packages whose results do
// not depend on how the work is split: each item is written by one
// goroutine only.
package parfor

import (
	"runtime"
	"sync"
)

// Rows splits [0, n) into one contiguous range per worker, each of at
// least grain items where n allows (min(GOMAXPROCS, n/grain) workers, at
// least one), and runs f(a, b) on the ranges concurrently. With one
// worker f runs on the calling goroutine.
func Rows(n, grain int, f func(a, b int)) {
	if n <= 0 {
		return
	}
	w := min(runtime.GOMAXPROCS(0), max(n/max(grain, 1), 1))
	if w <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	for a := 0; a < n; a += chunk {
		wg.Add(1)
		go func(a, b int) {
			defer wg.Done()
			f(a, b)
		}(a, min(a+chunk, n))
	}
	wg.Wait()
}
