package glrm

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"
)

func TestExactRecoveryFull(t *testing.T) {
	X := lowRank(200, 50, 5, 1)
	m, err := GLRM{K: 5, MaxIter: 50, Tol: -1}.Fit(context.Background(), X, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := sumSq(X)
	if last := m.Objective[len(m.Objective)-1]; last > 1e-12*total {
		t.Errorf("final objective %g, want ~0 (‖X‖² = %g)", last, total)
	}
	res, _ := residual(X, m.Reconstruct(), func(i, j int) bool { return true })
	if res > 1e-10*total {
		t.Errorf("‖X − AY‖² = %g, want ~0 (‖X‖² = %g)", res, total)
	}
}

func TestExactRecoveryMasked(t *testing.T) {
	X := lowRank(200, 50, 4, 2)
	mask, err := RandomMask(200, 50, 0.3, 5)
	if err != nil {
		t.Fatal(err)
	}
	m, err := GLRM{K: 4, MaxIter: 500, Tol: 1e-15}.Fit(context.Background(), X, mask)
	if err != nil {
		t.Fatal(err)
	}
	hidden := func(i, j int) bool { return !mask.Observed(i, j) }
	res, c := residual(X, m.Reconstruct(), hidden)
	ref, _ := residual(X, blas32.General{Rows: 200, Cols: 50, Stride: 50, Data: make([]float32, 200*50)}, hidden)
	if c != 3000 {
		t.Fatalf("%d hidden entries, want 3000", c)
	}
	if res > 1e-10*ref {
		t.Errorf("hidden entries: ‖x − a·y‖² = %g against ‖x‖² = %g (%d iterations)", res, ref, m.Iterations)
	}
	imp := m.Impute(X, mask)
	res2, _ := residual(X, imp, hidden)
	if res2 > 1e-10*ref {
		t.Errorf("Impute: hidden error %g", res2)
	}
	obs, _ := residual(X, imp, func(i, j int) bool { return mask.Observed(i, j) })
	if obs != 0 {
		t.Errorf("Impute changed observed entries (%g)", obs)
	}
}

// TestExactRecoveryLongLists hides 45 % of a tall matrix so that every
// column lists more than blasMinList rows: with a native BLAS their Gram
// matrices go through syrk.
func TestExactRecoveryLongLists(t *testing.T) {
	X := lowRank(2600, 24, 2, 3)
	mask, _ := RandomMask(2600, 24, 0.45, 4)
	m, err := GLRM{K: 2, MaxIter: 500, Tol: 1e-15}.Fit(context.Background(), X, mask)
	if err != nil {
		t.Fatal(err)
	}
	hidden := func(i, j int) bool { return !mask.Observed(i, j) }
	res, _ := residual(X, m.Reconstruct(), hidden)
	ref, _ := residual(X, blas32.General{Rows: 2600, Cols: 24, Stride: 24, Data: make([]float32, 2600*24)}, hidden)
	if res > 1e-9*ref {
		t.Errorf("hidden entries: error %g against %g (%d iterations)", res, ref, m.Iterations)
	}
}

// noisy returns a rank-r matrix plus N(0, σ²) noise, shifted by shift.
func noisy(n, d, r int, sigma, shift float64, seed uint64) blas32.General {
	X := lowRank(n, d, r, seed)
	rng := rand.New(rand.NewPCG(seed, 99))
	for i := range X.Data {
		X.Data[i] += float32(sigma*rng.NormFloat64() + shift)
	}
	return X
}

func TestObjectiveNeverIncreases(t *testing.T) {
	X := noisy(120, 30, 4, 0.5, 0, 3)
	Xpos := noisy(120, 30, 4, 0.5, 0, 3)
	for i, v := range Xpos.Data {
		Xpos.Data[i] = float32(math.Abs(float64(v)))
	}
	mask, _ := RandomMask(120, 30, 0.25, 9)
	for _, c := range []struct {
		name string
		g    GLRM
		X    blas32.General
	}{
		{"plain", GLRM{K: 6}, X},
		{"ridge", GLRM{K: 6, GammaA: 3, GammaY: 0.5}, X},
		{"ridgeA", GLRM{K: 6, GammaA: 3}, X},
		{"nonnegA", GLRM{K: 6, GammaA: 1, GammaY: 1, NonNegA: true}, X},
		{"nonnegY", GLRM{K: 6, NonNegY: true}, X},
		{"nmf", GLRM{K: 6, GammaA: 0.1, GammaY: 0.1, NonNegA: true, NonNegY: true}, Xpos},
	} {
		for _, mk := range []*Mask{nil, mask} {
			g := c.g
			g.MaxIter, g.Tol, g.Seed = 60, -1, 4
			m, err := g.Fit(context.Background(), c.X, mk)
			if err != nil {
				t.Fatal(c.name, err)
			}
			o := m.Objective
			for i := 1; i < len(o); i++ {
				if o[i] > o[i-1]*(1+1e-12) {
					t.Errorf("%s (masked %v): objective rose at iteration %d: %.15g → %.15g", c.name, mk != nil, i+1, o[i-1], o[i])
				}
			}
			if o[len(o)-1] >= o[0] {
				t.Errorf("%s: objective did not fall: %v", c.name, o)
			}
			// The last entry is the objective of the returned (float32) pair.
			if got, want := objective(c.X, mk, m, g.GammaA, g.GammaY), o[len(o)-1]; math.Abs(got-want) > 1e-5*want {
				t.Errorf("%s (masked %v): objective of the model %.10g, recorded %.10g", c.name, mk != nil, got, want)
			}
		}
	}
}

// objective computes f(A, Y) of a model directly from its definition.
func objective(X blas32.General, mask *Mask, m *Model, gammaA, gammaY float64) float64 {
	R := m.Reconstruct()
	loss, _ := residual(X, R, func(i, j int) bool { return mask.Observed(i, j) })
	return loss + gammaA*sumSq(m.A) + gammaY*sumSq(m.Y)
}

// TestClosedFormTiny checks a case worked by hand. For X = [3 4] (one row,
// two features) and rank 1 the model is x ≈ a·y. With y = t·u for the unit
// u = (0.6, 0.8) (any other direction only adds loss) the optimal steps are
//
//	a = yᵀx/(‖y‖² + γ_A) = 5t/(t² + γ_A),  t = a·5/(a² + γ_Y).
//
// With γ_A = γ_Y = 1 the fixed point with a, t > 0 has a = t and
// 5/(t² + 1) = 1, so a = t = 2, a·y = 4u = (2.4, 3.2) and
// f = ‖(0.6, 0.8)‖² + a² + ‖y‖² = 1 + 4 + 4 = 9. In general the optimum
// soft-thresholds the singular value σ = 5 by λ = √(γ_Aγ_Y) with the factors
// balanced, γ_A a² = γ_Y t²: with γ_A = 4, γ_Y = 1 that is a·t = 5 − 2 = 3,
// t = 2a, so a² = 1.5, a·y = 3u = (1.8, 2.4) and f = 2² + 4·1.5 + 6 = 16.
func TestClosedFormTiny(t *testing.T) {
	X := blas32.General{Rows: 1, Cols: 2, Stride: 2, Data: []float32{3, 4}}
	for _, c := range []struct {
		gA, gY, a2, f float64
		ay            [2]float64
	}{
		{1, 1, 4, 9, [2]float64{2.4, 3.2}},
		{4, 1, 1.5, 16, [2]float64{1.8, 2.4}},
	} {
		for seed := uint64(0); seed < 3; seed++ {
			m, err := GLRM{K: 1, GammaA: c.gA, GammaY: c.gY, Tol: 1e-14, Seed: seed}.Fit(context.Background(), X, nil)
			if err != nil {
				t.Fatal(err)
			}
			a := float64(m.A.Data[0])
			y := []float64{float64(m.Y.Data[0]), float64(m.Y.Data[1])}
			f := m.Objective[len(m.Objective)-1]
			if math.Abs(f-c.f) > 1e-9 || math.Abs(a*a-c.a2) > 1e-5 ||
				math.Abs(a*y[0]-c.ay[0]) > 1e-5 || math.Abs(a*y[1]-c.ay[1]) > 1e-5 {
				t.Errorf("γ = %v, %v, seed %d: a = %v, y = %v, f = %v; want a² = %v, ay = %v, f = %v",
					c.gA, c.gY, seed, a, y, f, c.a2, c.ay, c.f)
			}
		}
	}
}

// spectral returns a float32 n×d matrix with singular values 10·0.6^i and
// random singular vectors.
func spectral(n, d int, seed uint64) blas32.General {
	rng := rand.New(rand.NewPCG(seed, 3))
	orth := func(r int) *mat.Dense {
		g := mat.NewDense(r, d, nil)
		for i := 0; i < r; i++ {
			for j := 0; j < d; j++ {
				g.Set(i, j, rng.NormFloat64())
			}
		}
		var qr mat.QR
		qr.Factorize(g)
		var q mat.Dense
		qr.QTo(&q)
		return mat.DenseCopyOf(q.Slice(0, r, 0, d))
	}
	u, v := orth(n), orth(d)
	s := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		s.Set(i, i, 10*math.Pow(0.6, float64(i)))
	}
	var x mat.Dense
	x.Product(u, s, v.T())
	X := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			X.Data[i*d+j] = float32(x.At(i, j))
		}
	}
	return X
}

// TestAgreesWithSVD compares the fitted objective with the optimum from the
// singular values (gonum mat.SVD of the float32 data): Σ_{i>k} σ_i² for
// γ = 0 (Eckart–Young), and with λ = √(γ_Aγ_Y) the soft-thresholded
// Σ_{i≤k} [λ² + 2λ(σ_i − λ)] + Σ_{i>k} σ_i² when every σ_i > λ for i ≤ k.
func TestAgreesWithSVD(t *testing.T) {
	X := spectral(40, 15, 1)
	xd := mat.NewDense(40, 15, nil)
	for i := 0; i < 40; i++ {
		for j := 0; j < 15; j++ {
			xd.Set(i, j, float64(X.Data[i*15+j]))
		}
	}
	var svd mat.SVD
	if !svd.Factorize(xd, mat.SVDNone) {
		t.Fatal("SVD failed")
	}
	sv := svd.Values(nil)
	const k = 4
	for _, c := range []struct{ gA, gY float64 }{{0, 0}, {2, 0.5}, {0.3, 0.3}} {
		lambda := math.Sqrt(c.gA * c.gY)
		want := 0.0
		for i, s := range sv {
			if i < k {
				want += lambda*lambda + 2*lambda*(s-lambda)
			} else {
				want += s * s
			}
		}
		m, err := GLRM{K: k, GammaA: c.gA, GammaY: c.gY, MaxIter: 200, Tol: 1e-15, Seed: 7}.Fit(context.Background(), X, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := m.Objective[len(m.Objective)-1]
		if math.Abs(got-want) > 1e-9*want {
			t.Errorf("γ = %v, %v: objective %.12g, optimum %.12g (%d iterations)", c.gA, c.gY, got, want, m.Iterations)
		}
		if direct := objective(X, nil, m, c.gA, c.gY); math.Abs(direct-want) > 1e-5*want {
			t.Errorf("γ = %v, %v: objective of the float32 model %.8g, optimum %.8g", c.gA, c.gY, direct, want)
		}
	}
}

func TestNonNegative(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	X := blas32.General{Rows: 80, Cols: 20, Stride: 20, Data: make([]float32, 1600)}
	for i := range X.Data {
		X.Data[i] = float32(rng.Float64())
	}
	mask, _ := RandomMask(80, 20, 0.2, 2)
	for _, c := range []struct{ a, y bool }{{true, true}, {true, false}, {false, true}} {
		for _, mk := range []*Mask{nil, mask} {
			g := GLRM{K: 5, GammaA: 0.5, GammaY: 0.5, NonNegA: c.a, NonNegY: c.y, MaxIter: 300, Tol: 1e-10}
			m, err := g.Fit(context.Background(), X, mk)
			if err != nil {
				t.Fatal(err)
			}
			negA, negY := slices.Min(m.A.Data) < 0, slices.Min(m.Y.Data) < 0
			if (c.a && negA) || (c.y && negY) {
				t.Errorf("NonNeg %v: min A %v, min Y %v", c, slices.Min(m.A.Data), slices.Min(m.Y.Data))
			}
			if c.a && !c.y && !negY {
				t.Logf("NonNegA only: Y happens to be ≥ 0")
			}
			checkKKT(t, X, mk, m, g.GammaA, c.a)
		}
	}
}

// checkKKT checks that each row of A is optimal for Y: with G = Σ_obs y_j y_jᵀ
// + γI and b = Σ_obs x_j y_j the gradient g = G·a − b is 0 (free or a_p > 0)
// or ≥ 0 (a_p = 0 under the constraint).
func checkKKT(t *testing.T, X blas32.General, mask *Mask, m *Model, gamma float64, nonneg bool) {
	t.Helper()
	k, d := m.Y.Rows, m.Y.Cols
	worst := 0.0
	for i := 0; i < X.Rows; i++ {
		g := make([]float64, k*k)
		b := make([]float64, k)
		for j := 0; j < d; j++ {
			if !mask.Observed(i, j) {
				continue
			}
			for p := 0; p < k; p++ {
				yp := float64(m.Y.Data[p*d+j])
				b[p] += float64(X.Data[i*d+j]) * yp
				for q := 0; q < k; q++ {
					g[p*k+q] += yp * float64(m.Y.Data[q*d+j])
				}
			}
		}
		scale := 1.0
		for p := 0; p < k; p++ {
			g[p*k+p] += gamma
			scale = math.Max(scale, math.Abs(b[p]))
		}
		for p := 0; p < k; p++ {
			grad := -b[p]
			for q := 0; q < k; q++ {
				grad += g[p*k+q] * float64(m.A.Data[i*k+q])
			}
			viol := math.Abs(grad)
			if nonneg && m.A.Data[i*k+p] == 0 {
				viol = math.Max(0, -grad)
			}
			worst = math.Max(worst, viol/scale)
		}
	}
	if worst > 1e-5 {
		t.Errorf("KKT violation %g (relative to ‖b‖∞)", worst)
	}
}

func TestTransformGivesA(t *testing.T) {
	X := noisy(150, 25, 3, 0.3, 1, 5)
	mask, _ := RandomMask(150, 25, 0.2, 6)
	for _, g := range []GLRM{{K: 3}, {K: 3, GammaA: 2, GammaY: 1}, {K: 3, GammaA: 1, GammaY: 1, NonNegA: true}} {
		for _, mk := range []*Mask{nil, mask} {
			g.Tol = 1e-8
			m, err := g.Fit(context.Background(), X, mk)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Transform(context.Background(), X, mk)
			if err != nil {
				t.Fatal(err)
			}
			scale := 0.0
			for _, v := range m.A.Data {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			for i, v := range got.Data {
				if math.Abs(float64(v-m.A.Data[i])) > 1e-4*scale {
					t.Fatalf("%+v masked %v: Transform entry %d = %v, A has %v", g, mk != nil, i, v, m.A.Data[i])
				}
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	X := noisy(100, 20, 3, 0.2, 0, 1)
	mask, _ := RandomMask(100, 20, 0.3, 1)
	for _, g := range []GLRM{{K: 4, Seed: 3}, {K: 4, Seed: 3, GammaA: 1, GammaY: 1, NonNegA: true}} {
		a, err := g.Fit(context.Background(), X, mask)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := g.Fit(context.Background(), X, mask)
		if !slices.Equal(a.A.Data, b.A.Data) || !slices.Equal(a.Y.Data, b.Y.Data) || !slices.Equal(a.Objective, b.Objective) {
			t.Errorf("%+v: two fits with the same seed differ", g)
		}
		g.Seed++
		c, _ := g.Fit(context.Background(), X, mask)
		if slices.Equal(a.A.Data, c.A.Data) {
			t.Errorf("%+v: seeds 3 and 4 gave the same A", g)
		}
	}
}

// TestInverseTransformByHand: A·Y for a hand model (rank 2, 3 features), for
// a strided A, and for no rows at all (an empty selection: a 0×3 result, no
// BLAS call on an empty matrix).
//
//	np.array([[1, 2], [0, -1]]) @ np.array([[1, 0, 2], [3, 1, -1]])  # [[7, 2, 0], [-3, -1, 1]]
func TestInverseTransformByHand(t *testing.T) {
	m := &Model{Y: blas32.General{Rows: 2, Cols: 3, Stride: 3, Data: []float32{1, 0, 2, 3, 1, -1}}}
	got := m.InverseTransform(blas32.General{Rows: 2, Cols: 2, Stride: 3, Data: []float32{1, 2, 99, 0, -1, 99}})
	if want := []float32{7, 2, 0, -3, -1, 1}; got.Rows != 2 || got.Cols != 3 || !slices.Equal(got.Data, want) {
		t.Errorf("A·Y = %d×%d %v, want 2×3 %v", got.Rows, got.Cols, got.Data, want)
	}
	if e := m.InverseTransform(blas32.General{Cols: 2}); e.Rows != 0 || e.Cols != 3 || len(e.Data) != 0 {
		t.Errorf("no rows: %d×%d with %d values", e.Rows, e.Cols, len(e.Data))
	}
}
