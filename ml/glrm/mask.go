package glrm

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas32"
)

// Mask records which entries of a rows×cols matrix are observed. It is a
// bitset of the hidden (missing) entries in row-major order, so a new mask
// has every entry observed. A nil *Mask, wherever one is accepted, means
// that every entry is observed.
type Mask struct {
	rows, cols int
	hidden     []uint64
}

// NewMask returns a rows×cols mask with every entry observed. It panics if
// rows or cols is negative.
func NewMask(rows, cols int) *Mask {
	if rows < 0 || cols < 0 {
		panic("glrm: negative mask dimension")
	}
	return &Mask{rows: rows, cols: cols, hidden: make([]uint64, (rows*cols+63)/64)}
}

// Dims returns the size of the matrix the mask describes.
func (m *Mask) Dims() (rows, cols int) { return m.rows, m.cols }

// bit returns the position of entry (i, j), panicking when it is out of range.
func (m *Mask) bit(i, j int) int {
	if uint(i) >= uint(m.rows) || uint(j) >= uint(m.cols) {
		panic(fmt.Sprintf("glrm: mask entry (%d, %d) outside %d×%d", i, j, m.rows, m.cols))
	}
	return i*m.cols + j
}

// Hide marks entry (i, j) as missing.
func (m *Mask) Hide(i, j int) {
	b := m.bit(i, j)
	m.hidden[b>>6] |= 1 << (b & 63)
}

// Show marks entry (i, j) as observed.
func (m *Mask) Show(i, j int) {
	b := m.bit(i, j)
	m.hidden[b>>6] &^= 1 << (b & 63)
}

// Observed reports whether entry (i, j) is observed. It is true for every
// entry of a nil mask.
func (m *Mask) Observed(i, j int) bool {
	if m == nil {
		return true
	}
	b := m.bit(i, j)
	return m.hidden[b>>6]&(1<<(b&63)) == 0
}

// Missing returns the number of hidden entries (0 for a nil mask).
func (m *Mask) Missing() int {
	if m == nil {
		return 0
	}
	n := 0
	for _, w := range m.hidden {
		n += bits.OnesCount64(w)
	}
	return n
}

// hiddenAt reports whether bit b (row-major position) is hidden.
func (m *Mask) hiddenAt(b int) bool { return m.hidden[b>>6]&(1<<(b&63)) != 0 }

// RandomMask returns a rows×cols mask in which exactly
// round(fraction·rows·cols) entries, chosen uniformly at random by selection
// sampling (Knuth's Algorithm S) from a PCG generator seeded with seed, are
// hidden. It returns an error unless 0 ≤ fraction ≤ 1.
func RandomMask(rows, cols int, fraction float64, seed uint64) (*Mask, error) {
	if !(fraction >= 0 && fraction <= 1) {
		return nil, fmt.Errorf("glrm: fraction %v is outside [0, 1]", fraction)
	}
	if rows < 0 || cols < 0 {
		return nil, fmt.Errorf("glrm: mask of %d×%d", rows, cols)
	}
	m := NewMask(rows, cols)
	total := rows * cols
	need := int(math.Round(fraction * float64(total)))
	rng := rand.New(rand.NewPCG(seed, 0x6c72))
	for b := 0; b < total && need > 0; b++ {
		// Hide entry b with probability need / (entries left).
		if rng.IntN(total-b) < need {
			m.hidden[b>>6] |= 1 << (b & 63)
			need--
		}
	}
	return m, nil
}

// NaNMask returns a mask that hides exactly the NaN entries of X, or nil
// when X has none.
func NaNMask(X blas32.General) *Mask {
	var m *Mask
	for i := 0; i < X.Rows; i++ {
		for j, v := range X.Data[i*X.Stride : i*X.Stride+X.Cols] {
			if v != v {
				if m == nil {
					m = NewMask(X.Rows, X.Cols)
				}
				m.Hide(i, j)
			}
		}
	}
	return m
}

// lists holds, for each of m lines (rows or columns of the data), the
// shorter of its list of observed and its list of missing positions.
type lists struct {
	ptr      []int   // line r lists idx[ptr[r]:ptr[r+1]]
	idx      []int32 // positions along the line
	observed []bool  // whether line r lists observed (true) or missing positions
	maxLen   int     // longest list
}

// list returns the positions listed for line r.
func (l *lists) list(r int) []int32 { return l.idx[l.ptr[r]:l.ptr[r+1]] }

// buildLists returns the row lists of mask m and, when withCols is set, its
// column lists, or an error naming the first row (or, withCols, column) that
// has no observed entry. It returns nil lists when nothing is hidden.
func buildLists(m *Mask, withCols bool) (rows, cols *lists, err error) {
	if m.Missing() == 0 {
		return nil, nil, nil
	}
	n, d := m.rows, m.cols
	rowMiss := make([]int, n)
	colMiss := make([]int, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			if m.hiddenAt(i*d + j) {
				rowMiss[i]++
				colMiss[j]++
			}
		}
	}
	for i, c := range rowMiss {
		if c == d {
			return nil, nil, fmt.Errorf("glrm: row %d has no observed entries", i)
		}
	}
	if withCols {
		for j, c := range colMiss {
			if c == n {
				return nil, nil, fmt.Errorf("glrm: column %d has no observed entries", j)
			}
		}
		cols = newLists(colMiss, n)
	}
	rows = newLists(rowMiss, d)
	var next []int
	if withCols {
		next = make([]int, d)
		copy(next, cols.ptr[:d])
	}
	for i := 0; i < n; i++ {
		r := rows.ptr[i]
		for j := 0; j < d; j++ {
			hid := m.hiddenAt(i*d + j)
			if hid != rows.observed[i] {
				rows.idx[r] = int32(j)
				r++
			}
			if withCols && hid != cols.observed[j] {
				cols.idx[next[j]] = int32(i)
				next[j]++
			}
		}
	}
	return rows, cols, nil
}

// newLists sizes the lists of lines with the given missing counts out of
// length positions each: a line lists its missing positions when they are
// no more than its observed ones.
func newLists(missing []int, length int) *lists {
	l := &lists{ptr: make([]int, len(missing)+1), observed: make([]bool, len(missing))}
	for r, c := range missing {
		size := c
		if c > length-c {
			size = length - c
			l.observed[r] = true
		}
		l.ptr[r+1] = l.ptr[r] + size
		l.maxLen = max(l.maxLen, size)
	}
	l.idx = make([]int32, l.ptr[len(missing)])
	return l
}

// observedCount returns the number of observed positions on line r of a
// line of the given length.
func (l *lists) observedCount(r, length int) int {
	if l.observed[r] {
		return l.ptr[r+1] - l.ptr[r]
	}
	return length - (l.ptr[r+1] - l.ptr[r])
}
