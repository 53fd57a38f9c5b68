package figures

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// EpochPoint is one completed epoch of training.
type EpochPoint struct {
	Epoch               int
	TrainLoss, EvalLoss float64 // NaN when not measured
	TrainAcc, EvalAcc   float64
	KNN                 float64
}

// BatchLoss plots the loss of every batch (thin, light) with its smoothed
// curve (thick) against the batch number; stride is how many batches each
// point stands for, perEpoch the batches per epoch (epoch boundaries are
// marked with faint vertical lines).
func BatchLoss(title string, raw, smooth []float32, stride, perEpoch int) *plot.Plot {
	p := New(title, "batch", "loss")
	if len(raw) == 0 {
		return p
	}
	stride = max(stride, 1)
	xy := func(v []float32) plotter.XYs {
		out := make(plotter.XYs, 0, len(v))
		for i, y := range v {
			if !math.IsNaN(float64(y)) && !math.IsInf(float64(y), 0) {
				out = append(out, plotter.XY{X: float64((i + 1) * stride), Y: float64(y)})
			}
		}
		return out
	}
	r, _ := plotter.NewLine(xy(raw))
	r.Color, r.Width = Palette[1], vg.Points(0.6)
	s, _ := plotter.NewLine(xy(smooth))
	s.Color, s.Width = Palette[0], vg.Points(2)
	if perEpoch > 0 {
		last := len(raw) * stride
		for e := perEpoch; e < last; e += perEpoch {
			l, _ := plotter.NewLine(plotter.XYs{{X: float64(e), Y: 0}, {X: float64(e), Y: maxOf(raw)}})
			l.Color, l.Width, l.Dashes = Palette[9], vg.Points(0.4), []vg.Length{vg.Points(2), vg.Points(2)}
			p.Add(l)
		}
	}
	p.Add(r, s)
	p.Legend.Add("batch loss", r)
	p.Legend.Add("smoothed (bias-corrected moving average)", s)
	p.Legend.Top = true
	p.Y.Min, p.Y.Max = 0, 1.3*maxOf(raw) // headroom for the legend
	p.Add(plotter.NewGrid())
	return p
}

func maxOf(v []float32) float64 {
	m := 0.0
	for _, x := range v {
		if f := float64(x); f > m && !math.IsInf(f, 0) {
			m = f
		}
	}
	return m
}

// EpochLoss plots the training and evaluation loss per epoch.
func EpochLoss(title string, pts []EpochPoint) *plot.Plot {
	p := New(title, "epoch", "loss")
	addSeries(p, pts, "train loss", func(e EpochPoint) float64 { return e.TrainLoss }, 0, false)
	addSeries(p, pts, "evaluation loss", func(e EpochPoint) float64 { return e.EvalLoss }, 6, true)
	p.Legend.Top = true
	p.Y.Min = 0
	epochTicks(p, pts)
	p.Add(plotter.NewGrid())
	return p
}

// EpochAccuracy plots training and evaluation accuracy (pair accuracy or
// softmax accuracy, as the scheme measures it) and the embedding's kNN(5)
// accuracy per epoch.
func EpochAccuracy(title string, pts []EpochPoint) *plot.Plot {
	p := New(title, "epoch", "accuracy")
	addSeries(p, pts, "train", func(e EpochPoint) float64 { return e.TrainAcc }, 0, false)
	addSeries(p, pts, "evaluation", func(e EpochPoint) float64 { return e.EvalAcc }, 6, true)
	addSeries(p, pts, "kNN(5) in the embedding", func(e EpochPoint) float64 { return e.KNN }, 3, false)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Y.Max = 1
	epochTicks(p, pts)
	p.Add(plotter.NewGrid())
	return p
}

func addSeries(p *plot.Plot, pts []EpochPoint, name string, f func(EpochPoint) float64, colour int, dashed bool) {
	var xy plotter.XYs
	for _, e := range pts {
		if v := f(e); !math.IsNaN(v) && !math.IsInf(v, 0) {
			xy = append(xy, plotter.XY{X: float64(e.Epoch), Y: v})
		}
	}
	if len(xy) == 0 {
		return
	}
	l, s, _ := plotter.NewLinePoints(xy)
	l.Color, l.Width = Palette[colour], vg.Points(1.8)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	s.Color, s.Radius, s.Shape = Palette[colour], vg.Points(3), draw.CircleGlyph{}
	p.Add(l, s)
	p.Legend.Add(name, l, s)
}

func epochTicks(p *plot.Plot, pts []EpochPoint) {
	n := 0
	for _, e := range pts {
		n = max(n, e.Epoch)
	}
	if n == 0 {
		return
	}
	step := max(1, n/10)
	var ticks []plot.Tick
	for e := 1; e <= n; e += step {
		ticks = append(ticks, plot.Tick{Value: float64(e), Label: strconv.Itoa(e)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = 0.5, float64(n)+0.5
}
