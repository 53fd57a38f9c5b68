package figures

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ---- Decorations: text boxes, marks, side legend, colour bar ----

// rightLabels writes texts beside the right end of the data area at the
// given y values, nudged apart so that they never overlap.
type rightLabels struct {
	ys    []float64
	texts []string
}

func (r *rightLabels) style() text.Style { return textStyle(TickSize-1, draw.XLeft, draw.YCenter) }

func (r *rightLabels) GlyphBoxes(*plot.Plot) []plot.GlyphBox {
	w := vg.Length(0)
	for _, t := range r.texts {
		w = max(w, r.style().Width(t))
	}
	return []plot.GlyphBox{{X: 1, Y: 0.5, Rectangle: vg.Rectangle{Max: vg.Point{X: w + vg.Points(8)}}}}
}

func (r *rightLabels) Plot(c draw.Canvas, p *plot.Plot) {
	sty := r.style()
	h := sty.Height("0")
	last := vg.Length(math.Inf(-1))
	for k, t := range r.texts { // ys ascend
		y := max(c.Y(p.Y.Norm(r.ys[k])), last+h)
		c.FillText(sty, vg.Point{X: c.Max.X + vg.Points(4), Y: y}, t)
		last = y
	}
}

// textBox writes text at a data point (offset by dx, dy) on a pale box
// that keeps it readable over lines and points.
type textBox struct {
	x, y   float64
	dx, dy vg.Length
	text   string
	sty    text.Style
}

func textStyle(size float64, xa text.XAlignment, ya text.YAlignment) text.Style {
	return text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(size)), XAlign: xa, YAlign: ya, Handler: plot.DefaultTextHandler}
}

func (t *textBox) Plot(c draw.Canvas, p *plot.Plot) {
	pt := vg.Point{X: c.X(p.X.Norm(t.x)) + t.dx, Y: c.Y(p.Y.Norm(t.y)) + t.dy}
	r := t.sty.Rectangle(t.text)
	pad := vg.Points(2)
	box := vg.Rectangle{Min: pt.Add(r.Min).Sub(vg.Point{X: pad, Y: pad}), Max: pt.Add(r.Max).Add(vg.Point{X: pad, Y: pad})}
	c.SetColor(color.NRGBA{0xff, 0xff, 0xff, 0xd8})
	c.Fill(box.Path())
	c.FillText(t.sty, pt, t.text)
}

// marker is a Mark: a white dot ringed in black, labelled up and right.
type marker struct {
	x, y  float64
	label string
}

func (m *marker) Plot(c draw.Canvas, p *plot.Plot) {
	pt := vg.Point{X: c.X(p.X.Norm(m.x)), Y: c.Y(p.Y.Norm(m.y))}
	c.DrawGlyph(draw.GlyphStyle{Color: color.White, Radius: vg.Points(4.5), Shape: draw.CircleGlyph{}}, pt)
	c.DrawGlyph(draw.GlyphStyle{Color: color.Black, Radius: vg.Points(4.5), Shape: draw.RingGlyph{}}, pt)
	if m.label != "" {
		(&textBox{x: m.x, y: m.y, dx: vg.Points(6), dy: vg.Points(4), text: m.label, sty: textStyle(TickSize, draw.XLeft, draw.YBottom)}).Plot(c, p)
	}
}

// swatch is a legend thumbnail: a dot in one colour.
type swatch color.NRGBA

func (s swatch) Thumbnail(c *draw.Canvas) {
	c.DrawGlyph(draw.GlyphStyle{Color: color.NRGBA(s), Radius: vg.Points(4), Shape: draw.CircleGlyph{}}, c.Center())
}

// colorBar is the key of a log-scaled sequential colour map from 1 to max.
type colorBar struct {
	cmap  palette.ColorMap
	max   float64
	label string
}

func (b *colorBar) color(v float64) color.Color {
	col, err := b.cmap.At(min(1, math.Log(max(v, 1))/math.Log(b.max)))
	if err != nil {
		return color.Black
	}
	return col
}

func barStyle() text.Style { return textStyle(TickSize, draw.XLeft, draw.YCenter) }

func (b *colorBar) width() vg.Length {
	return vg.Points(16) + max(barStyle().Width(fmtCount(b.max)), textStyle(TickSize, 0, 0).Width(b.label)-vg.Points(14))
}

func fmtCount(v float64) string {
	if v >= 10000 {
		return fmt.Sprintf("%.0fk", v/1000)
	}
	return fmt.Sprintf("%.0f", v)
}

func (b *colorBar) draw(c draw.Canvas, x vg.Length) {
	top := c.Max.Y - barStyle().Height(b.label) - vg.Points(4)
	c.FillText(textStyle(TickSize, draw.XLeft, draw.YTop), vg.Point{X: x, Y: c.Max.Y}, b.label)
	bw, hgt := vg.Points(10), top-c.Min.Y
	ramp := image.NewRGBA(image.Rect(0, 0, 1, 256))
	for k := range 256 {
		ramp.Set(0, 255-k, b.color(math.Exp(math.Log(b.max)*float64(k)/255)))
	}
	c.DrawImage(vg.Rectangle{Min: vg.Point{X: x, Y: c.Min.Y}, Max: vg.Point{X: x + bw, Y: top}}, ramp)
	c.SetColor(color.Gray{0x55})
	c.SetLineWidth(vg.Points(0.5))
	c.Stroke(vg.Rectangle{Min: vg.Point{X: x, Y: c.Min.Y}, Max: vg.Point{X: x + bw, Y: top}}.Path())
	mults := []float64{1}
	if b.max < 1000 { // fewer than three decades: 1, 2, 5, 10, 20, ...
		mults = []float64{1, 2, 5}
	}
	for dec := 1.0; dec <= b.max; dec *= 10 {
		for _, m := range mults {
			if v := m * dec; v <= b.max*1.0001 {
				y := c.Min.Y + hgt*vg.Length(math.Log(v)/math.Log(b.max))
				c.StrokeLine2(draw.LineStyle{Color: color.Gray{0x55}, Width: vg.Points(0.5)}, x+bw, y, x+bw+vg.Points(3), y)
				c.FillText(barStyle(), vg.Point{X: x + bw + vg.Points(5), Y: y}, fmtCount(v))
			}
		}
	}
}

// sidePanel draws the colour bar and the class legend to the right of the
// data area; its glyph box makes the plot leave room for them.
type sidePanel struct {
	legend  plot.Legend
	entries int
	bar     *colorBar
}

var sideGap = vg.Points(12)

func (s *sidePanel) width() vg.Length {
	w := vg.Length(0)
	if s.bar != nil {
		w += sideGap + s.bar.width()
	}
	if s.entries > 0 {
		w += sideGap + s.legend.Rectangle(draw.Canvas{}).Size().X + vg.Points(4)
	}
	return w
}

func (s *sidePanel) GlyphBoxes(*plot.Plot) []plot.GlyphBox {
	return []plot.GlyphBox{{X: 1, Y: 0.5, Rectangle: vg.Rectangle{Max: vg.Point{X: s.width()}}}}
}

func (s *sidePanel) Plot(c draw.Canvas, _ *plot.Plot) {
	x := c.Max.X + sideGap
	if s.bar != nil {
		s.bar.draw(c, x)
		x += s.bar.width() + sideGap
	}
	if s.entries > 0 {
		s.legend.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: x, Y: c.Min.Y}, Max: vg.Point{X: x + s.width(), Y: c.Max.Y}}})
	}
}
