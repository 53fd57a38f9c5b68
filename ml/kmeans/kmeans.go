// Package kmeans clusters the rows of a float32 feature matrix with k-means
// (Lloyd's algorithm), in the configure-fit-predict shape of scikit-learn's
// sklearn.cluster.KMeans (algorithm "lloyd").
//
// Each restart seeds k centres (greedy k-means++ by default, as sklearn does)
// and then alternates two steps until it converges:
//
//   - assignment: every row goes to its nearest centre by squared Euclidean
//     distance, the smallest ‖c‖² − 2x·c with the dot product x·c in
//     float32; ties go to the lowest centre index. For K ≤ 32 the products,
//     the argmin and the sums of the update are fused in one pass over the
//     rows on all cores (vek32.Dot, AVX2 where available, in both builds),
//     and from the second iteration on, rows whose label provably cannot
//     change are skipped with Hamerly's distance bounds (see prune.go; the
//     final assignment is always a full one). For larger K the products of
//     blocks of rows come from linalg.MulABt (OpenBLAS sgemm unless built
//     with the purego tag);
//   - update: every centre becomes the mean of its rows, summed in float64
//     (for K ≤ 32 the rows of a cluster are first added in float32 in runs of
//     up to 64 rows, a relative error of at most 64·2⁻²⁴ per run, and later
//     iterations move only the rows that changed cluster between the
//     float64 sums). A centre left with no rows is moved onto a far row (see
//     KMeans.Fit for the exact rule).
//
// The float32 products make the squared distances exact to about
// d·2⁻²⁴·‖x‖·‖c‖: a row that close to a tie between two centres may go to
// either. Centring the data (as sklearn does internally) shrinks this for
// data far from the origin.
//
// A restart stops when an assignment leaves every label as it was, when
// the update moves the centres by a total squared distance of at most
// Tol × (mean per-feature variance of X), or after MaxIter iterations, the
// tests and their order being sklearn's. The restart with the lowest inertia
// (sum of squared distances of the rows to their centres, in float64) is
// kept.
//
// Results depend only on the data, the settings and (for K > 32, where the
// products come from sgemm) the BLAS in use, not on GOMAXPROCS: every
// parallel sum is combined in a fixed order.
package kmeans

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas32"

	_ "embedscope/ml/linalg" // route gonum BLAS to OpenBLAS unless built with purego
	"embedscope/ml/progress"
)

// Init selects how a restart seeds its centres.
type Init int

const (
	// PlusPlus is sklearn's greedy k-means++ (Arthur and Vassilvitskii
	// 2007): the first centre is a uniformly random row; each further centre
	// is the best of 2+⌊ln k⌋ candidate rows, drawn with probability
	// proportional to their squared distance to the nearest centre chosen so
	// far, "best" meaning the one that leaves the smallest sum of those
	// squared distances.
	PlusPlus Init = iota
	// Random takes k distinct rows chosen uniformly at random.
	Random
)

var initNames = []string{"k-means++", "random"}

// String returns the name sklearn gives the method.
func (i Init) String() string {
	if i < 0 || int(i) >= len(initNames) {
		return fmt.Sprintf("Init(%d)", int(i))
	}
	return initNames[i]
}

// Defaults of the zero KMeans fields, sklearn's.
const (
	DefaultMaxIter = 300
	DefaultTol     = 1e-4
)

// KMeans configures a k-means clustering. The zero values of NInit, MaxIter
// and Tol stand for their defaults.
type KMeans struct {
	// K is the number of clusters, 1..number of rows. It may be left 0 when
	// InitCenters is given.
	K int
	// Init is the seeding method of each restart; PlusPlus by default.
	Init Init
	// InitCenters, when it has rows, holds the initial centres (K×d) and
	// replaces Init; there is then a single restart, whatever NInit says
	// (as sklearn does for an array init).
	InitCenters blas32.General
	// NInit is the number of restarts, each seeded differently; the one with
	// the lowest inertia is kept. Default 1.
	NInit int
	// MaxIter is the largest number of Lloyd iterations per restart.
	// Default 300.
	MaxIter int
	// Tol is the centre-shift tolerance relative to the data: a restart
	// stops once the sum over centres of the squared distance each moved in
	// one iteration is at most Tol × (mean over features of the population
	// variance of that feature). Default 1e-4; a negative Tol disables this
	// test (iterations then stop only on stable labels or MaxIter).
	Tol float64
	// Seed seeds the restarts: restart r draws from a PCG generator seeded
	// with (Seed, r), so restart r is the same whatever NInit is.
	Seed uint64
	// Progress, if not nil, receives the stage "k-means", the fraction of
	// restarts done, and a Detail line with the restart, the iteration and
	// the inertia.
	Progress *progress.Tracker
}

// Model is a fitted k-means clustering. It is not modified after Fit and is
// safe for concurrent use.
type Model struct {
	// Centers holds the cluster centres as rows (K×d) after the last
	// update: the float64 means of the rows assigned to them by the last
	// assignment (relocations aside), rounded to float32.
	Centers blas32.General
	// Labels holds the cluster (0..K−1) of each training row: its nearest
	// centre among Centers (ties to the lowest index), as Predict gives it.
	// When the restart stopped on Tol or MaxIter, these labels come from a
	// final assignment to Centers (as in sklearn) and may differ from those
	// that were averaged.
	Labels []int
	// Sizes holds the number of training rows in each cluster (by Labels).
	// A cluster can be empty when X has fewer than K distinct rows, or,
	// rarely, after a stop on Tol or MaxIter.
	Sizes []int
	// Inertia is Σᵢ ‖xᵢ − Centers[Labels[i]]‖² over the training rows,
	// computed in float64 from the float32 data and centres.
	Inertia float64
	// Iterations is the number of Lloyd iterations of the kept restart
	// (sklearn's n_iter_).
	Iterations int
	// Converged reports whether the kept restart stopped on stable labels
	// or on the centre-shift tolerance rather than on MaxIter.
	Converged bool
	// Restart is the index of the kept restart, and RestartInertias the
	// inertia each restart reached.
	Restart         int
	RestartInertias []float64
	// Relocated counts, over the kept restart, the times an empty cluster
	// was moved onto a far row.
	Relocated int
}

// K returns the number of clusters.
func (m *Model) K() int { return m.Centers.Rows }

// ErrNoRows is returned by Fit for a matrix with no rows.
var ErrNoRows = errors.New("kmeans: no rows to cluster")

// maxNorm2 bounds the squared norm of a row, so that float32 norms, dot
// products and distances cannot overflow.
const maxNorm2 = 1e36

// Fit clusters the rows of X into K clusters and returns the best of NInit
// restarts. X is not modified.
//
// Empty clusters are handled as sklearn does: when an update finds m
// clusters without rows, the m rows farthest from their assigned centres
// (by the distances of that assignment; among equal distances the lower row
// index first) become the new centres of those clusters, in order of
// cluster index, and each such row is taken out of its old cluster's sum.
// Unlike sklearn, a row is skipped if taking it would leave its own cluster
// empty; a cluster for which no row remains keeps its old centre. Labels
// are not changed by a relocation; the next assignment reassigns the rows.
//
// Fit returns an error for a matrix with no rows or no columns or an
// inconsistent layout, K outside 1..rows, InitCenters of the wrong shape,
// negative NInit or MaxIter, an unknown Init, NaN or infinite values (in X
// or InitCenters), rows whose squared norm exceeds 1e36, or a cancelled
// ctx (checked between chunks of rows), with ctx.Err() in the last case.
func (km KMeans) Fit(ctx context.Context, X blas32.General) (*Model, error) {
	n, d := X.Rows, X.Cols
	if n == 0 {
		return nil, ErrNoRows
	}
	if d < 1 {
		return nil, errors.New("kmeans: data has no features")
	}
	if err := checkLayout(X, "X"); err != nil {
		return nil, err
	}
	k := km.K
	hasInit := km.InitCenters.Rows > 0
	if hasInit {
		if k == 0 {
			k = km.InitCenters.Rows
		}
		if err := checkLayout(km.InitCenters, "InitCenters"); err != nil {
			return nil, err
		}
		if km.InitCenters.Rows != k || km.InitCenters.Cols != d {
			return nil, fmt.Errorf("kmeans: InitCenters is %d×%d, want %d×%d", km.InitCenters.Rows, km.InitCenters.Cols, k, d)
		}
		if _, _, err := scan(km.InitCenters, "InitCenters"); err != nil {
			return nil, err
		}
	} else if km.Init != PlusPlus && km.Init != Random {
		return nil, fmt.Errorf("kmeans: unknown init method %d", int(km.Init))
	}
	if k < 1 || k > n {
		return nil, fmt.Errorf("kmeans: %d clusters requested for %d rows, need 1..%d", k, n, n)
	}
	nInit, maxIter, tol := km.NInit, km.MaxIter, km.Tol
	if nInit < 0 || maxIter < 0 {
		return nil, fmt.Errorf("kmeans: negative NInit (%d) or MaxIter (%d)", nInit, maxIter)
	}
	if math.IsNaN(tol) {
		return nil, errors.New("kmeans: Tol is NaN")
	}
	if nInit == 0 || hasInit {
		nInit = 1
	}
	if maxIter == 0 {
		maxIter = DefaultMaxIter
	}
	if tol == 0 {
		tol = DefaultTol
	}

	xnorm, meanVar, err := scan(X, "X")
	if err != nil {
		return nil, err
	}
	tolAbs := -1.0
	if tol > 0 {
		tolAbs = tol * meanVar
	}

	tr := km.Progress
	tr.Stage("k-means", float64(nInit))
	w := newWorkspace(X, xnorm, k)
	var best *Model
	inertias := make([]float64, nInit)
	for r := 0; r < nInit; r++ {
		tr.Set(float64(r))
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if hasInit {
			w.setCenters(km.InitCenters)
		} else {
			rng := rand.New(rand.NewPCG(km.Seed, uint64(r)))
			if km.Init == Random {
				w.initRandom(rng)
			} else if err := w.initPlusPlus(ctx, rng); err != nil {
				return nil, err
			}
		}
		bestSoFar := math.Inf(1)
		if best != nil {
			bestSoFar = best.Inertia
		}
		report := func(it int, inertia float64) {
			tr.Set(float64(r) + float64(it)/float64(maxIter))
			s := fmt.Sprintf("restart %d of %d, iteration %d, inertia %.7g", r+1, nInit, it, inertia)
			if r > 0 {
				s += fmt.Sprintf(" (best %.7g)", bestSoFar)
			}
			tr.Detail(s)
		}
		m, err := w.lloyd(ctx, maxIter, tolAbs, report)
		if err != nil {
			return nil, err
		}
		inertias[r] = m.Inertia
		if best == nil || m.Inertia < best.Inertia {
			m.Restart = r
			best = m
		}
	}
	best.RestartInertias = inertias
	tr.Set(float64(nInit))
	tr.Detail(fmt.Sprintf("inertia %.7g after %d iterations (restart %d of %d)", best.Inertia, best.Iterations, best.Restart+1, nInit))
	return best, nil
}

// checkLayout reports whether the row-major layout of g is consistent.
func checkLayout(g blas32.General, what string) error {
	if g.Rows < 0 || g.Cols < 0 || g.Stride < max(g.Cols, 1) || (g.Rows > 0 && len(g.Data) < (g.Rows-1)*g.Stride+g.Cols) {
		return fmt.Errorf("kmeans: %s has an inconsistent layout (%d×%d, stride %d, %d values)", what, g.Rows, g.Cols, g.Stride, len(g.Data))
	}
	return nil
}

// scan returns the squared norm of each row of X rounded to float32 and the
// mean over the columns of their population variance, or an error naming
// the first row that holds a NaN or infinite value or whose squared norm
// exceeds maxNorm2. It is one pass over X: per fixed chunk of rows, the
// float64 sums of the rows and of their squared distances to row 0 (a
// shift that avoids cancellation), combined in chunk order; then
// mean variance = (Σᵢ‖xᵢ−x₀‖² − n‖μ−x₀‖²) / (n·d).
func scan(X blas32.General, what string) ([]float32, float64, error) {
	n, d := X.Rows, X.Cols
	norm2 := make([]float32, n)
	bad := make([]bool, n)
	maxChunks := max(1, (32<<20)/(8*d)) // 32 MB of partial column sums
	chunk := max(chunkRows, (n+maxChunks-1)/maxChunks)
	nc := (n + chunk - 1) / chunk
	colSums := make([]float64, nc*d)
	sq := make([]float64, nc)
	x0 := X.Data[:d]
	parallelChunks(n, chunk, func(ci, lo, hi int) {
		cs, s := colSums[ci*d:(ci+1)*d], 0.0
		for i := lo; i < hi; i++ {
			x := X.Data[i*X.Stride : i*X.Stride+d]
			v := sumSquares(x)
			bad[i] = !(v <= maxNorm2) // NaN and ±Inf make v NaN or +Inf
			norm2[i] = float32(v)
			s += sqDist64(x, x0)
			for j, f := range x {
				cs[j] += float64(f) - float64(x0[j])
			}
		}
		sq[ci] = s
	})
	for i, b := range bad {
		if !b {
			continue
		}
		for j, v := range X.Data[i*X.Stride : i*X.Stride+d] {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, 0, fmt.Errorf("kmeans: %s row %d, feature %d is %v", what, i, j, v)
			}
		}
		return nil, 0, fmt.Errorf("kmeans: %s row %d is too large for float32 distances (squared norm above %g)", what, i, maxNorm2)
	}
	total, shift := 0.0, 0.0
	for ci := 0; ci < nc; ci++ {
		total += sq[ci]
	}
	for j := 0; j < d; j++ {
		s := 0.0
		for ci := 0; ci < nc; ci++ {
			s += colSums[ci*d+j]
		}
		m := s / float64(n)
		shift += m * m
	}
	return norm2, max(total/float64(n)-shift, 0) / float64(d), nil
}

// sumSquares returns Σvᵢ² in float64.
func sumSquares(v []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(v); i += 4 {
		a, b, c, e := float64(v[i]), float64(v[i+1]), float64(v[i+2]), float64(v[i+3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += e * e
	}
	for ; i < len(v); i++ {
		s0 += float64(v[i]) * float64(v[i])
	}
	return (s0 + s1) + (s2 + s3)
}
