//go:build !purego

package linalg

// void openblas_set_num_threads(int num_threads);
// int openblas_get_num_threads(void);
import "C"

import "sync"

var single struct {
	sync.Mutex
	depth int
	saved C.int
}

// SingleThreaded runs f with OpenBLAS on one thread per call, so that
// goroutines of f can each run their own BLAS calls at the same time, one
// per core, without the library's threads waiting on each other (on a busy
// machine those waits cost more than the threads gain). The setting is the
// library's, for the whole process: BLAS calls elsewhere during f also run
// on one thread (more slowly, with the same results). Calls may nest and
// overlap; the thread count is restored when the last one returns.
func SingleThreaded(f func()) {
	single.Lock()
	if single.depth == 0 {
		single.saved = C.openblas_get_num_threads()
		C.openblas_set_num_threads(1)
	}
	single.depth++
	single.Unlock()
	defer func() {
		single.Lock()
		single.depth--
		if single.depth == 0 {
			C.openblas_set_num_threads(single.saved)
		}
		single.Unlock()
	}()
	f()
}
