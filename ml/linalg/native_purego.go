//go:build purego

package linalg

// Native reports whether gonum's BLAS is routed to a native, threaded
// library (OpenBLAS). Callers use it to pick kernels: with a native BLAS a
// large GEMM is the fastest route and must not be split over goroutines.
const Native = false
