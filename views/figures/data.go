package figures

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"embedscope/ml/dataset"
)

// ClassCounts is a grouped bar chart of the number of rows of each class in
// each non-empty split.
func ClassCounts(ds *dataset.Dataset, splits dataset.Splits) (*plot.Plot, error) {
	p := New("Images per class — "+ds.Name, "class", "count")
	if !ds.IsImage() {
		p.Title.Text = "Rows per class — " + ds.Name
	}
	var parts []dataset.Split
	for _, s := range []dataset.Split{splits.Train, splits.Val, splits.Test} {
		if s.Len() > 0 {
			parts = append(parts, s)
		}
	}
	n := len(parts)
	barW := vg.Points(48) / vg.Length(n)
	if len(ds.Classes) > 12 {
		barW = vg.Points(18) / vg.Length(n)
	}
	for i, s := range parts {
		counts := make(plotter.Values, len(ds.Classes))
		for _, l := range s.Labels() {
			counts[l]++
		}
		bars, err := plotter.NewBarChart(counts, barW)
		if err != nil {
			return nil, err
		}
		bars.Color = SplitColors[i%len(SplitColors)]
		bars.LineStyle.Width = 0
		bars.Offset = barW * (vg.Length(i) - vg.Length(n-1)/2)
		p.Add(bars)
		p.Legend.Add(fmt.Sprintf("%s (%d)", s.Name, s.Len()), bars)
	}
	p.Legend.Top = true
	p.Legend.YOffs = -vg.Points(4)
	p.NominalX(ds.Classes...)
	grid := plotter.NewGrid()
	grid.Vertical.Width = 0
	p.Add(grid)
	p.Y.Min = 0
	p.Y.Max *= 1.18 // room for the legend above the tallest bar
	p.X.Min, p.X.Max = -0.6, float64(len(ds.Classes))-0.4
	return p, nil
}

// Examples shows the first perClass rows of every class in s as a grid,
// one row per class labelled with its name. It returns an error for data
// sets that hold no images.
func Examples(ds *dataset.Dataset, s dataset.Split, perClass int) (*plot.Plot, error) {
	if !ds.IsImage() {
		return nil, fmt.Errorf("%s holds no images", ds.Name)
	}
	rows := make([][]Tile, len(ds.Classes))
	for i := range s.Index {
		l := s.Label(i)
		if len(rows[l]) < perClass {
			rows[l] = append(rows[l], Tile{Image: ds.Image(s.Part, s.Index[i]), Caption: fmt.Sprintf("#%d", s.Index[i])})
		}
	}
	return ImageGrid(fmt.Sprintf("Examples per class — %s (%s split)", ds.Name, s.Name), rows, ds.Classes), nil
}

// DuplicateGroups shows up to maxGroups groups of identical images, one
// group per row, each image captioned with its split and index.
func DuplicateGroups(ds *dataset.Dataset, dups dataset.Duplicates, maxGroups int) (*plot.Plot, error) {
	if !ds.IsImage() {
		return nil, fmt.Errorf("%s holds no images", ds.Name)
	}
	title := fmt.Sprintf("Exact duplicates — %s\n%d within train, %d within test, %d shared",
		ds.Name, dups.WithinTrain, dups.WithinTest, dups.Between)
	var rows [][]Tile
	var labels []string
	for _, g := range dups.Groups {
		if len(rows) == maxGroups {
			break
		}
		var row []Tile
		add := func(p *dataset.Part, split string, idx []int) {
			for _, i := range idx {
				row = append(row, Tile{Image: ds.Image(p, i), Caption: fmt.Sprintf("%s #%d", split, i)})
			}
		}
		add(&ds.Train, "train", g.Train)
		add(&ds.Test, "test", g.Test)
		label := ""
		if len(g.Train) > 0 {
			label = ds.Classes[ds.Train.Labels[g.Train[0]]]
		} else {
			label = ds.Classes[ds.Test.Labels[g.Test[0]]]
		}
		rows = append(rows, row)
		labels = append(labels, label)
	}
	if len(rows) == 0 {
		return ImageGrid(title, nil, nil), nil
	}
	return ImageGrid(title, rows, labels), nil
}

// NearPair is one near-duplicate pair to show: two rows, each from the
// training ("train") or test ("test") part, and their RMS difference.
type NearPair struct {
	APart, BPart string
	A, B         int
	RMS          float64
}

// NearDuplicatePairs shows up to maxPairs near-duplicate pairs, closest
// first, one pair per row, captioned with split, index and RMS difference.
func NearDuplicatePairs(ds *dataset.Dataset, pairs []NearPair, maxRMS float64, maxPairs int) (*plot.Plot, error) {
	if !ds.IsImage() {
		return nil, fmt.Errorf("%s holds no images", ds.Name)
	}
	title := fmt.Sprintf("Near duplicates — %s\n%d pairs within an RMS difference of %.3g grey levels", ds.Name, len(pairs), maxRMS)
	part := func(name string) *dataset.Part {
		if name == "test" {
			return &ds.Test
		}
		return &ds.Train
	}
	var rows [][]Tile
	var labels []string
	for _, p := range pairs {
		if len(rows) == maxPairs {
			break
		}
		pa, pb := part(p.APart), part(p.BPart)
		rows = append(rows, []Tile{
			{Image: ds.Image(pa, p.A), Caption: fmt.Sprintf("%s #%d", p.APart, p.A)},
			{Image: ds.Image(pb, p.B), Caption: fmt.Sprintf("%s #%d", p.BPart, p.B)},
		})
		la, lb := ds.Classes[pa.Labels[p.A]], ds.Classes[pb.Labels[p.B]]
		label := fmt.Sprintf("%s · RMS %.2f", la, p.RMS)
		if la != lb {
			label = fmt.Sprintf("%s / %s · RMS %.2f", la, lb, p.RMS)
		}
		labels = append(labels, label)
	}
	if len(rows) == 0 {
		return ImageGrid(title, nil, nil), nil
	}
	return ImageGrid(title, rows, labels), nil
}
