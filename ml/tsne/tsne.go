// Package tsne embeds the rows of a float32 feature matrix in the plane
// with t-distributed stochastic neighbour embedding (t-SNE; van der Maaten
// and Hinton 2008), in the shape of scikit-learn's sklearn.manifold.TSNE
// with n_components=2 and method "barnes_hut".
//
// Fit follows sklearn 1.2.1 step by step:
//
//   - input similarities: the exact k = min(n−1, ⌊3·Perplexity+1⌋) nearest
//     neighbours of every row (Euclidean, ml/knn); for each row i a binary
//     search on the precision βᵢ makes the conditional distribution
//     p_{j|i} ∝ exp(−βᵢ‖xᵢ−xⱼ‖²) over its neighbours have entropy
//     log(Perplexity) (nats) to within 1e-5; then P = (P_cond + P_condᵀ)
//     divided by its sum, a sparse symmetric matrix that sums to 1;
//   - output similarities: the Student-t kernel wᵢⱼ = 1/(1+‖yᵢ−yⱼ‖²),
//     qᵢⱼ = wᵢⱼ/Z with Z = Σ_{k≠l} w_kl;
//   - objective: KL(P‖Q) = Σ pᵢⱼ log(pᵢⱼ/qᵢⱼ), whose gradient is
//     ∂KL/∂yᵢ = 4 Σⱼ (pᵢⱼ − qᵢⱼ) wᵢⱼ (yᵢ − yⱼ): an attractive part over the
//     non-zeros of P and a repulsive part over all pairs;
//   - repulsion: Barnes-Hut (Barnes and Hut 1986; van der Maaten 2014) on
//     a quadtree of the map rebuilt at every iteration: a cell of side s
//     whose centre of mass lies at distance d from the point stands for
//     all its points when s < Theta·d (and the point is not in it), as in
//     sklearn; leaves of up to 8 points are otherwise summed exactly. With
//     Theta = 0.5 the sums are within about 1 % (Z) and 3 % (forces) of
//     the exact ones;
//   - optimisation: gradient descent with momentum 0.5 for the first
//     ExaggerationIters iterations, during which P is multiplied by
//     EarlyExaggeration, then momentum 0.8 with the true P; per-coordinate
//     gains (delta-bar-delta: +0.2 when the step changes direction, ×0.8
//     otherwise, at least 0.01), restarted with the steps at the end of
//     the exaggeration phase as sklearn does. Unlike sklearn, Fit has no
//     early stop (sklearn's, on no progress for 300 iterations or a
//     gradient norm below 1e-7, does not trigger on real data): it always
//     takes Iterations steps.
//
// The differences from sklearn's defaults are the learning rate (see
// TSNE.LearningRate) and the KL divergence reported, which is always the
// one of the true P, also during exaggeration.
//
// All sums are in float64. The neighbour search, the binary searches, the
// attractive forces and the Barnes-Hut traversal run on GOMAXPROCS
// goroutines, but every parallel sum is combined in a fixed order, so a fit
// depends only on the data, the settings, the seed and (through the PCA of
// InitPCA) the BLAS in use: not on GOMAXPROCS or on timing. A fit of 10,000 points takes about 15 CPU seconds
// (2 for the neighbours, 12 for 1000 iterations) and one of 70,000 about
// 150 (30 and 120): on two cores, 6 to 10 times faster than sklearn 1.2.1,
// with the same 5-NN accuracy and trustworthiness (to 0.001) and a lower
// KL divergence (see testdata/README.md).
//
// FFT-accelerated interpolation (FIt-SNE) was considered and not built:
// its grid has about 3 nodes per unit of map length, so a 70,000-point map
// (about 220 units across) needs 2-D transforms of some 1300² points, 4 or
// 5 per iteration; with gonum's dsp/fourier (≈ 1 ms per 1284-point complex
// transform here) that is several seconds per iteration against about 0.1
// CPU second for Barnes-Hut.
//
// t-SNE is meant for data of moderate dimension: reduce images or other
// wide data with PCA first (PCA50 does the usual 50 components).
package tsne

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/knn"
	_ "embedscope/ml/linalg" // route gonum BLAS to OpenBLAS unless built with purego
	"embedscope/ml/pca"
	"embedscope/ml/progress"
)

// Init selects the starting map.
type Init int

const (
	// InitPCA starts from the first two principal components of X, scaled
	// so that the first coordinate has standard deviation 1e-4 (sklearn's
	// init="pca", its default). For X with a single column or without any
	// spread the start is drawn as for InitRandom.
	InitPCA Init = iota
	// InitRandom draws every coordinate from N(0, 1e-8) (standard
	// deviation 1e-4), from a PCG generator seeded with Seed.
	InitRandom
)

var initNames = []string{"pca", "random"}

// String returns the name sklearn gives the initialisation.
func (i Init) String() string {
	if i < 0 || int(i) >= len(initNames) {
		return fmt.Sprintf("Init(%d)", int(i))
	}
	return initNames[i]
}

// Defaults of the zero TSNE fields: sklearn 1.2.1's, except the learning
// rate (see TSNE.LearningRate); CallbackEvery is ours.
const (
	DefaultPerplexity        = 30.0
	DefaultEarlyExaggeration = 12.0
	DefaultIterations        = 1000
	DefaultExaggerationIters = 250
	DefaultTheta             = 0.5
	DefaultCallbackEvery     = 10
)

// TSNE configures a t-SNE embedding into two dimensions. The zero value of
// every numeric field stands for its default.
type TSNE struct {
	// Perplexity is the effective number of neighbours of each point,
	// greater than 0 and less than n/3. Default 30.
	Perplexity float64
	// EarlyExaggeration multiplies P during the first ExaggerationIters
	// iterations; at least 1 (1 means no exaggeration). Default 12.
	EarlyExaggeration float64
	// LearningRate is the step size η of gradient descent, for the
	// gradient of KL(P‖Q) as defined in the package comment (sklearn's
	// convention, with the factor 4). 0 means max(n/EarlyExaggeration, 50):
	// "n/12" at the default exaggeration, the rule of Belkina et al. (2019).
	// That is 4 times sklearn 1.2's learning_rate="auto",
	// max(n/EarlyExaggeration/4, 50), which applies the same rule to the
	// gradient without the factor 4 used by bhtsne, FIt-SNE and openTSNE.
	// The larger step reached a lower KL divergence and an equal or better
	// 5-NN accuracy on Fashion-MNIST at n = 5,000, 10,000 and 70,000; set
	// LearningRate to max(n/48, 50) to reproduce sklearn's default.
	LearningRate float64
	// Iterations is the total number of gradient steps, exaggeration phase
	// included. Default 1000.
	Iterations int
	// ExaggerationIters is the length of the exaggeration phase (momentum
	// 0.5); it is cut to Iterations if longer. Default 250.
	ExaggerationIters int
	// Init chooses the starting map when Initial is empty; InitPCA by
	// default.
	Init Init
	// Initial, when it has rows, is the starting map (n×2), used as it is.
	Initial blas32.General
	// Theta is the Barnes-Hut accuracy (sklearn's angle), in (0, 1]:
	// smaller is more exact and slower. Default 0.5.
	Theta float64
	// Seed seeds InitRandom and the randomized PCA of InitPCA.
	Seed uint64
	// Progress, if not nil, receives the stages of the kNN search, then
	// "t-SNE: affinities" (one unit per row), "t-SNE: initial map" and
	// "t-SNE: optimising" (one unit per iteration, with the KL divergence
	// as Detail every 50 iterations).
	Progress *progress.Tracker
	// OnIteration, if not nil, is called on the goroutine that runs Fit
	// after every CallbackEvery-th iteration and after the last one, with
	// the number of iterations done, the map at that point (a new n×2
	// row-major slice that the callee owns) and its KL divergence. It is
	// meant for animating the map; keep it short, Fit waits for it.
	OnIteration func(iter int, Y []float32, kl float64)
	// CallbackEvery is the period of OnIteration in iterations. Default 10.
	CallbackEvery int
}

// Model is the result of a fit.
type Model struct {
	// Embedding holds the map, one row (x, y) per row of X.
	Embedding blas32.General
	// KL is KL(P‖Q) of the final map (Z from the Barnes-Hut sum).
	KL float64
	// Iterations is the number of gradient steps taken.
	Iterations int
	// LearningRate and Neighbors are the values used (after the defaults
	// were applied): the step size and the number of nearest neighbours
	// behind P.
	LearningRate float64
	Neighbors    int
}

// settings are the TSNE fields with the defaults applied.
type settings struct {
	perplexity, exaggeration, lr, theta float64
	iters, exagIters, every             int
}

func (t TSNE) settings(n int) (settings, error) {
	s := settings{perplexity: t.Perplexity, exaggeration: t.EarlyExaggeration, lr: t.LearningRate,
		theta: t.Theta, iters: t.Iterations, exagIters: t.ExaggerationIters, every: t.CallbackEvery}
	if s.perplexity == 0 {
		s.perplexity = DefaultPerplexity
	}
	if s.exaggeration == 0 {
		s.exaggeration = DefaultEarlyExaggeration
	}
	if s.theta == 0 {
		s.theta = DefaultTheta
	}
	if s.iters == 0 {
		s.iters = DefaultIterations
	}
	if s.exagIters == 0 {
		s.exagIters = DefaultExaggerationIters
	}
	if s.every == 0 {
		s.every = DefaultCallbackEvery
	}
	switch {
	case !(s.perplexity > 0) || s.perplexity >= float64(n)/3:
		return s, fmt.Errorf("tsne: perplexity %v must be above 0 and below n/3 = %.4g", s.perplexity, float64(n)/3)
	case !(s.exaggeration >= 1) || math.IsInf(s.exaggeration, 0):
		return s, fmt.Errorf("tsne: early exaggeration %v must be at least 1", s.exaggeration)
	case !(s.lr >= 0) || math.IsInf(s.lr, 0):
		return s, fmt.Errorf("tsne: learning rate %v must be positive (0 for auto)", s.lr)
	case !(s.theta > 0 && s.theta <= 1):
		return s, fmt.Errorf("tsne: theta %v must be in (0, 1]", s.theta)
	case s.iters < 1:
		return s, fmt.Errorf("tsne: %d iterations, need at least 1", s.iters)
	case s.exagIters < 0:
		return s, fmt.Errorf("tsne: %d exaggeration iterations (set EarlyExaggeration to 1 for none)", s.exagIters)
	case s.every < 0:
		return s, fmt.Errorf("tsne: negative CallbackEvery %d", s.every)
	}
	s.exagIters = min(s.exagIters, s.iters)
	if s.lr == 0 {
		s.lr = max(float64(n)/s.exaggeration, 50)
	}
	return s, nil
}

// MinRows is the smallest number of rows Fit accepts.
const MinRows = 4

// Fit computes the t-SNE map of the rows of X (n×d, not modified). It
// returns an error for fewer than MinRows rows, no columns, an inconsistent
// layout, NaN or infinite values, settings out of range (see TSNE), an
// Initial map of the wrong shape or with non-finite values, or a cancelled
// ctx (checked at every iteration and between chunks of the other stages,
// so Fit returns within a fraction of a second), with ctx.Err() in the last
// case.
func (t TSNE) Fit(ctx context.Context, X blas32.General) (*Model, error) {
	n := X.Rows
	if n < MinRows {
		return nil, fmt.Errorf("tsne: %d rows, need at least %d", n, MinRows)
	}
	if err := checkMatrix(X, -1, "X"); err != nil {
		return nil, err
	}
	s, err := t.settings(n)
	if err != nil {
		return nil, err
	}
	if t.Initial.Rows > 0 {
		if err := checkMatrix(t.Initial, 2, "Initial"); err != nil {
			return nil, err
		}
		if t.Initial.Rows != n {
			return nil, fmt.Errorf("tsne: Initial has %d rows, X %d", t.Initial.Rows, n)
		}
	} else if t.Init != InitPCA && t.Init != InitRandom {
		return nil, fmt.Errorf("tsne: unknown init %d", int(t.Init))
	}

	k := min(n-1, int(3*s.perplexity+1))
	P, err := affinities(ctx, X, k, s.perplexity, t.Progress)
	if err != nil {
		return nil, err
	}
	t.Progress.Stage("t-SNE: initial map", 0)
	y, err := t.initial(ctx, X)
	if err != nil {
		return nil, err
	}
	o := newOptimizer(P, y, s)
	kl, err := o.run(ctx, t.Progress, t.OnIteration)
	if err != nil {
		return nil, err
	}
	E := blas32.General{Rows: n, Cols: 2, Stride: 2, Data: o.embedding()}
	return &Model{Embedding: E, KL: kl, Iterations: s.iters, LearningRate: s.lr, Neighbors: k}, nil
}

// checkMatrix returns an error if X has an inconsistent layout, not cols
// columns (any number ≥ 1 when cols < 0), or a NaN or infinite value.
func checkMatrix(X blas32.General, cols int, name string) error {
	if X.Cols < 1 || (cols >= 0 && X.Cols != cols) {
		return fmt.Errorf("tsne: %s has %d columns", name, X.Cols)
	}
	if X.Stride < X.Cols || len(X.Data) < (X.Rows-1)*X.Stride+X.Cols {
		return fmt.Errorf("tsne: %s has an inconsistent layout (%d×%d, stride %d, %d values)", name, X.Rows, X.Cols, X.Stride, len(X.Data))
	}
	for i := 0; i < X.Rows; i++ {
		for j, v := range X.Data[i*X.Stride : i*X.Stride+X.Cols] {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("tsne: %s row %d, column %d is %v", name, i, j, v)
			}
		}
	}
	return nil
}

// initial returns the starting map as n×2 interleaved float64 coordinates.
func (t TSNE) initial(ctx context.Context, X blas32.General) ([]float64, error) {
	n := X.Rows
	y := make([]float64, 2*n)
	if t.Initial.Rows > 0 {
		for i := 0; i < n; i++ {
			y[2*i] = float64(t.Initial.Data[i*t.Initial.Stride])
			y[2*i+1] = float64(t.Initial.Data[i*t.Initial.Stride+1])
		}
		return y, nil
	}
	if t.Init == InitPCA && X.Cols >= 2 {
		m, err := pca.PCA{Components: 2, Seed: t.Seed}.Fit(ctx, X)
		if err == nil {
			Z := m.Transform(X, blas32.General{})
			sd := columnStd(Z, 0)
			if sd > 0 {
				for i := range y {
					y[i] = float64(Z.Data[i]) / sd * 1e-4
				}
				return y, nil
			}
		} else if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// PCA cannot give a spread-out start (constant data): fall back to
		// a random one.
	}
	rng := rand.New(rand.NewPCG(t.Seed, 0x75e5eed))
	for i := range y {
		y[i] = 1e-4 * rng.NormFloat64()
	}
	return y, nil
}

// columnStd returns the population standard deviation of column j of Z.
func columnStd(Z blas32.General, j int) float64 {
	mean := 0.0
	for i := 0; i < Z.Rows; i++ {
		mean += float64(Z.Data[i*Z.Stride+j])
	}
	mean /= float64(Z.Rows)
	ss := 0.0
	for i := 0; i < Z.Rows; i++ {
		d := float64(Z.Data[i*Z.Stride+j]) - mean
		ss += d * d
	}
	return math.Sqrt(ss / float64(Z.Rows))
}

// toFloat32 rounds v into dst (allocated if too short) and returns it.
func toFloat32(v []float64, dst []float32) []float32 {
	if cap(dst) < len(v) {
		dst = make([]float32, len(v))
	}
	dst = dst[:len(v)]
	for i, x := range v {
		dst[i] = float32(x)
	}
	return dst
}

// PCA50 returns the projection of the rows of X on their first
// min(50, n, d) principal components (ml/pca, randomized solver run to
// convergence, seeded with 0): the usual input of t-SNE for images. X is
// returned as it is when it has at most 50 columns.
func PCA50(ctx context.Context, X blas32.General) (blas32.General, error) {
	if X.Cols <= 50 {
		return X, nil
	}
	m, err := pca.PCA{Components: min(50, X.Rows)}.Fit(ctx, X)
	if err != nil {
		return blas32.General{}, err
	}
	return m.Transform(X, blas32.General{}), nil
}

// neighbours returns the k nearest other rows of X (exact, Euclidean).
func neighbours(ctx context.Context, X blas32.General, k int, tr *progress.Tracker) (knn.Neighbors, error) {
	c := &knn.Classifier{K: 1, Progress: tr}
	if err := c.Fit(X, make([]int, X.Rows)); err != nil {
		return knn.Neighbors{}, err
	}
	return c.KNeighborsSelf(ctx, k)
}
