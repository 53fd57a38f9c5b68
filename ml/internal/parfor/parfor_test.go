package parfor

import (
	"sync/atomic"
	"testing"
)

// Every item of [0, n) is visited exactly once, for sizes below, at and
// above the grain.
func TestRowsVisitsEachItemOnce(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 1000, 4097} {
		seen := make([]atomic.Int32, n)
		Rows(n, 64, func(a, b int) {
			if a < 0 || b > n || a >= b {
				t.Errorf("n=%d: range [%d, %d)", n, a, b)
				return
			}
			for i := a; i < b; i++ {
				seen[i].Add(1)
			}
		})
		for i := range seen {
			if c := seen[i].Load(); c != 1 {
				t.Fatalf("n=%d: item %d visited %d times", n, i, c)
			}
		}
	}
}
