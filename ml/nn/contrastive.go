package nn

import (
	"fmt"
	"math"
)

// contrastiveEps keeps the distance of the contrastive loss away from the
// non-differentiable point of √ at 0: d = √(‖a−b‖² + ε). With it the
// gradient of a dissimilar pair, −2(m−d)(a−b)/d, is bounded by 2m in norm
// (‖a−b‖ < d), and exactly 0 when a = b, instead of 0/0 = NaN.
const contrastiveEps = 1e-9

// pairTerm returns the contrastive loss of one pair with difference diff
// (a − b), and the factor f such that ∂loss/∂a = f·diff = −∂loss/∂b.
func pairTerm(diff []float64, same bool, margin float64) (loss, f float64) {
	var s float64
	for _, v := range diff {
		s += v * v
	}
	if same {
		return s, 2
	}
	d := math.Sqrt(s + contrastiveEps)
	if d >= margin {
		return 0, 0
	}
	return (margin - d) * (margin - d), -2 * (margin - d) / d
}

// Contrastive is the margin contrastive loss (Hadsell, Chopra & LeCun 2006,
// without their factors ½) of P pairs of embeddings, averaged over pairs.
// emb is [2P, D] stacked as for PairAbsDiff: row p is the left embedding
// a_p and row P+p the right one b_p. With d_p = √(‖a_p − b_p‖² + ε),
// ε = 1e-9:
//
//	loss = (1/P) Σ_p  same_p ? ‖a_p − b_p‖² : max(0, margin − d_p)²
func Contrastive(emb *Tensor, same []bool, margin float64, grad *Tensor) float64 {
	checkRank("Contrastive", emb, 2)
	if emb.Shape[0] != 2*len(same) {
		panic(fmt.Sprintf("nn: Contrastive: %d rows for %d pairs", emb.Shape[0], len(same)))
	}
	checkGrad("Contrastive", emb, grad)
	p, dim := len(same), emb.Shape[1]
	if grad != nil {
		clear(grad.Data)
	}
	diff := make([]float64, dim)
	var sum float64
	for i := range p {
		a, b := emb.Data[i*dim:(i+1)*dim], emb.Data[(p+i)*dim:(p+i+1)*dim]
		for j := range diff {
			diff[j] = float64(a[j]) - float64(b[j])
		}
		l, f := pairTerm(diff, same[i], margin)
		sum += l
		if grad != nil && f != 0 {
			ga, gb := grad.Data[i*dim:(i+1)*dim], grad.Data[(p+i)*dim:(p+i+1)*dim]
			for j, v := range diff {
				g := float32(f * v / float64(p))
				ga[j], gb[j] = g, -g
			}
		}
	}
	return sum / float64(p)
}

// ContrastiveAllPairs is the contrastive loss of Contrastive over all
// N(N−1)/2 pairs i < j of the rows of emb [N, D] (an in-batch scheme), a
// pair being similar when labels[i] == labels[j], averaged over pairs. N
// must be at least 2.
func ContrastiveAllPairs(emb *Tensor, labels []int, margin float64, grad *Tensor) float64 {
	checkRank("ContrastiveAllPairs", emb, 2)
	n, dim := emb.Shape[0], emb.Shape[1]
	if len(labels) != n || n < 2 {
		panic(fmt.Sprintf("nn: ContrastiveAllPairs: %d labels for %d rows (need ≥ 2)", len(labels), n))
	}
	checkGrad("ContrastiveAllPairs", emb, grad)
	pairs := float64(n*(n-1)) / 2
	// Gradients are accumulated in float64, row by row in a fixed order.
	var g64 []float64
	if grad != nil {
		g64 = make([]float64, n*dim)
	}
	diff := make([]float64, dim)
	var sum float64
	for i := 0; i < n; i++ {
		a := emb.Data[i*dim : (i+1)*dim]
		for j := i + 1; j < n; j++ {
			b := emb.Data[j*dim : (j+1)*dim]
			for k := range diff {
				diff[k] = float64(a[k]) - float64(b[k])
			}
			l, f := pairTerm(diff, labels[i] == labels[j], margin)
			sum += l
			if g64 != nil && f != 0 {
				ga, gb := g64[i*dim:(i+1)*dim], g64[j*dim:(j+1)*dim]
				for k, v := range diff {
					ga[k] += f * v
					gb[k] -= f * v
				}
			}
		}
	}
	if grad != nil {
		for i, v := range g64 {
			grad.Data[i] = float32(v / pairs)
		}
	}
	return sum / pairs
}
