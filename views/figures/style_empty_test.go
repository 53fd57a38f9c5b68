package figures

import (
	"testing"

	"gonum.org/v1/plot/plotter"
)

// TestEmpty: a plot with nothing added (an empty loss curve) is empty and
// has nothing to export; one line makes it a figure.
func TestEmpty(t *testing.T) {
	if !Empty(New("t", "x", "y")) || !Empty(BatchLoss("loss", nil, nil, 1, 10)) || !Empty(nil) {
		t.Error("an empty plot is not Empty")
	}
	p := New("t", "x", "y")
	l, err := plotter.NewLine(plotter.XYs{{X: 1, Y: 2}, {X: 3, Y: 4}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	if Empty(p) {
		t.Error("a plot with a line is Empty")
	}
}
