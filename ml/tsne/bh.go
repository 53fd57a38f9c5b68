package tsne

import (
	"math"
	"math/bits"
	"slices"
	"sort"
)

// leafSize is the largest number of points in a quadtree leaf (more only
// at the deepest level, where points coincide to 2⁻²¹ of the map's side).
const leafSize = 8

// bhChunk is the number of points per parallel chunk of the traversal.
const bhChunk = 256

// bhNode is a cell of the quadtree: a square of side √size2 holding the
// points at sorted positions [lo, hi), with their centre of mass (cx, cy).
// Nodes are stored in preorder; next is the index of the first node after
// this one's subtree, so a traversal needs no stack.
type bhNode struct {
	cx, cy, size2, count float64
	lo, hi, next         int32
	leaf                 bool
}

// bhTree computes the Barnes-Hut repulsion. The points are sorted along a
// Morton (Z-order) curve of the bounding square, which makes every cell a
// contiguous run of the sorted order; the tree is rebuilt at every call.
type bhTree struct {
	theta2 float64
	bits   int      // quantisation bits per axis (tree depth)
	shift  int      // bits of the point index at the bottom of a key
	keys   []uint64 // Morton code << shift | point index, sorted
	sy     []float64
	nodes  []bhNode
	part   []float64
}

func newBHTree(n int, theta float64) *bhTree {
	shift := bits.Len(uint(n))
	return &bhTree{
		theta2: theta * theta,
		bits:   min(21, (64-shift)/2),
		shift:  shift,
		keys:   make([]uint64, n),
		sy:     make([]float64, 2*n),
		part:   make([]float64, (n+bhChunk-1)/bhChunk),
	}
}

// spread2 moves bit k of v (v < 2³²) to bit 2k.
func spread2(v uint64) uint64 {
	v = (v | v<<16) & 0x0000ffff0000ffff
	v = (v | v<<8) & 0x00ff00ff00ff00ff
	v = (v | v<<4) & 0x0f0f0f0f0f0f0f0f
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

// bounds returns the lower left corner and the side of the bounding square
// of the map y (side 1 if all points coincide).
func bounds(y []float64) (x0, y0, side float64) {
	x0, y0 = math.Inf(1), math.Inf(1)
	x1, y1 := math.Inf(-1), math.Inf(-1)
	for i := 0; i < len(y); i += 2 {
		x0, x1 = min(x0, y[i]), max(x1, y[i])
		y0, y1 = min(y0, y[i+1]), max(y1, y[i+1])
	}
	side = max(x1-x0, y1-y0)
	if !(side > 0) {
		side = 1
	}
	return x0, y0, side
}

// build sorts the points of y and builds the tree.
func (t *bhTree) build(y []float64) {
	n := len(t.keys)
	x0, y0, side := bounds(y)
	cells := float64(uint64(1) << t.bits)
	top := uint64(1)<<t.bits - 1
	scale := cells / side
	for i := 0; i < n; i++ {
		qx := min(uint64(max((y[2*i]-x0)*scale, 0)), top)
		qy := min(uint64(max((y[2*i+1]-y0)*scale, 0)), top)
		t.keys[i] = (spread2(qx)|spread2(qy)<<1)<<t.shift | uint64(i)
	}
	slices.Sort(t.keys) // nearly sorted after the first iterations
	mask := uint64(1)<<t.shift - 1
	for p, k := range t.keys {
		i := int(k & mask)
		t.sy[2*p], t.sy[2*p+1] = y[2*i], y[2*i+1]
	}
	t.nodes = t.nodes[:0]
	t.node(0, n, 0, side)
}

// node appends the subtree of the points at sorted positions [lo, hi),
// which share a cell of the given side at the given depth, and returns the
// sums of their coordinates.
func (t *bhTree) node(lo, hi, depth int, side float64) (sx, sy float64) {
	id := len(t.nodes)
	t.nodes = append(t.nodes, bhNode{size2: side * side, count: float64(hi - lo), lo: int32(lo), hi: int32(hi)})
	if hi-lo <= leafSize || depth == t.bits {
		for p := lo; p < hi; p++ {
			sx += t.sy[2*p]
			sy += t.sy[2*p+1]
		}
		t.nodes[id].leaf = true
	} else {
		// Within the cell the keys agree above these two bits, so the
		// quadrants are consecutive runs.
		shift := uint(2*(t.bits-depth-1) + t.shift)
		a := lo
		for q := uint64(0); q < 4; q++ {
			b := a + sort.Search(hi-a, func(k int) bool { return (t.keys[a+k]>>shift)&3 > q })
			if b > a {
				cx, cy := t.node(a, b, depth+1, side/2)
				sx += cx
				sy += cy
			}
			a = b
		}
	}
	nd := &t.nodes[id]
	nd.cx, nd.cy = sx/nd.count, sy/nd.count
	nd.next = int32(len(t.nodes))
	return sx, sy
}

// order returns the points in the Morton order of the last build.
func (t *bhTree) order() []int32 {
	mask := uint64(1)<<t.shift - 1
	out := make([]int32, len(t.keys))
	for p, k := range t.keys {
		out[p] = int32(k & mask)
	}
	return out
}

// repulse implements repulser: the sums over all other points, with every
// cell that passes the Barnes-Hut test (side < θ·distance to its centre of
// mass, the point not in it) counted as its point count at its centre of
// mass.
func (t *bhTree) repulse(y, rep []float64) float64 {
	t.build(y)
	n := len(t.keys)
	mask := uint64(1)<<t.shift - 1
	_ = parallelChunks(nil, n, bhChunk, func(c, a, b int) {
		z := 0.0
		for p := a; p < b; p++ {
			fx, fy, zp := t.point(p)
			i := t.keys[p] & mask
			rep[2*i], rep[2*i+1] = fx, fy
			z += zp
		}
		t.part[c] = z
	})
	z := 0.0
	for _, v := range t.part {
		z += v
	}
	return z
}

// point returns the repulsion on the point at sorted position p and its
// row of Z, Σ_{j≠i} wᵢⱼ.
func (t *bhTree) point(p int) (fx, fy, z float64) {
	nodes, sy, theta2 := t.nodes, t.sy, t.theta2
	xi, yi := sy[2*p], sy[2*p+1]
	p32 := int32(p)
	for k := 0; k < len(nodes); {
		nd := &nodes[k]
		dx, dy := xi-nd.cx, yi-nd.cy
		d2 := dx*dx + dy*dy
		if nd.size2 < theta2*d2 && (p32 < nd.lo || p32 >= nd.hi) {
			w := 1 / (1 + d2)
			cw := nd.count * w
			z += cw
			cw *= w
			fx += cw * dx
			fy += cw * dy
			k = int(nd.next)
			continue
		}
		if nd.leaf {
			for q := int(nd.lo); q < int(nd.hi); q++ {
				if q == p {
					continue
				}
				dx, dy := xi-sy[2*q], yi-sy[2*q+1]
				w := 1 / (1 + dx*dx + dy*dy)
				z += w
				w *= w
				fx += w * dx
				fy += w * dy
			}
			k = int(nd.next)
			continue
		}
		k++
	}
	return fx, fy, z
}
