package umap

import (
	"math"
	"slices"
)

// Graph is a weighted graph on N vertices in compressed sparse rows: the
// edges leaving vertex i go to Col[Start[i]:Start[i+1]] (in increasing
// order) with weights W[Start[i]:Start[i+1]], all positive. UMAP's graphs
// are symmetric: every edge is stored in both directions.
type Graph struct {
	N     int
	Start []int // N+1 offsets
	Col   []int32
	W     []float32
}

// Edges returns the number of stored (directed) edges.
func (g *Graph) Edges() int { return len(g.Col) }

// Weight returns the weight of the edge i → j, 0 if there is none.
func (g *Graph) Weight(i, j int) float32 {
	row := g.Col[g.Start[i]:g.Start[i+1]]
	if p, ok := slices.BinarySearch(row, int32(j)); ok {
		return g.W[g.Start[i]+p]
	}
	return 0
}

// neighbourRows are the k nearest neighbours of n points as umap-learn
// holds them: flat n×k row-major indices and float32 distances, each row
// by increasing distance. In a fit, row i starts with i itself at
// distance 0 (umap-learn counts the point among its own n_neighbors).
type neighbourRows struct {
	n, k int
	idx  []int32
	dist []float32
}

// smoothKNN computes, as umap-learn's smooth_knn_dist (with bandwidth 1 and
// 64 bisection steps), the distance ρᵢ to the nearest neighbour at a
// non-zero distance (interpolated for a fractional local connectivity) and
// the scale σᵢ for which Σ_{j≥1} exp(−max(0, dᵢⱼ − ρᵢ)/σᵢ) = log₂ k to
// within 1e-5 over columns 1…k−1 of row i (column 0, the point itself in a
// fit, is skipped; umap-learn also skips it for new points in transform).
// σᵢ is then raised to at least 1e-3 times the mean distance of its row (or
// of all rows when ρᵢ = 0). The arithmetic is float32 as in umap-learn's
// numba code, so the results agree with it to a few units in the last place.
func smoothKNN(nr neighbourRows, localConnectivity float64) (sigma, rho []float32) {
	const tolerance = 1e-5
	const minScale = 1e-3
	n, k := nr.n, nr.k
	sigma = make([]float32, n)
	rho = make([]float32, n)
	target := math.Log2(float64(k))
	meanAll := 0.0
	for _, d := range nr.dist {
		meanAll += float64(d)
	}
	meanAll /= float64(len(nr.dist))
	nz := make([]float32, 0, k)
	inf := float32(math.Inf(1))
	for i := 0; i < n; i++ {
		row := nr.dist[i*k : (i+1)*k]
		nz = nz[:0]
		for _, d := range row {
			if d > 0 {
				nz = append(nz, d)
			}
		}
		switch {
		case float64(len(nz)) >= localConnectivity && len(nz) > 0:
			index := int(math.Floor(localConnectivity))
			interp := localConnectivity - float64(index)
			if index > 0 {
				rho[i] = nz[index-1]
				if interp > tolerance {
					rho[i] = float32(float64(rho[i]) + interp*float64(nz[index]-nz[index-1]))
				}
			} else {
				rho[i] = float32(interp * float64(nz[0]))
			}
		case len(nz) > 0:
			rho[i] = slices.Max(nz)
		}
		lo, hi, mid := float32(0), inf, float32(1)
		for range 64 {
			var psum float32
			for _, dj := range row[1:] {
				if d := dj - rho[i]; d > 0 {
					psum += float32(math.Exp(float64(-(d / mid))))
				} else {
					psum++
				}
			}
			if math.Abs(float64(psum)-target) < tolerance {
				break
			}
			if float64(psum) > target {
				hi = mid
				mid = (lo + hi) / 2
			} else {
				lo = mid
				if hi == inf {
					mid *= 2
				} else {
					mid = (lo + hi) / 2
				}
			}
		}
		sigma[i] = mid
		mean := meanAll
		if rho[i] > 0 {
			mean = 0
			for _, d := range row {
				mean += float64(d)
			}
			mean /= float64(k)
		}
		if float64(sigma[i]) < minScale*mean {
			sigma[i] = float32(minScale * mean)
		}
	}
	return sigma, rho
}

// membership returns the directed graph of the local fuzzy sets, as
// umap-learn's compute_membership_strengths followed by eliminate_zeros:
// the edge i → j of every neighbour j ≠ i has weight 1 if dᵢⱼ ≤ ρᵢ (or
// σᵢ = 0), else exp(−(dᵢⱼ − ρᵢ)/σᵢ) in float32; with bipartite set (new
// points against the fitted ones: the graph is then nr.n × the fitted
// points) j = i is an ordinary neighbour.
func membership(nr neighbourRows, sigma, rho []float32, bipartite bool) *Graph {
	g := &Graph{N: nr.n, Start: make([]int, nr.n+1)}
	g.Col = make([]int32, 0, nr.n*nr.k)
	g.W = make([]float32, 0, nr.n*nr.k)
	type edge struct {
		j int32
		w float32
	}
	row := make([]edge, 0, nr.k)
	for i := 0; i < nr.n; i++ {
		row = row[:0]
		for m := 0; m < nr.k; m++ {
			j := nr.idx[i*nr.k+m]
			if j < 0 || (!bipartite && int(j) == i) {
				continue
			}
			var w float32 = 1
			if d := nr.dist[i*nr.k+m] - rho[i]; d > 0 && sigma[i] != 0 {
				w = float32(math.Exp(float64(-(d / sigma[i]))))
			}
			if w != 0 {
				row = append(row, edge{j, w})
			}
		}
		slices.SortFunc(row, func(a, b edge) int { return int(a.j - b.j) })
		for _, e := range row {
			g.Col = append(g.Col, e.j)
			g.W = append(g.W, e.w)
		}
		g.Start[i+1] = len(g.Col)
	}
	return g
}

// transpose returns the transpose of the square graph g.
func transpose(g *Graph) *Graph {
	t := &Graph{N: g.N, Start: make([]int, g.N+1), Col: make([]int32, len(g.Col)), W: make([]float32, len(g.W))}
	for _, j := range g.Col {
		t.Start[j+1]++
	}
	for i := 0; i < g.N; i++ {
		t.Start[i+1] += t.Start[i]
	}
	next := slices.Clone(t.Start[:g.N])
	for i := 0; i < g.N; i++ {
		for p := g.Start[i]; p < g.Start[i+1]; p++ {
			j := g.Col[p]
			t.Col[next[j]] = int32(i)
			t.W[next[j]] = g.W[p]
			next[j]++
		}
	}
	return t
}

// fuzzyUnion returns the symmetric graph that umap-learn's
// fuzzy_simplicial_set makes of the directed memberships P with
// set_op_mix_ratio mix: mix·(P + Pᵀ − P∘Pᵀ) + (1 − mix)·P∘Pᵀ (∘ the
// element-wise product; mix = 1 is the fuzzy union, mix = 0 the fuzzy
// intersection), in float32, zeros dropped.
func fuzzyUnion(p *Graph, mix float64) *Graph {
	t := transpose(p)
	g := &Graph{N: p.N, Start: make([]int, p.N+1)}
	g.Col = make([]int32, 0, 2*len(p.Col))
	g.W = make([]float32, 0, 2*len(p.Col))
	put := func(j int32, a, b float32) {
		prod := a * b
		w := a + b - prod
		if mix != 1 {
			w = float32(mix)*w + float32(1-mix)*prod
		}
		if w != 0 {
			g.Col = append(g.Col, j)
			g.W = append(g.W, w)
		}
	}
	for i := 0; i < p.N; i++ {
		x, xe := p.Start[i], p.Start[i+1]
		y, ye := t.Start[i], t.Start[i+1]
		for x < xe || y < ye {
			switch {
			case y == ye || (x < xe && p.Col[x] < t.Col[y]):
				put(p.Col[x], p.W[x], 0)
				x++
			case x == xe || t.Col[y] < p.Col[x]:
				put(t.Col[y], 0, t.W[y])
				y++
			default:
				put(p.Col[x], p.W[x], t.W[y])
				x++
				y++
			}
		}
		g.Start[i+1] = len(g.Col)
	}
	return g
}

// intersectLabels applies umap-learn's categorical target
// (discrete_metric_simplicial_set_intersection with unknown_dist 1 and
// far_dist farDist, then reset_local_connectivity): the weight of an edge
// is multiplied by e⁻¹ when either end has the unknown label −1 and by
// exp(−farDist) when the labels differ; each row is then divided by its
// largest weight and the result made symmetric again by the fuzzy union.
func intersectLabels(g *Graph, labels []int, farDist float64) *Graph {
	unknown, far := math.Exp(-1), math.Exp(-farDist)
	h := &Graph{N: g.N, Start: make([]int, g.N+1)}
	h.Col = make([]int32, 0, len(g.Col))
	h.W = make([]float32, 0, len(g.W))
	for i := 0; i < g.N; i++ {
		rowStart := len(h.W)
		var rowMax float32
		for p := g.Start[i]; p < g.Start[i+1]; p++ {
			j := g.Col[p]
			w := g.W[p]
			switch {
			case labels[i] == -1 || labels[j] == -1:
				w = float32(float64(w) * unknown)
			case labels[i] != labels[j]:
				w = float32(float64(w) * far)
			}
			if w != 0 {
				h.Col = append(h.Col, j)
				h.W = append(h.W, w)
				rowMax = max(rowMax, w)
			}
		}
		for p := rowStart; p < len(h.W); p++ {
			h.W[p] /= rowMax
		}
		h.Start[i+1] = len(h.Col)
	}
	return fuzzyUnion(h, 1)
}
