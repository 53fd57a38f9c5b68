package figures

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// CurvePoint is one measured point of a learning curve.
type CurvePoint struct {
	N     int
	Error float64
}

// LearningCurve plots error against training-set size on log₂–log₂ axes,
// with the fitted line log₂ error = intercept + slope·log₂ n through them
// and out to extrapolateTo, where the extrapolated error is marked.
func LearningCurve(title string, pts []CurvePoint, slope, intercept float64, extrapolateTo int) *plot.Plot {
	p := New(title, "training images (log₂ scale)", "error rate (log₂ scale)")
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = powerTicks{base: 2, integer: true}, powerTicks{base: 2}
	xy := make(plotter.XYs, 0, len(pts))
	for _, q := range pts {
		if q.Error > 0 {
			xy = append(xy, plotter.XY{X: float64(q.N), Y: q.Error})
		}
	}
	if len(xy) == 0 {
		return p
	}
	lo, hi := xy[0].X, math.Max(xy[len(xy)-1].X, float64(extrapolateTo))
	law := func(n float64) float64 { return math.Exp2(intercept + slope*math.Log2(n)) }
	line := plotter.NewFunction(law)
	line.XMin, line.XMax = lo, hi
	line.Samples = 50
	line.Color, line.Width, line.Dashes = Palette[6], vg.Points(1.5), []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(line)
	p.Legend.Add(fmt.Sprintf("fit: error ∝ n^%.3f (log₂ error falls %.3f per doubling)", slope, -slope), line)
	s, _ := plotter.NewScatter(xy)
	s.GlyphStyle = draw.GlyphStyle{Color: Palette[0], Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
	p.Add(s)
	p.Legend.Add("measured", s)
	if extrapolateTo > 0 {
		e := law(float64(extrapolateTo))
		x, _ := plotter.NewScatter(plotter.XYs{{X: float64(extrapolateTo), Y: e}})
		x.GlyphStyle = draw.GlyphStyle{Color: Palette[6], Radius: vg.Points(5), Shape: draw.RingGlyph{}}
		p.Add(x)
		p.Legend.Add(fmt.Sprintf("extrapolated at %d: %.4f", extrapolateTo, e), x)
	}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

// KSweep plots accuracy against k (log scale) for a kNN classifier, the
// best k marked.
func KSweep(title string, ks []int, acc []float64) *plot.Plot {
	p := New(title, "k (neighbours, log scale)", "accuracy")
	p.X.Scale = plot.LogScale{}
	var ticks []plot.Tick
	xy := make(plotter.XYs, len(ks))
	best := 0
	for i, k := range ks {
		xy[i] = plotter.XY{X: float64(k), Y: acc[i]}
		ticks = append(ticks, plot.Tick{Value: float64(k), Label: fmt.Sprint(k)})
		if acc[i] > acc[best] {
			best = i
		}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	if len(xy) == 0 {
		return p
	}
	l, s, _ := plotter.NewLinePoints(xy)
	l.Color, l.Width = Palette[0], vg.Points(1.5)
	s.Color, s.Radius, s.Shape = Palette[0], vg.Points(3.5), draw.CircleGlyph{}
	p.Add(l, s)
	b, _ := plotter.NewScatter(plotter.XYs{xy[best]})
	b.GlyphStyle = draw.GlyphStyle{Color: Palette[6], Radius: vg.Points(7), Shape: draw.RingGlyph{}}
	p.Add(b)
	p.Legend.Add(fmt.Sprintf("best: k=%d, accuracy %.4f", ks[best], acc[best]), b)
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

// powerTicks puts ticks at the integer powers of base within the range.
type powerTicks struct {
	base    float64
	integer bool // label as whole numbers
}

func (t powerTicks) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	if min <= 0 || max <= 0 {
		return nil
	}
	lo, hi := math.Floor(math.Log(min)/math.Log(t.base)), math.Ceil(math.Log(max)/math.Log(t.base))
	for e := lo; e <= hi; e++ {
		v := math.Pow(t.base, e)
		if v < min*0.999 || v > max*1.001 {
			continue
		}
		lab := fmt.Sprintf("%.3g", v)
		if t.integer {
			lab = fmt.Sprintf("%.0f", v)
		}
		out = append(out, plot.Tick{Value: v, Label: lab})
	}
	return out
}
