package tsne

import (
	"context"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/progress"
)

// sparseP is the symmetric joint distribution P in compressed sparse rows:
// the non-zeros of row i are Val[Ptr[i]:Ptr[i+1]] in columns
// Col[Ptr[i]:Ptr[i+1]] (increasing). Both pᵢⱼ and pⱼᵢ are stored.
type sparseP struct {
	N   int
	Ptr []int
	Col []int32
	Val []float64
}

// Row returns the columns and values of row i.
func (p *sparseP) Row(i int) ([]int32, []float64) {
	a, b := p.Ptr[i], p.Ptr[i+1]
	return p.Col[a:b], p.Val[a:b]
}

// Binary search of the perplexity, as sklearn's _binary_search_perplexity.
const (
	entropyTol     = 1e-5
	maxSearchSteps = 100
)

// conditional computes, for squared distances d2 to the neighbours of one
// point, the conditional probabilities p_{j|i} = exp(−β·d2ⱼ)/Σ exp(−β·d2)
// into p, with β found by bisection so that the entropy −Σ p log p (nats)
// is log(perplexity) to within 1e-5, or as close as 100 steps get. It
// returns β and the entropy reached.
//
// The search is sklearn's (β starts at 1 and doubles or halves until the
// target is bracketed, then bisects), except that the distances are
// shifted by their minimum before exponentiating: this leaves p unchanged
// but keeps exp from underflowing when all distances are large.
func conditional(d2, p []float64, perplexity float64) (beta, entropy float64) {
	want := math.Log(perplexity)
	dmin := slices.Min(d2)
	lo, hi := math.Inf(-1), math.Inf(1)
	beta = 1
	for step := 0; step < maxSearchSteps; step++ {
		sum, sumDP := 0.0, 0.0
		for j, d := range d2 {
			e := math.Exp(-(d - dmin) * beta)
			p[j] = e
			sum += e
			sumDP += (d - dmin) * e
		}
		// sum ≥ 1: the nearest neighbour contributes exp(0).
		entropy = math.Log(sum) + beta*sumDP/sum
		for j := range p {
			p[j] /= sum
		}
		diff := entropy - want
		if math.Abs(diff) <= entropyTol {
			break
		}
		if diff > 0 { // too flat: sharpen
			lo = beta
			if math.IsInf(hi, 1) {
				beta *= 2
			} else {
				beta = (beta + hi) / 2
			}
		} else {
			hi = beta
			if math.IsInf(lo, -1) {
				beta /= 2
			} else {
				beta = (beta + lo) / 2
			}
		}
	}
	return beta, entropy
}

// affinities computes the joint distribution P of the rows of X from their
// k nearest neighbours (see the package comment).
func affinities(ctx context.Context, X blas32.General, k int, perplexity float64, tr *progress.Tracker) (*sparseP, error) {
	nb, err := neighbours(ctx, X, k, tr)
	if err != nil {
		return nil, err
	}
	n := X.Rows
	tr.Stage("t-SNE: affinities", float64(n))
	cond := make([]float64, n*k)
	err = parallelChunks(ctx, n, 512, func(_, a, b int) {
		d2 := make([]float64, k)
		for i := a; i < b; i++ {
			_, dist := nb.Row(i)
			for j, d := range dist {
				d2[j] = d * d
			}
			conditional(d2, cond[i*k:(i+1)*k], perplexity)
		}
		tr.Add(float64(b - a))
	})
	if err != nil {
		return nil, err
	}
	return symmetrize(n, k, nb.Index, cond), nil
}

// symmetrize returns P = (C + Cᵀ)/sum(C + Cᵀ) for the n×n matrix C that has
// the k values cond[i*k:(i+1)*k] in columns idx[i*k:(i+1)*k] of row i.
func symmetrize(n, k int, idx []int, cond []float64) *sparseP {
	count := make([]int, n+1)
	for i := 0; i < n; i++ {
		count[i] += k
		for _, j := range idx[i*k : (i+1)*k] {
			count[j]++
		}
	}
	ptr := make([]int, n+1)
	for i := 0; i < n; i++ {
		ptr[i+1] = ptr[i] + count[i]
	}
	fill := slices.Clone(ptr[:n])
	col := make([]int32, ptr[n])
	val := make([]float64, ptr[n])
	for i := 0; i < n; i++ {
		for t, j := range idx[i*k : (i+1)*k] {
			c := cond[i*k+t]
			col[fill[i]], val[fill[i]] = int32(j), c
			fill[i]++
			col[fill[j]], val[fill[j]] = int32(i), c
			fill[j]++
		}
	}
	// Sort each row by column and merge duplicates (pairs that are
	// neighbours both ways), compacting in place.
	out := 0
	total := 0.0
	type entry struct {
		c int32
		v float64
	}
	var buf []entry
	newPtr := make([]int, n+1)
	for i := 0; i < n; i++ {
		buf = buf[:0]
		for t := ptr[i]; t < ptr[i+1]; t++ {
			buf = append(buf, entry{col[t], val[t]})
		}
		slices.SortFunc(buf, func(a, b entry) int { return int(a.c) - int(b.c) })
		for t, e := range buf {
			if t > 0 && e.c == buf[t-1].c {
				val[out-1] += e.v
			} else {
				col[out], val[out] = e.c, e.v
				out++
			}
		}
		newPtr[i+1] = out
	}
	for _, v := range val[:out] {
		total += v
	}
	total = max(total, 0x1p-52) // sklearn: max(sum, machine epsilon)
	for t := range val[:out] {
		val[t] /= total
	}
	return &sparseP{N: n, Ptr: newPtr, Col: col[:out:out], Val: val[:out:out]}
}
