package umap

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestScheduleMatchesUMAPLearn runs the SGD over a star of edges with
// chosen weights and compares how often each edge was sampled, and how
// many negative samples it drew, with umap-learn 0.5.3's schedule
// (make_epochs_per_sample, then optimize_layout_euclidean's bookkeeping):
//
//	eps = make_epochs_per_sample(w, n_epochs); epn = eps / 5
//	nxt, nn = eps.copy(), epn.copy()
//	for n in range(n_epochs):
//	    for i in range(len(w)):
//	        if nxt[i] <= n:
//	            pos[i] += 1; nxt[i] += eps[i]
//	            k = int((n - nn[i]) / epn[i]); neg[i] += k; nn[i] += k * epn[i]
func TestScheduleMatchesUMAPLearn(t *testing.T) {
	w := []float32{1.0, 0.5, 0.25, 0.3, 0.7, 0.123, 0.0051}
	want := map[int][2][]int{
		10:  {{9, 4, 2, 2, 6, 1, 0}, {44, 19, 9, 9, 30, 4, 0}},
		200: {{199, 99, 49, 59, 139, 24, 1}, {994, 494, 244, 294, 695, 119, 4}},
	}
	for epochs, c := range want {
		g := &Graph{N: 1, Start: []int{0, len(w)}, W: w}
		for j := range w {
			g.Col = append(g.Col, int32(j+1))
		}
		s := newSGD(g, epochs, 5, len(w)+1)
		s.a, s.b, s.pow, s.gamma, s.attract = 1.577, 0.895, newPowTable(0.895), 1, 1
		head := []float32{0, 0}
		tail := make([]float32, 2*(len(w)+1))
		for i := range tail {
			tail[i] = float32(i)
		}
		if err := s.optimize(context.Background(), head, tail, epochs, 1, 0, nil, nil); err != nil {
			t.Fatal(err)
		}
		var pos, neg []int
		for _, es := range s.st {
			pos, neg = append(pos, int(es.samples)), append(neg, int(es.negs))
		}
		if !slices.Equal(pos, c[0]) || !slices.Equal(neg, c[1]) {
			t.Errorf("%d epochs: samples %v, negative samples %v; umap-learn %v, %v", epochs, pos, neg, c[0], c[1])
		}
	}
}

// TestPowTable checks the interpolated x^b against math.Pow over the range
// the SGD meets and beyond.
func TestPowTable(t *testing.T) {
	for _, b := range []float64{0.79, 0.895, 1.33, 1.92} {
		p := newPowTable(b)
		worst := 0.0
		for x := 1e-30; x < 1e30; x *= 1.001 {
			worst = max(worst, math.Abs(p.pow(x)/math.Pow(x, b)-1))
		}
		if bound := 2e-5 * max(1, b*(b-1)); worst > bound {
			t.Errorf("b = %v: relative error %.2g, want below %.2g", b, worst, bound)
		}
	}
}

// BenchmarkEpoch times one epoch on 70,000 points with 20 random edges
// each, all due, 5 negative samples per edge sample (the cost of one
// epoch's worth of 8.4 million gradient evaluations).
func BenchmarkEpoch(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 70000
	g := &Graph{N: n, Start: make([]int, n+1)}
	for i := 0; i < n; i++ {
		for range 20 {
			g.Col = append(g.Col, int32(rng.IntN(n)))
			g.W = append(g.W, 1)
		}
		g.Start[i+1] = len(g.Col)
	}
	y := make([]float32, 2*n)
	for i := range y {
		y[i] = float32(rng.Float64() * 20)
	}
	prev := slices.Clone(y)
	s := newSGD(g, 1<<30, 5, n)
	s.a, s.b, s.pow, s.gamma, s.attract, s.self = 1.577, 0.895, newPowTable(0.895), 1, 2, true
	for e := range s.st { // due at every epoch
		s.st[e].eps = 1
	}
	for i := 0; b.Loop(); i++ {
		s.epoch(i+1, 0.01, y, prev)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(g.W)*6), "ns/eval")
}
