package tsne

import (
	"fmt"
	"testing"
)

// BenchmarkBarnesHut times one Barnes-Hut repulsion (tree build and
// traversal) on a map of 10 Gaussian clusters, like a t-SNE map late in
// the optimisation.
func BenchmarkBarnesHut(b *testing.B) {
	for _, n := range []int{10000, 70000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			y := clusteredMap(n, 1)
			rep := make([]float64, 2*n)
			t := newBHTree(n, DefaultTheta)
			for b.Loop() {
				t.repulse(y, rep)
			}
		})
	}
}
