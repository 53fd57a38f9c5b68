package linalg

import (
	"runtime"
	"sync"

	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// MulABt computes dst = a·bᵀ for row-major float32 matrices: a is m×k, b is
// n×k and dst is m×n (every entry of dst is overwritten). It is the kernel of
// "all dot products between two sets of rows", e.g. for distances.
//
// With a native BLAS (Native) it is a single blas32.Gemm call, threaded by
// the library. In the pure-Go build it is a cache-blocked loop over
// vek32.Dot (AVX2 assembly where the CPU has it) on GOMAXPROCS goroutines,
// which is about three times faster than gonum's pure-Go Sgemm for this
// shape. Either way each entry is a float32 dot product of length k.
//
// MulABt panics if the shapes do not agree.
func MulABt(dst, a, b blas32.General) {
	if a.Cols != b.Cols || dst.Rows != a.Rows || dst.Cols != b.Rows {
		panic("linalg: MulABt shape mismatch")
	}
	if a.Rows == 0 || b.Rows == 0 {
		return
	}
	if a.Cols == 0 {
		for i := 0; i < dst.Rows; i++ {
			clear(dst.Data[i*dst.Stride : i*dst.Stride+dst.Cols])
		}
		return
	}
	if Native {
		blas32.Gemm(blas.NoTrans, blas.Trans, 1, a, b, 0, dst)
		return
	}
	mulABtBlocked(dst, a, b)
}

// mulABtBlocked is the pure-Go kernel of MulABt: tiles of tileB rows of b
// (kept in cache) against all rows of a worker's share of a.
func mulABtBlocked(dst, a, b blas32.General) {
	const tileB = 64
	k := a.Cols
	workers := runtime.GOMAXPROCS(0)
	if w := a.Rows / 16; w < workers {
		workers = max(w, 1)
	}
	var wg sync.WaitGroup
	chunk := (a.Rows + workers - 1) / workers
	for lo := 0; lo < a.Rows; lo += chunk {
		hi := min(lo+chunk, a.Rows)
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for j0 := 0; j0 < b.Rows; j0 += tileB {
				j1 := min(j0+tileB, b.Rows)
				for i := lo; i < hi; i++ {
					ai := a.Data[i*a.Stride : i*a.Stride+k]
					out := dst.Data[i*dst.Stride : i*dst.Stride+dst.Cols]
					for j := j0; j < j1; j++ {
						out[j] = vek32.Dot(ai, b.Data[j*b.Stride:j*b.Stride+k])
					}
				}
			}
		}(lo, hi)
	}
	wg.Wait()
}
