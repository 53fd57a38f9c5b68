package umap

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/progress"
)

// Default epochs of Transform when the fit's epochs were the default:
// umap-learn's 100 for up to SmallData new rows, 30 beyond.
const (
	TransformEpochsSmall = 100
	TransformEpochsLarge = 30
)

// Transform places the rows of Q (m×d, the columns of the fitted data) into
// the fitted map as umap-learn's transform does, and returns their map
// coordinates (m×2). The fitted map does not move.
//
//   - Each new row gets its Neighbors nearest fitted rows (by the model's
//     index) and local fuzzy-set weights as in Fit, with the local
//     connectivity lowered by one (umap-learn's adjustment, so ρ = 0 for
//     the default of 1);
//   - it starts at the weighted mean of its neighbours' map positions (at
//     the position of an identical fitted row when there is one);
//   - it is then optimised against the fixed map for Epochs/3 epochs (100
//     for up to SmallData new rows and 30 beyond when the fit's epochs
//     were the default), from a learning rate of LearningRate/4, with
//     negative samples among the fitted points and the same schedule and
//     gradients as Fit. Every new row moves independently, in parallel,
//     deterministically for the model's seed.
//
// t, if not nil, receives the neighbour search and "UMAP: placing" (one
// unit per epoch). It returns an error if Q has the wrong number of
// columns, NaN or infinite values, or ctx is cancelled.
func (m *Model) Transform(ctx context.Context, Q blas32.General, t *progress.Tracker) (blas32.General, error) {
	if Q.Rows == 0 {
		return blas32.General{Cols: 2, Stride: 2}, nil
	}
	if Q.Cols != m.index.Dim() {
		return blas32.General{}, fmt.Errorf("umap: new rows have %d columns, the map was fitted on %d", Q.Cols, m.index.Dim())
	}
	if err := checkMatrix(Q, -1, "new rows"); err != nil {
		return blas32.General{}, err
	}
	k := m.Neighbors
	nb, err := m.index.Query(ctx, Q, k)
	if err != nil {
		return blas32.General{}, err
	}
	nr := neighbourRows{n: Q.Rows, k: k, idx: make([]int32, Q.Rows*k), dist: make([]float32, Q.Rows*k)}
	for i := 0; i < Q.Rows; i++ {
		idx, dist := nb.Row(i)
		for c, j := range idx {
			nr.idx[i*k+c] = int32(j)
			nr.dist[i*k+c] = float32(dist[c])
		}
	}
	sigma, rho := smoothKNN(nr, max(0, m.set.lc-1))
	g := membership(nr, sigma, rho, true)
	y := placeStart(g, m.Embedding)

	epochs := TransformEpochsLarge
	switch {
	case m.set.epochsGiven:
		epochs = max(1, m.set.epochs/3)
	case Q.Rows <= SmallData:
		epochs = TransformEpochsSmall
	}
	fitted := m.Embedding.Data[:2*m.Embedding.Rows]
	opt := newSGD(prune(g, epochs), epochs, m.set.negRate, m.Embedding.Rows)
	opt.a, opt.b, opt.pow, opt.gamma, opt.attract, opt.seed = m.A, m.B, newPowTable(m.B), m.set.gam, 1, m.seed^0x7a45f0a3
	t.Stage("UMAP: placing", float64(epochs))
	if err := opt.optimize(ctx, y, fitted, epochs, m.set.lr/4, 0, nil, func() { t.Add(1) }); err != nil {
		return blas32.General{}, err
	}
	return blas32.General{Rows: Q.Rows, Cols: 2, Stride: 2, Data: y}, nil
}

// placeStart is umap-learn's init_graph_transform: each new row starts at
// the mean of its neighbours' positions weighted by the graph, or at the
// position of the first neighbour of weight 1 (an identical row) if there
// is one; a row without neighbours gets NaN.
func placeStart(g *Graph, E blas32.General) []float32 {
	y := make([]float32, 2*g.N)
	for i := 0; i < g.N; i++ {
		cols, ws := g.Col[g.Start[i]:g.Start[i+1]], g.W[g.Start[i]:g.Start[i+1]]
		if len(cols) == 0 {
			y[2*i], y[2*i+1] = float32(math.NaN()), float32(math.NaN())
			continue
		}
		sum := 0.0
		for _, w := range ws {
			sum += float64(w)
		}
		var x0, x1 float64
		exact := -1
		for p, j := range cols {
			if ws[p] == 1 {
				exact = int(j)
				break
			}
			x0 += float64(ws[p]) / sum * float64(E.Data[int(j)*E.Stride])
			x1 += float64(ws[p]) / sum * float64(E.Data[int(j)*E.Stride+1])
		}
		if exact >= 0 {
			x0, x1 = float64(E.Data[exact*E.Stride]), float64(E.Data[exact*E.Stride+1])
		}
		y[2*i], y[2*i+1] = float32(x0), float32(x1)
	}
	return y
}
