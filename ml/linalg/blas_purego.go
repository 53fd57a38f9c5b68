//go:build purego

package linalg

// Backend names the BLAS implementation in use.
const Backend = "gonum pure Go"
