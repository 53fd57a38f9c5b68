package compare

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	"embedscope/ml/knn"
	_ "embedscope/ml/linalg" // route gonum BLAS to OpenBLAS unless built with purego
	"embedscope/ml/progress"
)

// Trust is the trustworthiness (or continuity) of a space at k neighbours.
type Trust struct {
	K     int
	Value float64
	// Items is the number of items averaged over: all of them, or the
	// sample that was given.
	Items int
	// StdErr is the standard error of Value as an estimate of the value
	// over all items, from the spread of the sampled items' terms (with
	// the finite-population correction): 0 when every item was used.
	StdErr float64
}

// Sample returns m distinct items of 0..n−1 drawn uniformly with a PCG
// generator seeded with seed, in increasing order, or all n items when
// m ≥ n.
func Sample(n, m int, seed uint64) []int {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	if m >= n {
		return all
	}
	rng := rand.New(rand.NewPCG(seed, 0x636f6d70))
	for i := 0; i < m; i++ {
		j := i + rng.IntN(n-i)
		all[i], all[j] = all[j], all[i]
	}
	out := all[:max(m, 0)]
	slices.Sort(out)
	return out
}

// Trustworthiness returns the trustworthiness, at each k in ks, of a space
// whose neighbourhoods are nb, against the reference space ref (one row per
// item, the same items; e.g. the pixels), as
// sklearn.manifold.trustworthiness(ref, space, n_neighbors=k) (Venna and
// Kaski 2001):
//
//	T(k) = 1 − 2/(n·k·(2n − 3k − 1)) · Σᵢ Σ_{j∈Nᵢ} max(0, r(i, j) − k)
//
// where Nᵢ are item i's k nearest other items in the space (the first k of
// its row of nb) and r(i, j) is the rank of j among the items other than i
// by distance to i in ref (1 for the nearest; equal distances ordered by
// index), both under nb.Metric. (scikit-learn 1.2.1's metric argument
// applies to the ranks only: it always takes the space's neighbours by
// Euclidean distance.) With items given (distinct indices, e.g. from Sample), the sum
// over i runs over those items only and is scaled by n/len(items): an
// unbiased estimate whose standard error is reported; items nil means all
// items, the exact value.
//
// The ranks are counted row by row against all n items: for blocks of
// items, the distances to every item are computed in float64 from
// ‖x‖² + ‖y‖² − 2x·y (Euclidean) or 1 − x·y/(‖x‖‖y‖) (cosine), with x·y
// from blas64 Gemm, as sklearn's pairwise_distances does, and the items
// nearer than each neighbour are counted; memory stays O(n) per item
// where sklearn sorts the full n×n distance matrix. The work is
// len(items)·n·d multiply-adds.
//
// It returns an error if ref does not have one row per item, a k is
// outside 1..nb.K or not below n/2 (sklearn's condition), an item is out
// of range or repeated, ref holds NaN or infinite values (or, for the
// cosine distance, a row of zero length), or ctx is cancelled.
func Trustworthiness(ctx context.Context, ref blas32.General, nb *Neighbourhoods, ks []int, items []int, t *progress.Tracker) ([]Trust, error) {
	n := nb.N
	if ref.Rows != n {
		return nil, fmt.Errorf("compare: the reference space has %d rows for %d items", ref.Rows, n)
	}
	if len(ks) == 0 {
		return nil, fmt.Errorf("compare: no k given for trustworthiness")
	}
	for _, k := range ks {
		if k < 1 || k > nb.K || float64(k) >= float64(n)/2 {
			return nil, fmt.Errorf("compare: trustworthiness at k = %d needs 1 ≤ k ≤ %d (the neighbourhoods' size) and k < n/2 = %g", k, nb.K, float64(n)/2)
		}
	}
	if nb.Metric != knn.Euclidean && nb.Metric != knn.Cosine {
		return nil, fmt.Errorf("compare: trustworthiness is Euclidean or cosine, not %v", nb.Metric)
	}
	if items == nil {
		items = Sample(n, n, 0)
	}
	seen := make([]bool, n)
	for _, i := range items {
		if i < 0 || i >= n || seen[i] {
			return nil, fmt.Errorf("compare: item %d is out of 0..%d or repeated", i, n-1)
		}
		seen[i] = true
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("compare: no items to average over")
	}
	norm2, err := refNorms(ref, nb.Metric)
	if err != nil {
		return nil, err
	}
	kmax := slices.Max(ks)
	ranks, err := referenceRanks(ctx, ref, norm2, nb, kmax, items, t)
	if err != nil {
		return nil, err
	}
	out := make([]Trust, len(ks))
	for c, k := range ks {
		// pen[i] = Σ_{j∈Nᵢ} max(0, r(i, j) − k) for the sampled items.
		mean, sq := 0.0, 0.0
		for s := range items {
			p := 0.0
			for _, r := range ranks[s*kmax : s*kmax+k] {
				p += float64(max(0, r-k))
			}
			mean += p
			sq += p * p
		}
		m := float64(len(items))
		mean /= m
		nf, kf := float64(n), float64(k)
		scale := 2 / (kf * (2*nf - 3*kf - 1))
		out[c] = Trust{K: k, Value: 1 - scale*mean, Items: len(items)}
		if len(items) < n && len(items) > 1 {
			v := max(0, (sq-m*mean*mean)/(m-1))
			out[c].StdErr = scale * math.Sqrt(v/m*(1-m/nf))
		}
	}
	return out, nil
}

// Continuity returns the continuity of a space at each k in ks against the
// reference space whose neighbourhoods are refNb: trustworthiness with the
// roles swapped (the neighbours come from the reference, the ranks from
// the space), which penalises the reference's neighbours that the space
// pushes away. space holds one row per item. See Trustworthiness for the
// items, the errors and the cost.
func Continuity(ctx context.Context, space blas32.General, refNb *Neighbourhoods, ks []int, items []int, t *progress.Tracker) ([]Trust, error) {
	return Trustworthiness(ctx, space, refNb, ks, items, t)
}

// refNorms returns ‖x‖² of every row (Euclidean) or ‖x‖ (cosine), in
// float64, or an error for NaN, infinite values or a zero cosine row.
func refNorms(X blas32.General, m knn.Metric) ([]float64, error) {
	out := make([]float64, X.Rows)
	for i := range out {
		s := 0.0
		for _, v := range X.Data[i*X.Stride : i*X.Stride+X.Cols] {
			s += float64(v) * float64(v)
		}
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("compare: reference row %d holds a NaN or infinite value", i)
		}
		if m == knn.Cosine {
			if s == 0 {
				return nil, fmt.Errorf("compare: reference row %d has length 0: its cosine distances are undefined", i)
			}
			s = math.Sqrt(s)
		}
		out[i] = s
	}
	return out, nil
}

// Blocks of referenceRanks: trustBlock items against trustTile reference
// rows at a time (an 8 MB float64 product).
const (
	trustBlock = 1024
	trustTile  = 1024
)

// referenceRanks returns, for each item s of items, the ranks in ref of
// its first kmax neighbours in nb (in nb's order), flat: ranks[s·kmax+m].
func referenceRanks(ctx context.Context, ref blas32.General, norm2 []float64, nb *Neighbourhoods, kmax int, items []int, t *progress.Tracker) ([]int, error) {
	n, d := ref.Rows, ref.Cols
	cosine := nb.Metric == knn.Cosine
	dist := func(g float64, q, l int) float64 {
		if cosine {
			return 1 - g/(norm2[q]*norm2[l])
		}
		return norm2[q] + norm2[l] - 2*g
	}
	ranks := make([]int, len(items)*kmax)
	t.Stage("ranks in the reference space", float64(len(items))*float64(n))
	bs := min(trustBlock, len(items))
	tw := min(trustTile, n)
	qb := make([]float64, bs*d)
	tile := make([]float64, tw*d)
	gb := make([]float64, bs*tw)
	states := make([]rankState, bs)
	for lo := 0; lo < len(items); lo += bs {
		hi := min(lo+bs, len(items))
		block := items[lo:hi]
		for s, q := range block {
			toFloat64(qb[s*d:(s+1)*d], ref.Data[q*ref.Stride:q*ref.Stride+d])
			idx, _ := nb.Row(q)
			states[s].reset(q, idx[:kmax], func(j int) float64 {
				return dist(dot64(ref.Data[q*ref.Stride:q*ref.Stride+d], ref.Data[j*ref.Stride:j*ref.Stride+d]), q, j)
			})
		}
		Q := blas64.General{Rows: hi - lo, Cols: d, Stride: d, Data: qb[:(hi-lo)*d]}
		for r0 := 0; r0 < n; r0 += tw {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			r1 := min(r0+tw, n)
			w := r1 - r0
			for r := r0; r < r1; r++ {
				toFloat64(tile[(r-r0)*d:(r-r0+1)*d], ref.Data[r*ref.Stride:r*ref.Stride+d])
			}
			G := blas64.General{Rows: hi - lo, Cols: w, Stride: w, Data: gb[:(hi-lo)*w]}
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, Q, blas64.General{Rows: w, Cols: d, Stride: d, Data: tile[:w*d]}, 0, G)
			parallelRange(hi-lo, func(a, b int) {
				for s := a; s < b; s++ {
					st := &states[s]
					for c, g := range G.Data[s*w : (s+1)*w] {
						l := r0 + c
						if dl := dist(g, st.q, l); dl <= st.tmax {
							st.offer(dl, l)
						}
					}
				}
			})
			t.Add(float64(hi-lo) * float64(w))
		}
		for s := range block {
			states[s].ranks(ranks[(lo+s)*kmax : (lo+s+1)*kmax])
		}
	}
	return ranks, nil
}

// rankState counts, for one item q, the reference rows that come before
// each of its neighbours in the order (distance to q, index).
type rankState struct {
	q    int
	nb   []int     // the neighbours, in the space's order
	ts   []float64 // their reference distances, sorted with idx
	js   []int     // the neighbours sorted by (distance, index)
	pos  []int     // pos[m] = sorted position of nb[m]
	cnt  []int     // cnt[p] = rows (not neighbours) first before sorted neighbour p
	tmax float64
}

func (st *rankState) reset(q int, nb []int, dist func(j int) float64) {
	k := len(nb)
	st.q, st.nb = q, nb
	st.ts, st.js = st.ts[:0], st.js[:0]
	order := make([]int, k)
	tv := make([]float64, k)
	for m, j := range nb {
		order[m] = m
		tv[m] = dist(j)
	}
	slices.SortFunc(order, func(a, b int) int {
		if tv[a] != tv[b] {
			if tv[a] < tv[b] {
				return -1
			}
			return 1
		}
		return nb[a] - nb[b]
	})
	st.pos = slices.Grow(st.pos[:0], k)[:k]
	for p, m := range order {
		st.ts = append(st.ts, tv[m])
		st.js = append(st.js, nb[m])
		st.pos[m] = p
	}
	st.cnt = slices.Grow(st.cnt[:0], k)[:k]
	clear(st.cnt)
	st.tmax = st.ts[k-1]
}

// offer counts row l at reference distance dl ≤ tmax.
func (st *rankState) offer(dl float64, l int) {
	if l == st.q || slices.Contains(st.nb, l) {
		return // the item itself; neighbours are ranked among themselves
	}
	for p, tp := range st.ts {
		if dl < tp || (dl == tp && l < st.js[p]) {
			st.cnt[p]++
			return
		}
	}
}

// ranks writes the rank of each neighbour (in the space's order) into dst.
func (st *rankState) ranks(dst []int) {
	before := 0
	cum := make([]int, len(st.cnt))
	for p, c := range st.cnt {
		before += c
		cum[p] = before + p // rows and neighbours before sorted position p
	}
	for m := range st.nb {
		dst[m] = 1 + cum[st.pos[m]]
	}
}

func toFloat64(dst []float64, src []float32) {
	for i, v := range src {
		dst[i] = float64(v)
	}
}

// dot64 returns a·b in float64.
func dot64(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += float64(a[i]) * float64(b[i])
		s1 += float64(a[i+1]) * float64(b[i+1])
		s2 += float64(a[i+2]) * float64(b[i+2])
		s3 += float64(a[i+3]) * float64(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += float64(a[i]) * float64(b[i])
	}
	return (s0 + s1) + (s2 + s3)
}
