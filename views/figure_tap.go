package views

import (
	"fyne.io/fyne/v2"

	"embedscope/views/figures"
	"fyne.io/fyne/v2/driver/desktop"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// Clicks on a FigureView: with OnTapData set, a click inside the figure's
// data area is reported in data coordinates (e.g. a histogram's bar
// under the cursor). The figure is drawn at the area's size, 96 logical
// pixels to the inch (see scheduleRender), so the data area is where the
// plot lays it out on a canvas of that size in points.

// figureMinWidth and figureMinHeight are the smallest area, in logical
// pixels, a figure is laid out in: a smaller view shows the figure drawn
// at that size and scaled down (renderFactor), so that its labels, ticks
// and legend shrink together instead of overlapping or being cut.
const figureMinWidth, figureMinHeight = 480, 320

// compactMinWidth and compactMinHeight replace them for a compact figure
// (figures.SetCompact).
const compactMinWidth, compactMinHeight = 360, 250

// renderFactor is how much larger than size p is drawn: 1, or enough to
// reach figureMinWidth × figureMinHeight (keeping the aspect); a figure
// of its own shape (figures.Aspect) only when it is smaller both ways.
func renderFactor(p *plot.Plot, size fyne.Size) float32 {
	if size.Width <= 0 || size.Height <= 0 {
		return 1
	}
	kw, kh := figureMinWidth/size.Width, figureMinHeight/size.Height
	if figures.Compact(p) {
		kw, kh = compactMinWidth/size.Width, compactMinHeight/size.Height
	}
	if _, ok := figures.Aspect(p); ok {
		return max(1, min(kw, kh))
	}
	return max(1, kw, kh)
}

// pointsPerPixel converts logical pixels to points (1/72 inch).
const pointsPerPixel = 72.0 / 96.0

// Tapped reports a click in the data area to OnTapData.
func (f *FigureView) Tapped(e *fyne.PointEvent) {
	if f.OnTapData == nil {
		return
	}
	if x, y, ok := f.DataAt(e.Position); ok {
		f.OnTapData(x, y)
	}
}

// Cursor shows a pointer over a clickable figure.
func (f *FigureView) Cursor() desktop.Cursor {
	if f.OnTapData != nil && f.Plot() != nil {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

// dataCanvas returns the figure's data area on a canvas of the area's
// size, and that size.
func (f *FigureView) dataCanvas() (draw.Canvas, fyne.Size, bool) {
	p := f.Plot()
	if p == nil || f.area == nil {
		return draw.Canvas{}, fyne.Size{}, false
	}
	size := drawnSize(p, f.area.Size())
	if size.Width < 10 || size.Height < 10 {
		return draw.Canvas{}, size, false
	}
	k := renderFactor(p, size)
	w, h := vg.Length(k*size.Width*pointsPerPixel), vg.Length(k*size.Height*pointsPerPixel)
	c := draw.Canvas{Canvas: &recorder.Canvas{}, Rectangle: vg.Rectangle{Max: vg.Point{X: w, Y: h}}}
	return p.DataCanvas(c), size, true
}

// drawnOffset is where a figure drawn at size sits in the area (centred).
func (f *FigureView) drawnOffset(size fyne.Size) fyne.Position {
	a := f.area.Size()
	return fyne.NewPos((a.Width-size.Width)/2, (a.Height-size.Height)/2)
}

// DataAt returns the data coordinates of a point of the widget (as a
// PointEvent gives it), and whether it lies in the data area.
func (f *FigureView) DataAt(pos fyne.Position) (x, y float64, ok bool) {
	dc, size, ok := f.dataCanvas()
	if !ok {
		return 0, 0, false
	}
	p := f.Plot()
	at := pos.Subtract(f.area.Position()).Subtract(f.drawnOffset(size))
	k := renderFactor(p, size)
	px, py := vg.Length(k*at.X*pointsPerPixel), vg.Length(k*(size.Height-at.Y)*pointsPerPixel)
	if px < dc.Min.X || px > dc.Max.X || py < dc.Min.Y || py > dc.Max.Y {
		return 0, 0, false
	}
	fx := float64((px - dc.Min.X) / (dc.Max.X - dc.Min.X))
	fy := float64((py - dc.Min.Y) / (dc.Max.Y - dc.Min.Y))
	return p.X.Min + fx*(p.X.Max-p.X.Min), p.Y.Min + fy*(p.Y.Max-p.Y.Min), true
}

// PositionOf returns where the data point (x, y) is drawn in the widget
// (the inverse of DataAt, for linear axes), and whether the figure is laid
// out.
func (f *FigureView) PositionOf(x, y float64) (fyne.Position, bool) {
	dc, size, ok := f.dataCanvas()
	if !ok {
		return fyne.Position{}, false
	}
	p := f.Plot()
	px := dc.Min.X + vg.Length((x-p.X.Min)/(p.X.Max-p.X.Min))*(dc.Max.X-dc.Min.X)
	py := dc.Min.Y + vg.Length((y-p.Y.Min)/(p.Y.Max-p.Y.Min))*(dc.Max.Y-dc.Min.Y)
	k := renderFactor(p, size)
	return f.area.Position().Add(f.drawnOffset(size)).AddXY(float32(px)/pointsPerPixel/k, size.Height-float32(py)/pointsPerPixel/k), true
}

var _ fyne.Tappable = (*FigureView)(nil)
