package views

import (
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The Scatter's layout: title and tool bar on top, the plot area with its
// tick labels, the legend on the right, and the overlays (marks, ticks)
// placed where the frame on screen shows them.

// CreateRenderer implements fyne.Widget.
func (s *Scatter) CreateRenderer() fyne.WidgetRenderer {
	u := &s.ui
	return &scatterRenderer{s: s, objects: []fyne.CanvasObject{u.img, u.frame, u.ticks, u.title, u.xLabel, u.yLabel,
		u.marks, u.legendScroll, u.tool, u.colour, u.reset, u.export, u.outline, u.ring, u.tip}}
}

// scatterRenderer lays the plot out: title and buttons on top, the y label
// above the plot area, tick labels and the x label below, legend on the right.
type scatterRenderer struct {
	s       *Scatter
	objects []fyne.CanvasObject
}

func (r *scatterRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *scatterRenderer) Destroy()                     {}
func (r *scatterRenderer) MinSize() fyne.Size {
	return fyne.NewSize(200+r.s.ui.legend.MinSize().Width, 240)
}

func (r *scatterRenderer) Refresh() {
	s, u := r.s, &r.s.ui
	fg := theme.ColorForWidget(theme.ColorNameForeground, s)
	u.title.Color, u.xLabel.Color, u.yLabel.Color, u.tipText.Color = fg, fg, fg, fg
	u.title.TextSize, u.xLabel.TextSize, u.yLabel.TextSize = theme.TextSize()*1.1, theme.TextSize(), theme.TextSize()
	u.tipText.TextSize = theme.CaptionTextSize()
	u.frame.StrokeColor = theme.ColorForWidget(theme.ColorNameSeparator, s)
	u.tipBg.FillColor = theme.ColorForWidget(theme.ColorNameOverlayBackground, s)
	u.tipBg.StrokeColor = theme.ColorForWidget(theme.ColorNameShadow, s)
	if len(u.legend.Objects) > 0 {
		u.legend.Objects[0].(*canvas.Text).Color = theme.ColorForWidget(theme.ColorNameDisabled, s)
	}
	r.Layout(s.Size())
	for _, objs := range [][]fyne.CanvasObject{r.objects, u.legend.Objects} {
		for _, o := range objs {
			o.Refresh()
		}
	}
}

func (r *scatterRenderer) Layout(size fyne.Size) {
	s, u := r.s, &r.s.ui
	pad := theme.Padding()
	es, rs := u.export.MinSize(), u.reset.MinSize()
	hh := es.Height
	u.export.Move(fyne.NewPos(size.Width-es.Width, 0))
	u.export.Resize(es)
	u.reset.Move(fyne.NewPos(size.Width-es.Width-rs.Width, 0))
	u.reset.Resize(rs)
	right := size.Width - es.Width - rs.Width
	sels := []*widget.Select{u.tool, u.colour}
	widths := make([]float32, len(sels))
	var need, pads float32
	for i, sel := range sels {
		if sel.Hidden {
			continue
		}
		// Wide enough for the choice shown (a Select's minimum is not),
		// up to 40 % of the row.
		text := fyne.MeasureText(sel.Selected, theme.TextSize(), fyne.TextStyle{}).Width
		widths[i] = min(max(sel.MinSize().Width, 120, text+theme.IconInlineSize()+4*theme.InnerPadding()), 0.4*size.Width)
		need += widths[i] + pad
		pads += pad
	}
	// In a narrow plot the choices share what the buttons leave rather
	// than run off the left edge (their text is then cut short).
	if need > right && need > pads {
		f := max(right-pads, 0) / (need - pads)
		for i := range widths {
			widths[i] *= f
		}
	}
	for i, sel := range sels {
		if sel.Hidden {
			continue
		}
		right -= widths[i] + pad
		sel.Move(fyne.NewPos(right, 0))
		sel.Resize(fyne.NewSize(widths[i], hh))
	}
	// A long title shrinks to fit beside the buttons rather than run under them.
	u.title.TextSize = theme.TextSize() * 1.1
	if avail, w := right-2*pad, u.title.MinSize().Width; w > avail && avail > 0 {
		u.title.TextSize = max(u.title.TextSize*avail/w, 8)
	}
	u.title.Refresh()
	u.title.Move(fyne.NewPos(pad, (hh-u.title.MinSize().Height)/2))
	lh := u.yLabel.MinSize().Height
	tick := fyne.MeasureText("−0000.00", theme.CaptionTextSize(), fyne.TextStyle{})
	lw := float32(0)
	if len(u.legend.Objects) > 0 {
		lw = u.legend.MinSize().Width + 3*pad
	}
	u.legendScroll.Move(fyne.NewPos(size.Width-lw, hh+lh))
	u.legendScroll.Resize(fyne.NewSize(lw, max(size.Height-hh-lh, 0)))
	s.area = fyne.NewPos(tick.Width+2*pad, hh+lh+pad)
	s.areaSize = fyne.NewSize(max(size.Width-lw-2*pad-s.area.X, 10), max(size.Height-s.area.Y-tick.Height-lh-3*pad, 10))
	u.img.Move(s.area)
	u.img.Resize(s.areaSize)
	u.frame.Move(s.area)
	u.frame.Resize(s.areaSize)
	u.yLabel.Move(fyne.NewPos(s.area.X, hh))
	u.xLabel.Move(fyne.NewPos(s.area.X+(s.areaSize.Width-u.xLabel.MinSize().Width)/2, s.area.Y+s.areaSize.Height+tick.Height+2*pad))
	u.ticks.Resize(size)
	u.marks.Resize(size)
	u.outline.Resize(size)
	if c := fyne.CurrentApp().Driver().CanvasForObject(s); c != nil {
		s.scale = c.Scale()
	}
	s.placeOverlays()
	if f := s.shown; f == nil || f.w != s.pixels(s.areaSize.Width) || f.h != s.pixels(s.areaSize.Height) {
		s.requestRender()
	}
}

func (s *Scatter) pixels(l float32) int { return int(math.Round(float64(l * s.scale))) }

// placeOverlays puts the tick labels and mark labels where the frame on
// screen shows their values.
func (s *Scatter) placeOverlays() {
	f := s.shown
	if f == nil {
		return
	}
	var ticks []fyne.CanvasObject
	fg := theme.ColorForWidget(theme.ColorNameForeground, s)
	for k, vals := range [2][]float64{f.xt, f.yt} {
		for _, v := range vals {
			t := canvas.NewText(tickLabel(v, [2]float64{f.xstep, f.ystep}[k]), fg)
			t.TextSize = theme.CaptionTextSize()
			ts := t.MinSize()
			if k == 0 {
				t.Move(s.toScreen(f.view, v, f.view.YMin).AddXY(-ts.Width/2, 2))
			} else {
				t.Move(s.toScreen(f.view, f.view.XMin, v).AddXY(-ts.Width-theme.Padding(), -ts.Height/2))
			}
			ticks = append(ticks, t)
		}
	}
	s.ui.ticks.Objects = ticks
	s.ui.ticks.Refresh()
	for k, o := range s.ui.marks.Objects {
		p := s.toScreen(f.view, float64(s.marks[k].X), float64(s.marks[k].Y))
		ms := o.MinSize()
		o.Move(p.AddXY(7, -ms.Height-2))
		o.Resize(ms)
		if s.inArea(p) && s.inArea(p.AddXY(7+ms.Width, -ms.Height)) {
			o.Show()
		} else {
			o.Hide()
		}
	}
	s.ui.marks.Refresh()
}
