package umap

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkSGDEpochScratch(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 20000
	g := &Graph{N: n, Start: make([]int, n+1)}
	for i := 0; i < n; i++ {
		for e := 0; e < 20; e++ {
			g.Col = append(g.Col, int32(rng.IntN(n)))
			g.W = append(g.W, float32(0.1+0.9*rng.Float64()))
		}
		g.Start[i+1] = len(g.Col)
	}
	y := make([]float32, 2*n)
	for i := range y {
		y[i] = float32(rng.Float64() * 20)
	}
	prev := append([]float32(nil), y...)
	s := newSGD(g, 1000000, 5, n)
	s.a, s.b, s.pow, s.gamma, s.attract, s.self = 1.577, 0.895, newPowTable(0.895), 1, 2, true
	for e := range s.eps { // every edge every epoch, 5 negatives
		s.eps[e], s.next[e], s.epn[e], s.nextNeg[e] = 1, 0, 0.2, 0
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < n; j++ {
			s.moveHead(i+1, j, 0.01, y, prev)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(g.W)*6), "ns/eval")
}
