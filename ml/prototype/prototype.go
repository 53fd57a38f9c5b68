// Package prototype is the nearest-prototype classifier of seed notebook
// 001: each class is represented by one or more prototype images (its mean,
// or k-means centres of its images), and an item is given the class of its
// nearest prototype.
package prototype

import (
	"context"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/linalg"
)

// Model is a set of prototypes: row p of Centers is a prototype of class
// Class[p]. Rows are grouped by class in increasing class order.
type Model struct {
	Centers blas32.General // P×d
	Class   []int          // class of each prototype
	Classes int            // number of classes
}

// ClassMeans returns one prototype per class: the mean of the rows of X of
// that class (computed in float64). It returns an error if a class in
// 0..classes-1 has no rows, a label is out of range, or X holds NaN/Inf.
func ClassMeans(X blas32.General, y []int, classes int) (*Model, error) {
	n, d := X.Rows, X.Cols
	if len(y) != n {
		return nil, fmt.Errorf("prototype: %d labels for %d rows", len(y), n)
	}
	sums := make([]float64, classes*d)
	counts := make([]int, classes)
	for i := 0; i < n; i++ {
		c := y[i]
		if c < 0 || c >= classes {
			return nil, fmt.Errorf("prototype: row %d has class %d, outside 0..%d", i, c, classes-1)
		}
		counts[c]++
		row := X.Data[i*X.Stride : i*X.Stride+d]
		s := sums[c*d : (c+1)*d]
		for j, v := range row {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("prototype: row %d, feature %d is %v", i, j, v)
			}
			s[j] += float64(v)
		}
	}
	m := &Model{Centers: blas32.General{Rows: classes, Cols: d, Stride: d, Data: make([]float32, classes*d)}, Class: make([]int, classes), Classes: classes}
	for c := 0; c < classes; c++ {
		if counts[c] == 0 {
			return nil, fmt.Errorf("prototype: class %d has no rows in this split, so it has no prototype", c)
		}
		m.Class[c] = c
		for j := 0; j < d; j++ {
			m.Centers.Data[c*d+j] = float32(sums[c*d+j] / float64(counts[c]))
		}
	}
	return m, nil
}

// WithClassPrototypes returns a copy of m in which the prototypes of class
// c are replaced by the rows of centers (e.g. k-means centres of the
// class's images).
func (m *Model) WithClassPrototypes(c int, centers blas32.General) (*Model, error) {
	if c < 0 || c >= m.Classes {
		return nil, fmt.Errorf("prototype: class %d outside 0..%d", c, m.Classes-1)
	}
	if centers.Rows < 1 || centers.Cols != m.Centers.Cols {
		return nil, fmt.Errorf("prototype: %d×%d prototypes do not fit %d features", centers.Rows, centers.Cols, m.Centers.Cols)
	}
	d := m.Centers.Cols
	type proto struct {
		class int
		row   []float32
	}
	var all []proto
	for p := 0; p < m.Centers.Rows; p++ {
		if m.Class[p] != c {
			all = append(all, proto{m.Class[p], m.Centers.Data[p*m.Centers.Stride : p*m.Centers.Stride+d]})
		}
	}
	for r := 0; r < centers.Rows; r++ {
		all = append(all, proto{c, centers.Data[r*centers.Stride : r*centers.Stride+d]})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].class < all[j].class })
	out := &Model{Centers: blas32.General{Rows: len(all), Cols: d, Stride: d, Data: make([]float32, len(all)*d)}, Class: make([]int, len(all)), Classes: m.Classes}
	for p, pr := range all {
		copy(out.Centers.Data[p*d:(p+1)*d], pr.row)
		out.Class[p] = pr.class
	}
	return out, nil
}

// Count returns the number of prototypes of class c.
func (m *Model) Count(c int) int {
	n := 0
	for _, k := range m.Class {
		if k == c {
			n++
		}
	}
	return n
}

// Distances holds, for every row of X, its mean squared distance (per
// feature) to every prototype: Data[i*P + p].
type Distances struct {
	N, P int
	Data []float64
}

// MeanSquaredDistances computes ‖x − c‖²/d for every row x of X and every
// prototype c, as ‖x‖² + ‖c‖² − 2x·c with the dot products from one
// float32 GEMM (linalg.MulABt) in blocks of rows, clamped at 0.
func (m *Model) MeanSquaredDistances(ctx context.Context, X blas32.General) (Distances, error) {
	if X.Cols != m.Centers.Cols {
		return Distances{}, fmt.Errorf("prototype: rows have %d features, prototypes %d", X.Cols, m.Centers.Cols)
	}
	n, P, d := X.Rows, m.Centers.Rows, X.Cols
	out := Distances{N: n, P: P, Data: make([]float64, n*P)}
	cn := make([]float64, P)
	for p := 0; p < P; p++ {
		cn[p] = sqNorm(m.Centers.Data[p*m.Centers.Stride : p*m.Centers.Stride+d])
	}
	const block = 4096
	dots := make([]float32, block*P)
	for lo := 0; lo < n; lo += block {
		if err := ctx.Err(); err != nil {
			return Distances{}, err
		}
		hi := min(lo+block, n)
		a := blas32.General{Rows: hi - lo, Cols: d, Stride: X.Stride, Data: X.Data[lo*X.Stride:]}
		dst := blas32.General{Rows: hi - lo, Cols: P, Stride: P, Data: dots[:(hi-lo)*P]}
		linalg.MulABt(dst, a, m.Centers)
		for i := lo; i < hi; i++ {
			xn := sqNorm(X.Data[i*X.Stride : i*X.Stride+d])
			for p := 0; p < P; p++ {
				v := (xn + cn[p] - 2*float64(dst.Data[(i-lo)*P+p])) / float64(d)
				out.Data[i*P+p] = math.Max(v, 0)
			}
		}
	}
	return out, nil
}

func sqNorm(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return s
}

// Prediction is the nearest-prototype decision for one row.
type Prediction struct {
	Class     int     // class of the nearest prototype
	Dist      float64 // mean squared distance to it
	Prototype int     // its row in Centers
}

// Predict returns the class of the nearest prototype of every row of X
// (ties go to the first prototype, i.e. the lowest class).
func (m *Model) Predict(ctx context.Context, X blas32.General) ([]Prediction, error) {
	D, err := m.MeanSquaredDistances(ctx, X)
	if err != nil {
		return nil, err
	}
	out := make([]Prediction, D.N)
	for i := range out {
		row := D.Data[i*D.P : (i+1)*D.P]
		best := 0
		for p, v := range row {
			if v < row[best] {
				best = p
			}
		}
		out[i] = Prediction{Class: m.Class[best], Dist: row[best], Prototype: best}
	}
	return out, nil
}

// Nearest returns, from a row's distances, the nearest prototype of class c
// (own=true) or of any class other than c (own=false), and its distance;
// -1 when there is none.
func (m *Model) Nearest(D Distances, i, c int, own bool) (proto int, dist float64) {
	proto, dist = -1, math.Inf(1)
	for p := 0; p < D.P; p++ {
		if (m.Class[p] == c) == own && D.Data[i*D.P+p] < dist {
			proto, dist = p, D.Data[i*D.P+p]
		}
	}
	return proto, dist
}
