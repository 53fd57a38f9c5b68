package glrm

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/internal/cancelctx"
	"embedscope/ml/progress"
)

func TestMask(t *testing.T) {
	m, err := RandomMask(37, 11, 0.2, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Missing(), int(math.Round(0.2*37*11)); got != want {
		t.Errorf("RandomMask hid %d entries, want %d", got, want)
	}
	again, _ := RandomMask(37, 11, 0.2, 5)
	other, _ := RandomMask(37, 11, 0.2, 6)
	same, differ := true, false
	for i := 0; i < 37; i++ {
		for j := 0; j < 11; j++ {
			same = same && m.Observed(i, j) == again.Observed(i, j)
			differ = differ || m.Observed(i, j) != other.Observed(i, j)
		}
	}
	if !same || !differ {
		t.Errorf("RandomMask: same seed same mask %v, other seed other mask %v", same, differ)
	}
	if all, _ := RandomMask(3, 4, 1, 1); all.Missing() != 12 {
		t.Errorf("fraction 1 hid %d of 12", all.Missing())
	}
	if _, err := RandomMask(3, 4, 1.5, 1); err == nil {
		t.Error("fraction 1.5 accepted")
	}

	n := NewMask(2, 3)
	n.Hide(1, 2)
	n.Hide(0, 0)
	n.Show(0, 0)
	if n.Missing() != 1 || n.Observed(1, 2) || !n.Observed(0, 0) {
		t.Error("Hide/Show/Observed disagree")
	}
	var none *Mask
	if !none.Observed(5, 5) || none.Missing() != 0 {
		t.Error("a nil mask must observe everything")
	}

	X := blas32.General{Rows: 2, Cols: 2, Stride: 2, Data: []float32{1, float32(math.NaN()), 3, 4}}
	if nm := NaNMask(X); nm == nil || nm.Missing() != 1 || nm.Observed(0, 1) {
		t.Error("NaNMask did not hide exactly the NaN")
	}
	if NaNMask(blas32.General{Rows: 1, Cols: 1, Stride: 1, Data: []float32{0}}) != nil {
		t.Error("NaNMask of clean data is not nil")
	}
}

// TestLists compares the row and column lists with the mask, for lines that
// list their missing and lines that list their observed positions.
func TestLists(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	n, d := 40, 30
	m := NewMask(n, d)
	for i := 0; i < n; i++ {
		p := float64(i) / float64(n) // rows from fully observed to mostly hidden
		for j := 0; j < d-1; j++ {
			if rng.Float64() < p {
				m.Hide(i, j)
			}
		}
	}
	rows, cols, err := buildLists(m, true)
	if err != nil {
		t.Fatal(err)
	}
	check := func(l *lists, lines, length int, obs func(r, p int) bool, what string) {
		kinds := map[bool]int{}
		for r := 0; r < lines; r++ {
			listed := map[int]bool{}
			for _, p := range l.list(r) {
				listed[int(p)] = true
			}
			kinds[l.observed[r]]++
			count := 0
			for p := 0; p < length; p++ {
				if obs(r, p) {
					count++
				}
				if listed[p] != (obs(r, p) == l.observed[r]) {
					t.Fatalf("%s %d position %d: listed %v, observed %v, list kind %v", what, r, p, listed[p], obs(r, p), l.observed[r])
				}
			}
			if l.observedCount(r, length) != count {
				t.Fatalf("%s %d: observedCount %d, want %d", what, r, l.observedCount(r, length), count)
			}
		}
		if kinds[true] == 0 || kinds[false] == 0 {
			t.Errorf("%s lists of one kind only: %v", what, kinds)
		}
	}
	check(rows, n, d, func(r, p int) bool { return m.Observed(r, p) }, "row")
	check(cols, d, n, func(r, p int) bool { return m.Observed(p, r) }, "column")
}

// TestGramPaths checks the syrk and the dot-product Gram matrices against
// each other, for lists of observed and of missing positions.
func TestGramPaths(t *testing.T) {
	const k, rowsF = 5, 300
	rng := rand.New(rand.NewPCG(2, 2))
	f := make([]float64, rowsF*k)
	for i := range f {
		f[i] = rng.NormFloat64()
	}
	full := gramOf(f, rowsF, k)
	l := &lists{ptr: []int{0, 40, 290}, observed: []bool{true, false}, maxLen: 250}
	for i := 0; i < 290; i++ {
		l.idx = append(l.idx, int32(rng.IntN(rowsF)))
	}
	s := newLineSolver(k, 0, false, l)
	s.reset(f, full)
	s.gather = make([]float64, 17*k) // several gathers per line
	for r := 0; r < 2; r++ {
		want := make([]float64, k*k)
		if !l.observed[r] {
			copy(want, full)
		}
		sign := map[bool]float64{true: 1, false: -1}[l.observed[r]]
		for _, j := range l.list(r) {
			for p := 0; p < k; p++ {
				for q := 0; q < k; q++ {
					want[p*k+q] += sign * f[int(j)*k+p] * f[int(j)*k+q]
				}
			}
		}
		goG := append([]float64(nil), s.gramGo(s.scratch[0], r)...)
		blasG := make([]float64, k*k)
		s.gramBLAS(r, blasG)
		for p := 0; p < k; p++ {
			for q := p; q < k; q++ {
				w := want[p*k+q]
				if math.Abs(goG[p*k+q]-w) > 1e-10*(1+math.Abs(w)) || math.Abs(blasG[p*k+q]-w) > 1e-10*(1+math.Abs(w)) {
					t.Fatalf("line %d (%d,%d): go %v, syrk %v, want %v", r, p, q, goG[p*k+q], blasG[p*k+q], w)
				}
			}
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	X := noisy(10, 6, 2, 0.1, 0, 1)
	fit := func(g GLRM, X blas32.General, m *Mask) error { _, err := g.Fit(ctx, X, m); return err }
	rowGone := NewMask(10, 6)
	colGone := NewMask(10, 6)
	for j := 0; j < 6; j++ {
		rowGone.Hide(3, j)
	}
	for i := 0; i < 10; i++ {
		colGone.Hide(i, 4)
	}
	nan := noisy(10, 6, 2, 0.1, 0, 1)
	nan.Data[2*6+5] = float32(math.NaN())
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"k=0", fit(GLRM{K: 0}, X, nil), "rank 0"},
		{"k=d", fit(GLRM{K: 6}, X, nil), "rank 6"},
		{"γ<0", fit(GLRM{K: 2, GammaA: -1}, X, nil), "regularisation"},
		{"MaxIter<0", fit(GLRM{K: 2, MaxIter: -1}, X, nil), "MaxIter"},
		{"Tol NaN", fit(GLRM{K: 2, Tol: math.NaN()}, X, nil), "Tol"},
		{"empty row", fit(GLRM{K: 2}, X, rowGone), "row 3 has no observed"},
		{"empty column", fit(GLRM{K: 2}, X, colGone), "column 4 has no observed"},
		{"NaN", fit(GLRM{K: 2}, nan, nil), "row 2, column 5 is NaN"},
		{"mask size", fit(GLRM{K: 2}, X, NewMask(6, 10)), "mask is 6×10"},
		{"no data", fit(GLRM{K: 1}, blas32.General{}, nil), "0×0"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, c.err, c.want)
		}
	}

	hidden := NewMask(10, 6)
	hidden.Hide(2, 5)
	m, err := GLRM{K: 2}.Fit(ctx, nan, hidden)
	if err != nil {
		t.Fatalf("NaN in a hidden entry: %v", err)
	}
	if _, err := m.Transform(ctx, noisy(3, 5, 1, 0, 0, 1), nil); err == nil || !strings.Contains(err.Error(), "5 features") {
		t.Errorf("Transform with 5 features: %v", err)
	}
	gone := NewMask(2, 6)
	for j := 0; j < 6; j++ {
		gone.Hide(1, j)
	}
	if _, err := m.Transform(ctx, noisy(2, 6, 1, 0, 0, 1), gone); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("Transform of an empty row: %v", err)
	}
	// A column with no entries is fine in Transform.
	colOnly := NewMask(2, 6)
	colOnly.Hide(0, 1)
	colOnly.Hide(1, 1)
	if _, err := m.Transform(ctx, noisy(2, 6, 1, 0, 0, 1), colOnly); err != nil {
		t.Errorf("Transform with an empty column: %v", err)
	}
	if _, err := m.Transform(ctx, nan, nil); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("Transform of NaN: %v", err)
	}
}

func TestCancelAndProgress(t *testing.T) {
	X := noisy(300, 40, 5, 1, 0, 2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (GLRM{K: 3}).Fit(ctx, X, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}
	// Cancelled during the fit, at checks spread over 20 iterations: a fit
	// without end (MaxIter 2³⁰, no tolerance) returns the cancellation
	// after a few more checks; one that ignored it fails Within's deadline
	// instead of hanging.
	whole := cancelctx.New(math.MaxInt)
	if _, err := (GLRM{K: 3, MaxIter: 20, Tol: -1}).Fit(whole, X, nil); err != nil {
		t.Fatal(err)
	}
	calls := whole.Calls()
	for _, at := range []int{1, calls / 4, calls / 2, calls - 1} {
		ctx := cancelctx.New(at)
		err := cancelctx.Within(t, 5*time.Minute, "GLRM.Fit", func() error {
			_, err := (GLRM{K: 3, MaxIter: 1 << 30, Tol: -1}).Fit(ctx, X, nil)
			return err
		})
		if !errors.Is(err, context.Canceled) || ctx.After() > runtime.GOMAXPROCS(0)+4 {
			t.Errorf("cancelled at check %d of %d: %v after %d more checks", at, calls, err, ctx.After())
		}
	}

	tr := progress.New()
	m, err := GLRM{K: 3, Progress: tr}.Fit(context.Background(), X, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := tr.Snapshot()
	if s.Stage != "GLRM k=3" || s.Done != float64(m.Iterations) || !strings.Contains(s.Detail, "objective") {
		t.Errorf("progress %+v after %d iterations", s, m.Iterations)
	}
	if !m.Converged || m.Iterations != len(m.Objective) || m.K() != 3 {
		t.Errorf("converged %v, %d iterations, %d objectives, K %d", m.Converged, m.Iterations, len(m.Objective), m.K())
	}
}
