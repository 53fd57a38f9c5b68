package umap

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"
)

// start returns the starting map (n×2 interleaved float32) as umap-learn's
// simplicial_set_embedding makes it: Initial, uniform noise in [−10, 10],
// or the spectral layout scaled to a largest coordinate of 10 plus
// N(0, 1e-8) noise; then each coordinate mapped linearly onto [0, 10].
func (u UMAP) start(ctx context.Context, X blas32.General, g *Graph, label []int, nc int, rng *rand.Rand, m *Model) ([]float32, error) {
	n := g.N
	y := make([]float32, 2*n)
	switch {
	case u.Initial.Rows > 0:
		for i := 0; i < n; i++ {
			y[2*i], y[2*i+1] = u.Initial.Data[i*u.Initial.Stride], u.Initial.Data[i*u.Initial.Stride+1]
		}
	case u.Init == InitRandom:
		for i := range y {
			y[i] = float32(rng.Float64()*20 - 10)
		}
	default:
		v, conv, err := spectralLayout(ctx, X, g, label, nc, u.Metric, rng)
		if err != nil {
			return nil, err
		}
		m.SpectralConverged = conv
		big := 0.0
		for _, x := range v {
			big = max(big, math.Abs(x))
		}
		expansion := 10 / big
		if big == 0 {
			expansion = 1
		}
		for i, x := range v {
			y[i] = float32(x*expansion) + float32(1e-4*rng.NormFloat64())
		}
	}
	for c := 0; c < 2; c++ {
		lo, hi := y[c], y[c]
		for i := 1; i < n; i++ {
			lo, hi = min(lo, y[2*i+c]), max(hi, y[2*i+c])
		}
		for i := 0; i < n; i++ {
			if hi > lo {
				y[2*i+c] = 10 * (y[2*i+c] - lo) / (hi - lo)
			} else {
				y[2*i+c] = 5
			}
		}
	}
	return y, nil
}

// spectralLayout is umap-learn's spectral_layout: the spectral vectors of
// a connected graph, or the multi-component layout. It falls back to
// uniform noise in [−10, 10] where the eigensolver fails, as umap-learn does.
func spectralLayout(ctx context.Context, X blas32.General, g *Graph, label []int, nc int, metric Metric, rng *rand.Rand) ([]float64, bool, error) {
	if nc == 1 {
		v, conv, err := spectralVectors(ctx, g, rng)
		if err != nil || v != nil {
			return v, conv, err
		}
		v = make([]float64, 2*g.N)
		for i := range v {
			v[i] = rng.Float64()*20 - 10
		}
		return v, false, nil
	}
	return multiComponent(ctx, X, g, label, nc, metric, rng)
}

// multiComponent is umap-learn's multi_component_layout: component c is
// centred on meta[c] (±unit vectors for up to 4 components, else the
// spectral embedding of the components' centroids) and laid out inside
// half the distance to the nearest other centre, spectrally when it has
// at least 4 points and randomly otherwise.
func multiComponent(ctx context.Context, X blas32.General, g *Graph, label []int, nc int, metric Metric, rng *rand.Rand) ([]float64, bool, error) {
	var meta [][2]float64
	if nc > 4 {
		meta = componentLayout(X, label, nc, metric)
	} else {
		k := (nc + 1) / 2
		for s := 1.0; s >= -1; s -= 2 {
			for i := 0; i < k && len(meta) < nc; i++ {
				var p [2]float64
				p[i] = s
				meta = append(meta, p)
			}
		}
	}
	verts := make([][]int, nc)
	for i, c := range label {
		verts[c] = append(verts[c], i)
	}
	out := make([]float64, 2*g.N)
	allConv := true
	for c := 0; c < nc; c++ {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		dataRange := math.Inf(1)
		for o := range meta {
			if d := math.Hypot(meta[c][0]-meta[o][0], meta[c][1]-meta[o][1]); d > 0 {
				dataRange = min(dataRange, d/2)
			}
		}
		if math.IsInf(dataRange, 0) {
			dataRange = 1
		}
		var v []float64
		if len(verts[c]) >= 4 {
			var conv bool
			var err error
			v, conv, err = spectralVectors(ctx, subgraph(g, verts[c], label, c), rng)
			if err != nil {
				return nil, false, err
			}
			allConv = allConv && conv
		}
		if v != nil {
			big := 0.0
			for _, x := range v {
				big = max(big, math.Abs(x))
			}
			if big > 0 {
				scale(v, dataRange/big)
			}
			for li, i := range verts[c] {
				out[2*i], out[2*i+1] = v[2*li]+meta[c][0], v[2*li+1]+meta[c][1]
			}
			continue
		}
		allConv = false
		for _, i := range verts[c] {
			out[2*i] = rng.Float64()*2*dataRange - dataRange + meta[c][0]
			out[2*i+1] = rng.Float64()*2*dataRange - dataRange + meta[c][1]
		}
	}
	return out, allConv, nil
}

// componentLayout is umap-learn's component_layout: the centroids of the
// components in the input space, their affinities exp(−d²) in the input
// metric, and scikit-learn's SpectralEmbedding of those (eigenvectors of
// the normalised Laplacian for the second and third smallest eigenvalues,
// divided by the square roots of the degrees, signs fixed so that the
// largest entry in absolute value is positive), divided by its largest
// entry.
func componentLayout(X blas32.General, label []int, nc int, metric Metric) [][2]float64 {
	dist := centroidDistances(X, label, nc, metric)
	deg := make([]float64, nc)
	aff := mat.NewSymDense(nc, nil)
	for i := 0; i < nc; i++ {
		for j := i + 1; j < nc; j++ {
			w := math.Exp(-dist[i][j] * dist[i][j])
			aff.SetSym(i, j, w)
			deg[i] += w
			deg[j] += w
		}
	}
	dd := make([]float64, nc)
	for i := range dd {
		dd[i] = math.Sqrt(deg[i])
	}
	lap := mat.NewSymDense(nc, nil)
	for i := 0; i < nc; i++ {
		lap.SetSym(i, i, 1)
		for j := i + 1; j < nc; j++ {
			if dd[i] > 0 && dd[j] > 0 {
				lap.SetSym(i, j, -aff.At(i, j)/(dd[i]*dd[j]))
			}
		}
	}
	meta := make([][2]float64, nc)
	var es mat.EigenSym
	if !es.Factorize(lap, true) {
		return meta
	}
	vals := es.Values(nil)
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	order := make([]int, nc)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return vals[order[a]] < vals[order[b]] })
	big := math.Inf(-1)
	for c := 0; c < 2; c++ {
		col := order[c+1]
		v := make([]float64, nc)
		ext := 0.0
		for i := range v {
			if dd[i] > 0 {
				v[i] = vecs.At(i, col) / dd[i]
			}
			if math.Abs(v[i]) > math.Abs(ext) {
				ext = v[i]
			}
		}
		for i := range v {
			if ext < 0 {
				v[i] = -v[i]
			}
			meta[i][c] = v[i]
			big = max(big, v[i])
		}
	}
	if big > 0 {
		for i := range meta {
			meta[i][0] /= big
			meta[i][1] /= big
		}
	}
	return meta
}

// centroidDistances returns the distances between the centroids of the
// components of X's rows, in the input metric.
func centroidDistances(X blas32.General, label []int, nc int, metric Metric) [][]float64 {
	d := X.Cols
	cent := make([][]float64, nc)
	count := make([]int, nc)
	for c := range cent {
		cent[c] = make([]float64, d)
	}
	for i, c := range label {
		for j, v := range X.Data[i*X.Stride : i*X.Stride+d] {
			cent[c][j] += float64(v)
		}
		count[c]++
	}
	for c := range cent {
		scale(cent[c], 1/float64(count[c]))
	}
	out := make([][]float64, nc)
	for i := range out {
		out[i] = make([]float64, nc)
		for j := range out[i] {
			a, b := cent[i], cent[j]
			if metric == Cosine {
				na, nb := norm2(a), norm2(b)
				if na == 0 || nb == 0 {
					out[i][j] = 1
				} else {
					out[i][j] = 1 - dot(a, b)/(na*nb)
				}
				continue
			}
			s := 0.0
			for k := range a {
				s += (a[k] - b[k]) * (a[k] - b[k])
			}
			out[i][j] = math.Sqrt(s)
		}
	}
	return out
}
