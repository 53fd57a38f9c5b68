package figures

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Objective plots an iterative fit's objective against the iteration, on a
// log scale when it spans more than two decades.
func Objective(title string, values []float64) *plot.Plot {
	p := New(title, "iteration", "objective")
	xy := make(plotter.XYs, 0, len(values))
	lo, hi := 0.0, 0.0
	for i, v := range values {
		if v > 0 {
			xy = append(xy, plotter.XY{X: float64(i + 1), Y: v})
			if lo == 0 || v < lo {
				lo = v
			}
			hi = max(hi, v)
		}
	}
	if len(xy) == 0 {
		return p
	}
	if hi > 100*lo {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: 2}
	}
	l, s, _ := plotter.NewLinePoints(xy)
	l.Color, l.Width = Palette[0], vg.Points(1.8)
	s.Color, s.Radius, s.Shape = Palette[0], vg.Points(2.5), draw.CircleGlyph{}
	p.Add(l, s, plotter.NewGrid())
	return p
}

// RMSEBars compares the errors of several methods as horizontal-labelled
// bars, each annotated with its value.
func RMSEBars(title string, names []string, values []float64) (*plot.Plot, error) {
	p := New(title, "", "RMSE on the hidden entries")
	b, err := plotter.NewBarChart(plotter.Values(values), vg.Points(60))
	if err != nil {
		return nil, err
	}
	b.Color, b.LineStyle.Width = Palette[0], 0
	p.Add(b)
	var xy plotter.XYs
	var labels []string
	for i, v := range values {
		xy = append(xy, plotter.XY{X: float64(i), Y: v})
		labels = append(labels, fmt.Sprintf("%.4f", v))
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: labels})
	if err == nil {
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign = draw.XCenter
			l.TextStyle[i].YAlign = draw.YBottom
			l.TextStyle[i].Font.Size = vg.Points(TickSize)
		}
		l.Offset = vg.Point{Y: vg.Points(3)}
		p.Add(l)
	}
	p.NominalX(names...)
	p.Y.Min = 0
	hi := 0.0
	for _, v := range values {
		hi = max(hi, v)
	}
	p.Y.Max = 1.15 * hi
	p.X.Min, p.X.Max = -0.6, float64(len(values))-0.4
	return p, nil
}

// RankCurve plots a quantity (accuracy, seconds) against the rank k on a
// log₂ axis, one point per rank, with an optional horizontal reference
// line (e.g. the accuracy on all features; NaN for none).
func RankCurve(title, yLabel string, ks []int, ys []float64, reference float64, refLabel string) *plot.Plot {
	p := New(title, "rank k (log₂ scale)", yLabel)
	p.X.Scale = plot.LogScale{}
	var ticks []plot.Tick
	xy := make(plotter.XYs, len(ks))
	for i, k := range ks {
		xy[i] = plotter.XY{X: float64(k), Y: ys[i]}
		ticks = append(ticks, plot.Tick{Value: float64(k), Label: fmt.Sprint(k)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	if len(xy) == 0 {
		return p
	}
	l, s, _ := plotter.NewLinePoints(xy)
	l.Color, l.Width = Palette[0], vg.Points(1.8)
	s.Color, s.Radius, s.Shape = Palette[0], vg.Points(3.5), draw.CircleGlyph{}
	p.Add(l, s)
	if reference == reference {
		r, _ := plotter.NewLine(plotter.XYs{{X: float64(ks[0]), Y: reference}, {X: float64(ks[len(ks)-1]), Y: reference}})
		r.Color, r.Width, r.Dashes = Palette[6], vg.Points(1.2), []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(r)
		p.Legend.Add(refLabel, r)
		p.Legend.Top = true
		p.Legend.Left = true
	}
	p.Add(plotter.NewGrid())
	return p
}
