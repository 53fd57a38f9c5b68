package linalg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// BLASInfo describes the BLAS behind gonum in this process.
type BLASInfo struct {
	Backend string `json:"backend"`          // Backend
	Config  string `json:"config,omitempty"` // OpenBLAS's build configuration (openblas_get_config)
	Core    string `json:"core,omitempty"`   // OpenBLAS's kernel set (openblas_get_corename), e.g. "Haswell"
	Choice  string `json:"choice"`           // how the core was chosen (see Start)
	Threads int    `json:"threads"`          // OpenBLAS's threads (GOMAXPROCS in the pure-Go build)
	CPU     string `json:"cpu_features"`     // the CPU features that decide the core, e.g. "avx avx2 fma"
	// SgemmGFLOPS is the measured float32 matrix-multiply rate (see
	// MeasureSgemm); 0 when not measured.
	SgemmGFLOPS float64 `json:"sgemm_gflops,omitempty"`
}

// Info describes the BLAS in use; it does not measure its speed.
func Info() BLASInfo {
	core, config, threads := libraryCore()
	choice := Choice()
	if choice == "" { // Start was not called
		choice = core + ", the library's choice"
		if !Native {
			choice = "pure Go (no OpenBLAS core)"
		}
	}
	return BLASInfo{Backend: Backend, Config: config, Core: core, Choice: choice, Threads: threads, CPU: HostFeatures().String()}
}

// String is a one-line summary, e.g. "OpenBLAS (netlib cgo), core Zen
// (the library's choice), 2 threads, sgemm 180 GFLOP/s".
func (b BLASInfo) String() string {
	var s strings.Builder
	s.WriteString(b.Backend)
	if b.Core != "" {
		fmt.Fprintf(&s, ", core %s", b.Core)
	}
	if c, ok := strings.CutPrefix(b.Choice, b.Core+", "); ok && b.Core != "" {
		fmt.Fprintf(&s, " (%s)", c)
	}
	fmt.Fprintf(&s, ", %d threads", b.Threads)
	if b.SgemmGFLOPS > 0 {
		fmt.Fprintf(&s, ", sgemm %.0f GFLOP/s", b.SgemmGFLOPS)
	}
	return s.String()
}

// MeasureSgemm returns the float32 GEMM rate in GFLOP/s: the best of three
// 1024×1024 · 1024×1024 products after one warm-up (about 0.1 s on a
// 2-core machine with OpenBLAS, a few seconds with the pure-Go BLAS, where
// it measures 512×512 products instead).
func MeasureSgemm() float64 {
	n := 1024
	if !Native {
		n = 512
	}
	a, b, c := randGeneral(n, n, 1), randGeneral(n, n, 2), randGeneral(n, n, 3)
	best := math.Inf(1)
	for i := range 4 {
		start := time.Now()
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, a, b, 0, c)
		if d := time.Since(start).Seconds(); i > 0 && d < best {
			best = d
		}
	}
	return 2 * float64(n) * float64(n) * float64(n) / best / 1e9
}

func randGeneral(r, c int, seed uint64) blas32.General {
	rng := rand.New(rand.NewPCG(seed, 17))
	g := blas32.General{Rows: r, Cols: c, Stride: c, Data: make([]float32, r*c)}
	for i := range g.Data {
		g.Data[i] = float32(rng.Float64()*2 - 1)
	}
	return g
}

// SelfCheck multiplies small random matrices with the BLAS in use — sgemm
// in all four transpose combinations and dgemm — and compares every entry
// with a float64 reference. It returns an error naming the first entry
// off by more than the rounding bound k·u·Σ|a·b| (u the unit roundoff of
// the type, k the inner dimension), or if any result is not finite.
func SelfCheck() error {
	const m, n, k = 37, 29, 300
	for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		ta, tb := tr[0], tr[1]
		a, b := randGeneral(dims(m, k, ta)), randGeneral(dims(k, n, tb))
		c := randGeneral(m, n, 9) // stale values: beta = 0 must overwrite them
		blas32.Gemm(op(ta), op(tb), 1, a, b, 0, c)
		at := func(g blas32.General, t bool, i, j int) float64 {
			if t {
				i, j = j, i
			}
			return float64(g.Data[i*g.Stride+j])
		}
		for i := range m {
			for j := range n {
				want, abs := 0.0, 0.0
				for p := range k {
					x := at(a, ta, i, p) * at(b, tb, p, j)
					want += x
					abs += math.Abs(x)
				}
				got := float64(c.Data[i*c.Stride+j])
				if !(math.Abs(got-want) <= k*0x1p-24*abs+1e-30) {
					return fmt.Errorf("sgemm (transA %v, transB %v) entry (%d, %d) = %g, want %g", ta, tb, i, j, got, want)
				}
			}
		}
	}
	a32, b32 := randGeneral(m, k, 4), randGeneral(k, n, 5)
	a, b := toF64(a32), toF64(b32)
	c := blas64.General{Rows: m, Cols: n, Stride: n, Data: make([]float64, m*n)}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, a, b, 0, c)
	for i := range m {
		for j := range n {
			want, abs := 0.0, 0.0
			for p := range k {
				x := a.Data[i*k+p] * b.Data[p*n+j]
				want += x
				abs += math.Abs(x)
			}
			if got := c.Data[i*n+j]; !(math.Abs(got-want) <= 2*k*0x1p-53*abs+1e-300) {
				return fmt.Errorf("dgemm entry (%d, %d) = %g, want %g", i, j, got, want)
			}
		}
	}
	return nil
}

// dims returns the stored shape of an r×c operand (c×r when transposed)
// and a seed for its values.
func dims(r, c int, trans bool) (int, int, uint64) {
	if trans {
		return c, r, uint64(r*1000 + c + 1)
	}
	return r, c, uint64(r*1000 + c)
}

func op(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

func toF64(g blas32.General) blas64.General {
	d := make([]float64, len(g.Data))
	for i, v := range g.Data {
		d[i] = float64(v)
	}
	return blas64.General{Rows: g.Rows, Cols: g.Cols, Stride: g.Stride, Data: d}
}

// mergeEnv returns env ("KEY=value" entries) with the variables of set
// replaced, added, or removed where their value is "".
func mergeEnv(env []string, set map[string]string) []string {
	out := make([]string, 0, len(env)+len(set))
	for _, e := range env {
		k, _, _ := strings.Cut(e, "=")
		if _, ok := set[k]; !ok {
			out = append(out, e)
		}
	}
	for k, v := range set {
		if v != "" {
			out = append(out, k+"="+v)
		}
	}
	return out
}
