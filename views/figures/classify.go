package figures

import (
	"fmt"
	"image"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Series is one named set of per-class values, e.g. the recall of each
// class on the test split.
type Series struct {
	Name   string
	Values []float64
}

// PerClassAccuracy is a grouped bar chart of per-class accuracy (recall),
// one group per class and one bar per series, on a 0..1 axis.
func PerClassAccuracy(title string, classes []string, series []Series) (*plot.Plot, error) {
	p := New(title, "class", "accuracy within the class")
	n := len(series)
	if n == 0 {
		return nil, fmt.Errorf("no accuracies to plot")
	}
	barW := vg.Points(48) / vg.Length(n)
	if len(classes) > 12 {
		barW = vg.Points(18) / vg.Length(n)
	}
	for i, s := range series {
		if len(s.Values) != len(classes) {
			return nil, fmt.Errorf("series %q has %d values for %d classes", s.Name, len(s.Values), len(classes))
		}
		vals := make(plotter.Values, len(s.Values))
		for k, v := range s.Values {
			if v == v { // NaN (a class absent from the split) draws no bar
				vals[k] = v
			}
		}
		bars, err := plotter.NewBarChart(vals, barW)
		if err != nil {
			return nil, err
		}
		bars.Color = SplitColors[i%len(SplitColors)]
		bars.LineStyle.Width = 0
		bars.Offset = barW * (vg.Length(i) - vg.Length(n-1)/2)
		p.Add(bars)
		p.Legend.Add(s.Name, bars)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.YOffs = -vg.Points(4)
	p.NominalX(classes...)
	grid := plotter.NewGrid()
	grid.Vertical.Width = 0
	p.Add(grid)
	p.Y.Min, p.Y.Max = 0, 1.15
	p.X.Min, p.X.Max = -0.6, float64(len(classes))-0.4
	p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"}, {Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}})
	return p, nil
}

// Prototypes shows prototype images: one row of class means (one image per
// class, captioned with its name) or, when some class has several
// prototypes, one row per class. protoClass[i] is the class of images[i].
func Prototypes(dataName string, classes []string, protoClass []int, images []image.Image) *plot.Plot {
	perClass := make([][]Tile, len(classes))
	single := len(images) == len(classes)
	for i, c := range protoClass {
		t := Tile{Image: images[i]}
		if single {
			t.Caption = classes[c]
		}
		perClass[c] = append(perClass[c], t)
	}
	if single {
		var all []Tile
		for _, ts := range perClass {
			all = append(all, ts...)
		}
		per := singlePerRow(len(all))
		var rows [][]Tile
		for len(all) > 0 {
			n := min(per, len(all))
			rows, all = append(rows, all[:n]), all[n:]
		}
		return ImageGrid("Class prototypes: the mean image of each class — "+dataName, rows, nil)
	}
	return ImageGrid("Class prototypes, with k-means centres where a class was split — "+dataName, perClass, classes)
}

// singlePerRow is how many of n class means Prototypes puts in a row:
// all of them up to 6, else half (rounded up), so that they make a block
// rather than a strip.
func singlePerRow(n int) int {
	if n <= 6 {
		return max(n, 1)
	}
	return (n + 1) / 2
}

// PrototypesSize suggests the export size of Prototypes.
func PrototypesSize(classes, prototypes int, maxPerClass int) (w, h vg.Length) {
	if prototypes == classes {
		per := singlePerRow(classes)
		return GridSize((classes+per-1)/per, per, 0)
	}
	return GridSize(classes, maxPerClass, 12)
}
