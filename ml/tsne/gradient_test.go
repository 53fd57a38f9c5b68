package tsne

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// denseKL returns KL(P‖Q) for the map y, with Q summed over all pairs.
func denseKL(P *sparseP, y []float64) float64 {
	n := P.N
	z := 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				dx, dy := y[2*i]-y[2*j], y[2*i+1]-y[2*j+1]
				z += 1 / (1 + dx*dx + dy*dy)
			}
		}
	}
	kl := 0.0
	for i := 0; i < n; i++ {
		cols, vals := P.Row(i)
		for k, c := range cols {
			j := int(c)
			dx, dy := y[2*i]-y[2*j], y[2*i+1]-y[2*j+1]
			q := 1 / (1 + dx*dx + dy*dy) / z
			kl += vals[k] * math.Log(vals[k]/q)
		}
	}
	return kl
}

func randomMap(n int, spread float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	y := make([]float64, 2*n)
	for i := range y {
		y[i] = spread * rng.NormFloat64()
	}
	return y
}

func TestGradientFiniteDifferences(t *testing.T) {
	X := randomData(12, 4, 5)
	P, err := affinities(context.Background(), X, 7, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	y := randomMap(12, 1, 6)
	o := newOptimizer(P, y, settings{theta: 0.5, lr: 1})
	o.rep = exactRepulsion{}
	kl := o.gradient(1, true)
	if want := denseKL(P, y); math.Abs(kl-want) > 1e-12 {
		t.Errorf("KL %v, dense KL %v", kl, want)
	}
	const h = 1e-6
	for c := range y {
		old := y[c]
		y[c] = old + h
		up := denseKL(P, y)
		y[c] = old - h
		down := denseKL(P, y)
		y[c] = old
		fd := (up - down) / (2 * h)
		if math.Abs(o.grad[c]-fd) > 1e-7*max(1, math.Abs(fd)) {
			t.Errorf("∂KL/∂y[%d] = %.10g, finite difference %.10g", c, o.grad[c], fd)
		}
	}
	// Exaggeration multiplies the attractive part only.
	g1 := append([]float64(nil), o.grad...)
	o.gradient(3, false)
	for c := range g1 {
		want := g1[c] + 2*4*o.attr[c]
		if math.Abs(o.grad[c]-want) > 1e-12*max(1, math.Abs(want)) {
			t.Errorf("exaggerated gradient[%d] = %v, want %v", c, o.grad[c], want)
		}
	}
}

// bhError returns the relative errors of the Barnes-Hut Z and forces
// against the exact sums for the map y.
func bhError(y []float64, theta float64) (zErr, fErr float64) {
	n := len(y) / 2
	exact := make([]float64, 2*n)
	ze := exactRepulsion{}.repulse(y, exact)
	approx := make([]float64, 2*n)
	za := newBHTree(n, theta).repulse(y, approx)
	num, den := 0.0, 0.0
	for i := range exact {
		num += (approx[i] - exact[i]) * (approx[i] - exact[i])
		den += exact[i] * exact[i]
	}
	return math.Abs(za-ze) / ze, math.Sqrt(num / den)
}

// clusteredMap returns n points in 10 Gaussian clusters, like a t-SNE map.
func clusteredMap(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 3))
	y := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		c := float64(i % 10)
		y[2*i] = 30*math.Cos(c) + 3*rng.NormFloat64()
		y[2*i+1] = 30*math.Sin(c) + 3*rng.NormFloat64()
	}
	return y
}

func TestBarnesHutMatchesExact(t *testing.T) {
	for _, tc := range []struct {
		name       string
		y          []float64
		theta      float64
		zTol, fTol float64
	}{
		// Measured: 0.0068, 0.018; 0.0004, 0.00067; 0.011, 0.026; 0.025, 0.074.
		{"clusters θ=0.5", clusteredMap(2000, 1), 0.5, 0.015, 0.04},
		{"clusters θ=0.2", clusteredMap(2000, 1), 0.2, 1e-3, 2e-3},
		{"gaussian θ=0.5", randomMap(2000, 5, 2), 0.5, 0.02, 0.05},
		{"clusters θ=1", clusteredMap(500, 3), 1, 0.05, 0.15},
		{"tiny θ is exact", clusteredMap(500, 3), 1e-9, 1e-13, 1e-12},
	} {
		zErr, fErr := bhError(tc.y, tc.theta)
		t.Logf("%s: relative error of Z %.2g, of the forces %.2g", tc.name, zErr, fErr)
		if zErr > tc.zTol || fErr > tc.fTol {
			t.Errorf("%s: relative error of Z %.2g (want ≤ %g), of the forces %.2g (want ≤ %g)", tc.name, zErr, tc.zTol, fErr, tc.fTol)
		}
	}
}

func TestBarnesHutCoincident(t *testing.T) {
	// 40 points on 3 spots: leaves at the deepest level hold many points.
	y := make([]float64, 80)
	for i := 0; i < 40; i++ {
		y[2*i], y[2*i+1] = float64(i%3), 0.5*float64(i%3)
	}
	zErr, fErr := bhError(y, 0.5)
	if zErr > 1e-12 || fErr > 1e-12 {
		t.Errorf("coincident points: errors %g, %g", zErr, fErr)
	}
	// All points at one spot: Z = n(n−1), no force.
	clear(y)
	rep := make([]float64, 80)
	if z := newBHTree(40, 0.5).repulse(y, rep); z != 40*39 {
		t.Errorf("Z = %v, want %v", z, 40*39)
	}
	for _, f := range rep {
		if f != 0 {
			t.Fatalf("forces %v, want 0", rep)
		}
	}
}

func TestReorder(t *testing.T) {
	X := randomData(50, 4, 8)
	P, err := affinities(context.Background(), X, 16, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	y := randomMap(50, 2, 9)
	o := newOptimizer(P, slices.Clone(y), settings{theta: 0.5, lr: 1})
	o.rep = exactRepulsion{}
	kl0 := o.gradient(1, true)
	g0 := slices.Clone(o.grad)
	before := o.embedding()
	rng := rand.New(rand.NewPCG(1, 1))
	for range 2 { // twice, to compose the permutations
		order := make([]int32, 50)
		for i, v := range rng.Perm(50) {
			order[i] = int32(v)
		}
		o.reorder(order)
		checkP(t, o.p)
	}
	if after := o.embedding(); !slices.Equal(before, after) {
		t.Fatal("the embedding changed with the numbering")
	}
	kl := o.gradient(1, true)
	if math.Abs(kl-kl0) > 1e-12 {
		t.Errorf("KL %v after renumbering, %v before", kl, kl0)
	}
	for k, i := range o.perm {
		for c := 0; c < 2; c++ {
			if d := o.grad[2*k+c] - g0[2*int(i)+c]; math.Abs(d) > 1e-12 {
				t.Errorf("gradient of point %d (now %d) changed by %g", i, k, d)
			}
		}
	}
}
