package figures

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"embedscope/ml/embed"
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
	r, _ := plotter.NewLine(lossXY(raw, stride))
	r.Color, r.Width = Palette[1], vg.Points(0.6)
	s, _ := plotter.NewLine(smoothXY(smooth, stride, embed.SmoothBeta))
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
	p.Legend.Add("smoothed (moving average, at the batches it averages)", s)
	p.Legend.Top = true
	p.Y.Min, p.Y.Max = 0, 1.3*maxOf(raw) // headroom for the legend
	p.Add(plotter.NewGrid())
	return p
}

// lossXY places batch losses: entry i, the mean of batches i·stride+1 …
// (i+1)·stride, at their middle batch.
func lossXY(v []float32, stride int) plotter.XYs {
	out := make(plotter.XYs, 0, len(v))
	for i, y := range v {
		if !math.IsNaN(float64(y)) && !math.IsInf(float64(y), 0) {
			out = append(out, plotter.XY{X: float64(i*stride) + float64(stride+1)/2, Y: float64(y)})
		}
	}
	return out
}

// smoothXY places the smoothed losses: entry i, the bias-corrected moving
// average with decay beta after batch t = (i+1)·stride, a weighted mean of
// the losses of batches 1 … t with weights β^(t−k), is drawn at the
// weighted mean of those batch numbers, t − emaLag(t, β). Drawn at t it
// would trail a falling loss by about β/(1−β) = 49 batches and sit above
// every batch loss; at its centre it lies on any straight stretch of the
// losses it averages.
func smoothXY(v []float32, stride int, beta float64) plotter.XYs {
	out := make(plotter.XYs, 0, len(v))
	for i, y := range v {
		if !math.IsNaN(float64(y)) && !math.IsInf(float64(y), 0) {
			t := (i + 1) * stride
			out = append(out, plotter.XY{X: float64(t) - emaLag(t, beta), Y: float64(y)})
		}
	}
	return out
}

// emaLag is the mean age Σ j·β^j / Σ β^j (j = 0 … t−1) of the losses in a
// bias-corrected moving average after t batches: 0 for t = 1, β/(1+β) for
// t = 2, tending to β/(1−β).
func emaLag(t int, beta float64) float64 {
	if t <= 1 {
		return 0
	}
	n := float64(t)
	bt := math.Pow(beta, n)
	s0 := (1 - bt) / (1 - beta)
	s1 := beta * (1 - n*bt/beta + (n-1)*bt) / ((1 - beta) * (1 - beta))
	return s1 / s0
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
	SetCompact(p)
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
	SetCompact(p)
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
