package figures

import (
	"fmt"
	"image"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Centroids shows decoded cluster centres as images, CentroidColumns(k)
// to a row, each captioned with its cluster number, majority class and
// that class's share.
func Centroids(title string, images []image.Image, majority []string, share []float64) *plot.Plot {
	var rows [][]Tile
	cols := CentroidColumns(len(images))
	for j, img := range images {
		if j%cols == 0 {
			rows = append(rows, nil)
		}
		cap := fmt.Sprintf("C%d: empty", j)
		if majority[j] != "" {
			cap = fmt.Sprintf("C%d: %s %.0f%%", j, majority[j], 100*share[j])
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], Tile{Image: img, Caption: cap})
	}
	return ImageGrid(title, rows, nil)
}

// CentroidColumns is the number of centroids per row: up to 5 for k ≤ 10
// (two rows, so the captions have room), else 10.
func CentroidColumns(k int) int {
	if k <= 10 {
		return max(1, min(k, 5))
	}
	return 10
}

// ClusterScores is one clustering's quality against the classes.
type ClusterScores struct {
	Name                       string // e.g. "pixels, k=10" or "sklearn pixels (anchor)"
	PurityMean, PurityWeighted float64
	NMI, ARI                   float64
}

// ClusterComparison is a grouped bar chart of purity (mean and weighted),
// NMI and ARI, one group per metric and one bar per clustering.
func ClusterComparison(title string, rows []ClusterScores) (*plot.Plot, error) {
	p := New(title, "", "score")
	metrics := []string{"purity (mean)", "purity (weighted)", "NMI", "ARI"}
	n := len(rows)
	if n == 0 {
		return nil, fmt.Errorf("no clusterings to compare")
	}
	w := vg.Points(min(60/float64(n), 18))
	colors := append(append([]color.NRGBA{}, SplitColors...), Palette...)
	for i, r := range rows {
		vals := plotter.Values{r.PurityMean, r.PurityWeighted, r.NMI, r.ARI}
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, err
		}
		b.Color = colors[i%len(colors)]
		b.LineStyle.Width = 0
		b.Offset = w * (vg.Length(i) - vg.Length(n-1)/2)
		p.Add(b)
		p.Legend.Add(r.Name, b)
	}
	p.NominalX(metrics...)
	p.Y.Min, p.Y.Max = 0, 1+0.07*float64(n) // headroom for the legend
	p.X.Min, p.X.Max = -0.6, float64(len(metrics))-0.4
	p.Legend.Top = true
	p.Legend.Left = false
	grid := plotter.NewGrid()
	grid.Vertical.Width = 0
	p.Add(grid)
	return p, nil
}
