package figures

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// agreementStops is the sequential scale of neighbourhood agreement, from
// 0 (every neighbour changed: dark red) through orange, mustard and teal
// to 1 (the same neighbours: blue); every colour stays dark enough to
// read on white.
var agreementStops = []color.NRGBA{
	{0xb2, 0x18, 0x2b, 0xff},
	{0xe0, 0x7b, 0x39, 0xff},
	{0xc9, 0xa2, 0x27, 0xff},
	{0x3f, 0xa3, 0x8c, 0xff},
	{0x21, 0x66, 0xac, 0xff},
}

// AgreementColor returns the colour of agreement a ∈ [0, 1] (clamped; NaN
// is grey), interpolated linearly between the stops of the scale.
func AgreementColor(a float64) color.NRGBA {
	if math.IsNaN(a) {
		return Palette[9]
	}
	a = min(max(a, 0), 1)
	f := a * float64(len(agreementStops)-1)
	i := min(int(f), len(agreementStops)-2)
	t := f - float64(i)
	c0, c1 := agreementStops[i], agreementStops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + t*(float64(y)-float64(x)))) }
	return color.NRGBA{mix(c0.R, c1.R), mix(c0.G, c1.G), mix(c0.B, c1.B), 0xff}
}

// AgreementColors returns the colours of the k+1 possible agreements at k
// neighbours, s/(2k − s) for s = 0..k shared neighbours.
func AgreementColors(k int) []color.NRGBA {
	out := make([]color.NRGBA, k+1)
	for s := range out {
		out[s] = AgreementColor(jaccardOf(s, k))
	}
	return out
}

func jaccardOf(s, k int) float64 { return float64(s) / float64(2*k-s) }

// AgreementHistogram is the histogram of neighbourhood agreement at k
// neighbours: bar s counts the items sharing s of their k neighbours
// (counts[s], s = 0..k), coloured by their agreement s/(2k − s). Bar s is
// centred at x = s; the bar selected (−1: none) is outlined.
func AgreementHistogram(title string, counts []int, k, selected int) *plot.Plot {
	p := New(title, fmt.Sprintf("neighbours shared by A and B (of %d) · agreement below", k), "items")
	most := 1
	for _, c := range counts {
		most = max(most, c)
	}
	p.Add(&agreementBars{counts: counts, k: k, selected: selected})
	if len(counts) <= 21 {
		var xy plotter.XYs
		var labels []string
		for s, c := range counts {
			xy = append(xy, plotter.XY{X: float64(s), Y: float64(c)})
			labels = append(labels, strconv.Itoa(c))
		}
		if l, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: labels}); err == nil {
			for i := range l.TextStyle {
				l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YBottom
				l.TextStyle[i].Font.Size = vg.Points(TickSize - 1)
			}
			l.Offset = vg.Point{Y: vg.Points(2)}
			p.Add(l)
		}
	}
	step := max(1, (len(counts)+15)/16)
	var ticks []plot.Tick
	for s := range counts {
		if s%step == 0 || s == len(counts)-1 {
			ticks = append(ticks, plot.Tick{Value: float64(s), Label: fmt.Sprintf("%d\n%.2f", s, jaccardOf(s, k))})
		}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Marker = countTicks{}
	p.X.Min, p.X.Max = -0.6, float64(len(counts))-0.4
	p.Y.Min, p.Y.Max = 0, 1.12*float64(most)
	grid := plotter.NewGrid()
	grid.Vertical.Width = 0
	p.Add(grid)
	return p
}

// countTicks are the default ticks of a count axis, labelled as whole
// numbers (fractional ones keep no label).
type countTicks struct{}

func (countTicks) Ticks(lo, hi float64) []plot.Tick {
	t := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range t {
		if t[i].Label != "" {
			if t[i].Value != math.Trunc(t[i].Value) {
				t[i].Label = ""
			} else {
				t[i].Label = strconv.FormatFloat(t[i].Value, 'f', 0, 64)
			}
		}
	}
	return t
}

// agreementBars draws the histogram's bars, 0.8 wide in data units.
type agreementBars struct {
	counts      []int
	k, selected int
}

func (b *agreementBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for s, n := range b.counts {
		if n == 0 && s != b.selected {
			continue
		}
		x0, x1, y0, y1 := trX(float64(s)-0.4), trX(float64(s)+0.4), trY(0), trY(float64(n))
		pts := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
		c.FillPolygon(AgreementColor(jaccardOf(s, b.k)), c.ClipPolygonXY(pts))
		if s == b.selected {
			outline := append(pts, pts[0])
			c.StrokeLines(draw.LineStyle{Color: color.Black, Width: vg.Points(2)}, c.ClipLinesXY(outline)...)
		}
	}
}

// ClassAgreement is a horizontal bar chart of the mean agreement of each
// class's items, the first class on top (NaN draws no bar), each bar
// coloured by its value and labelled with it, with the mean over all
// items as a dashed line.
func ClassAgreement(title string, classes []string, means []float64, overall float64) (*plot.Plot, error) {
	if len(means) != len(classes) {
		return nil, fmt.Errorf("%d means for %d classes", len(means), len(classes))
	}
	p := New(title, "mean agreement of the class's items", "")
	n := len(classes)
	row := func(c int) float64 { return float64(n - 1 - c) }
	var xy plotter.XYs
	var labels []string
	for c, m := range means {
		if math.IsNaN(m) {
			continue
		}
		b, err := plotter.NewBarChart(plotter.Values{m}, vg.Points(barWidth(n)))
		if err != nil {
			return nil, err
		}
		b.Horizontal, b.XMin, b.Color, b.LineStyle.Width = true, row(c), AgreementColor(m), 0
		p.Add(b)
		x := m
		if !math.IsNaN(overall) && math.Abs(m-overall) < 0.06 {
			x = max(m, overall) // clear of the dashed line
		}
		xy = append(xy, plotter.XY{X: x, Y: row(c)})
		labels = append(labels, fmt.Sprintf("%.3f", m))
	}
	if l, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: labels}); err == nil && len(xy) > 0 {
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XLeft, draw.YCenter
			l.TextStyle[i].Font.Size = vg.Points(TickSize - 1)
		}
		l.Offset = vg.Point{X: vg.Points(3)}
		p.Add(l)
	}
	if !math.IsNaN(overall) {
		l, _ := plotter.NewLine(plotter.XYs{{X: overall, Y: -0.6}, {X: overall, Y: float64(n) - 0.4}})
		l.Color, l.Width, l.Dashes = color.Black, vg.Points(1), []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(l)
		p.X.Label.Text += fmt.Sprintf(" (dashed: all items, %.3f)", overall)
	}
	names := make([]string, n)
	for c, name := range classes {
		names[n-1-c] = name
	}
	p.NominalY(names...)
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	p.X.Min, p.X.Max = 0, 1.15
	p.X.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"}, {Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}})
	grid := plotter.NewGrid()
	grid.Horizontal.Width = 0
	p.Add(grid)
	return p, nil
}

// barWidth is the width in points of one bar among n.
func barWidth(n int) float64 { return max(6, min(40, 360/float64(max(n, 1)))) }

// DriftCurve plots the training drift per epoch: the agreement of the
// evaluation sample's neighbourhoods before and after each epoch, from 0
// (reshuffled) to 1 (settled). epochs and values pair up; NaN values are
// skipped.
func DriftCurve(title string, epochs []int, values []float64) *plot.Plot {
	p := New(title, "epoch", "share of 10-NN kept")
	var xy plotter.XYs
	last := 1
	for i, e := range epochs {
		last = max(last, e)
		if i < len(values) && !math.IsNaN(values[i]) {
			xy = append(xy, plotter.XY{X: float64(e), Y: values[i]})
		}
	}
	if len(xy) > 0 {
		l, s, _ := plotter.NewLinePoints(xy)
		l.Color, l.Width = Palette[0], vg.Points(1.8)
		s.Color, s.Radius, s.Shape = Palette[0], vg.Points(3), draw.CircleGlyph{}
		p.Add(l, s)
	}
	step := max(1, last/10)
	var ticks []plot.Tick
	for e := 1; e <= last; e += step {
		ticks = append(ticks, plot.Tick{Value: float64(e), Label: strconv.Itoa(e)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = 0.5, float64(last)+0.5
	p.Y.Min, p.Y.Max = 0, 1.02
	p.Add(plotter.NewGrid())
	SetCompact(p)
	return p
}
