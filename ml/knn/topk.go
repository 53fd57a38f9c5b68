package knn

import (
	"math"
	"sort"
)

// candidates collects reference rows for one query from approximate float32
// distances. In top-c mode (capacity > 0) it keeps the c smallest values
// seen, sorted, and thr is the largest of them once c are held (+Inf
// before). In threshold mode (capacity 0) it keeps every row whose value is
// below the fixed thr; push reports when max(compactAt, 2·keep) rows are
// held, and the caller then keeps only the keep exactly nearest (see
// Classifier.compact), which bounds memory when many rows tie. Callers test
// v < thr before calling push, so the common case (a far reference) costs
// one comparison.
type candidates struct {
	capacity int
	keep     int
	thr      float32
	val      []float32
	idx      []int32
}

// compactAt is the least number of rows a threshold-mode list holds before
// it is compacted.
const compactAt = 1024

func (c *candidates) resetTop(capacity int) {
	c.capacity = capacity
	c.thr = float32(math.Inf(1))
	c.val = c.val[:0]
	c.idx = c.idx[:0]
}

func (c *candidates) resetThreshold(thr float32, keep int) {
	c.capacity = 0
	c.keep = keep
	c.thr = thr
	c.val = c.val[:0]
	c.idx = c.idx[:0]
}

// push adds reference j with approximate value v < c.thr. It returns true
// when a threshold-mode list is due for compaction.
func (c *candidates) push(v float32, j int32) bool {
	if c.capacity == 0 {
		c.val = append(c.val, v)
		c.idx = append(c.idx, j)
		return len(c.idx) >= max(compactAt, 2*c.keep)
	}
	n := len(c.val)
	if n < c.capacity {
		c.val = append(c.val, v)
		c.idx = append(c.idx, j)
	} else {
		n-- // drop the largest
	}
	// Insertion into the sorted prefix [0, n).
	i := n
	for i > 0 && c.val[i-1] > v {
		c.val[i] = c.val[i-1]
		c.idx[i] = c.idx[i-1]
		i--
	}
	c.val[i] = v
	c.idx[i] = j
	if len(c.val) == c.capacity {
		c.thr = c.val[len(c.val)-1]
	}
	return false
}

// full reports whether a top-c list holds c values (only then is thr a
// bound on the rows it did not keep).
func (c *candidates) full() bool { return c.capacity > 0 && len(c.val) == c.capacity }

// exactList holds exact distances of candidate rows, sorted by distance,
// then by index.
type exactList struct {
	d   []float64
	idx []int
}

func (e *exactList) Len() int { return len(e.d) }
func (e *exactList) Less(a, b int) bool {
	return e.d[a] < e.d[b] || (e.d[a] == e.d[b] && e.idx[a] < e.idx[b])
}
func (e *exactList) Swap(a, b int) {
	e.d[a], e.d[b] = e.d[b], e.d[a]
	e.idx[a], e.idx[b] = e.idx[b], e.idx[a]
}

func (e *exactList) reset() {
	e.d = e.d[:0]
	e.idx = e.idx[:0]
}

func (e *exactList) sort() { sort.Sort(e) }
