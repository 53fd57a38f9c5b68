// Package linalg selects the BLAS implementation behind gonum and holds the
// few float32 matrix kernels the rest of ml/ shares.
//
// By default gonum's blas32 and blas64 are routed to OpenBLAS through
// gonum.org/v1/netlib (cgo, Debian package libopenblas-dev). Building with
// the tag "purego" keeps gonum's pure-Go BLAS instead; every test passes
// either way, only the speed differs. Import this package (for its side
// effect, or for Backend) from any package that does matrix work.
package linalg
