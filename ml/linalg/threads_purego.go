//go:build purego

package linalg

// SingleThreaded runs f. (With OpenBLAS it keeps the library on one thread
// per call during f; gonum's pure-Go BLAS has no threads of its own.)
func SingleThreaded(f func()) { f() }
