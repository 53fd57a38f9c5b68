// Package metrics scores predictions against true labels: accuracy,
// confusion matrix and per-class precision and recall for classifiers
// (metrics.go), and purity, NMI, ARI and Hungarian-matched accuracy for
// clusterings (cluster.go).
package metrics

import "fmt"

// Accuracy returns the fraction of predictions equal to the truth. It
// panics if the lengths differ (a programmer error) and returns 0 for no
// predictions.
func Accuracy(pred, truth []int) float64 {
	if len(pred) != len(truth) {
		panic(fmt.Sprintf("metrics: %d predictions for %d labels", len(pred), len(truth)))
	}
	if len(pred) == 0 {
		return 0
	}
	ok := 0
	for i, p := range pred {
		if p == truth[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(pred))
}

// Confusion is a confusion matrix: Counts[t][p] is the number of items of
// true class t predicted as class p.
type Confusion struct {
	Counts [][]int
}

// NewConfusion counts pred against truth over classes 0..classes-1. It
// returns an error for a label outside that range.
func NewConfusion(pred, truth []int, classes int) (Confusion, error) {
	if len(pred) != len(truth) {
		panic(fmt.Sprintf("metrics: %d predictions for %d labels", len(pred), len(truth)))
	}
	c := Confusion{Counts: make([][]int, classes)}
	for i := range c.Counts {
		c.Counts[i] = make([]int, classes)
	}
	for i, p := range pred {
		t := truth[i]
		if t < 0 || t >= classes || p < 0 || p >= classes {
			return Confusion{}, fmt.Errorf("item %d: true class %d or predicted class %d is outside 0..%d", i, t, p, classes-1)
		}
		c.Counts[t][p]++
	}
	return c, nil
}

// Total returns the number of items counted.
func (c Confusion) Total() int {
	n := 0
	for _, row := range c.Counts {
		for _, v := range row {
			n += v
		}
	}
	return n
}

// Accuracy returns the share of items on the diagonal.
func (c Confusion) Accuracy() float64 {
	n, ok := 0, 0
	for t, row := range c.Counts {
		for p, v := range row {
			n += v
			if p == t {
				ok += v
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(ok) / float64(n)
}

// TrueTotals returns the number of items of each true class (row sums).
func (c Confusion) TrueTotals() []int {
	out := make([]int, len(c.Counts))
	for t, row := range c.Counts {
		for _, v := range row {
			out[t] += v
		}
	}
	return out
}

// PredictedTotals returns the number of items predicted as each class
// (column sums).
func (c Confusion) PredictedTotals() []int {
	out := make([]int, len(c.Counts))
	for _, row := range c.Counts {
		for p, v := range row {
			out[p] += v
		}
	}
	return out
}

// Recall returns, per class, the share of its items predicted correctly
// (the per-class accuracy); NaN for a class with no items.
func (c Confusion) Recall() []float64 {
	tot := c.TrueTotals()
	out := make([]float64, len(c.Counts))
	for k := range out {
		out[k] = ratio(c.Counts[k][k], tot[k])
	}
	return out
}

// Precision returns, per class, the share of the items predicted as that
// class that truly belong to it; NaN for a class never predicted.
func (c Confusion) Precision() []float64 {
	tot := c.PredictedTotals()
	out := make([]float64, len(c.Counts))
	for k := range out {
		out[k] = ratio(c.Counts[k][k], tot[k])
	}
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		var nan float64
		return nan / nan
	}
	return float64(a) / float64(b)
}
