package views

import (
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/views/figures"
)

// ---- background rendering (self-contained: could live in its own file) ----

// scatterFrame is what the render goroutine draws: a snapshot of the
// state taken on the UI goroutine (its slices are never modified).
type scatterFrame struct {
	data            figures.Projection
	order           []int32
	visible         []bool
	view            figures.Rect
	w, h            int
	scale           float64
	highlight       []int
	trails          []Trail
	sel             int
	marks           []Mark
	xt, yt          []float64
	xstep, ystep    float64
	diameter, alpha float64
}

// maxRinged is the largest selection whose points are ringed.
const maxRinged = 300

// requestRender asks for the current state to be drawn: in the background,
// at most once per minFrame, shown through fyne.Do. Requests made while a
// frame is drawn collapse into one.
func (s *Scatter) requestRender() {
	w, h := s.pixels(s.areaSize.Width), s.pixels(s.areaSize.Height)
	if w < 1 || h < 1 {
		return
	}
	f := &scatterFrame{data: s.data, order: s.drawOrder(), view: s.view, w: w, h: h, scale: float64(s.scale),
		highlight: s.highlight, trails: s.trails, sel: s.sel, marks: s.marks}
	for _, hid := range s.hidden {
		f.visible = append(f.visible, !hid)
	}
	f.xt, f.xstep = niceTicks(s.view.XMin, s.view.XMax, s.areaSize.Width)
	f.yt, f.ystep = niceTicks(s.view.YMin, s.view.YMax, s.areaSize.Height)
	d, a := figures.DotStyle(s.data.Len())
	f.diameter, f.alpha = d*4/3*f.scale, a // points to logical pixels (96 dpi) to pixels
	r := &s.render
	r.Lock()
	defer r.Unlock()
	r.pending = f
	if !r.running {
		r.running = true
		go s.renderLoop()
	}
}

func (s *Scatter) renderLoop() {
	r := &s.render
	for {
		r.Lock()
		wait := minFrame - time.Since(r.last)
		r.Unlock()
		time.Sleep(wait)
		r.Lock()
		f := r.pending
		r.pending, r.last = nil, time.Now()
		r.running = f != nil
		r.Unlock()
		if f == nil {
			return
		}
		img := f.draw()
		uiDo(func() {
			s.shown = f
			s.ui.img.Image = img
			s.ui.img.Refresh()
			s.placeOverlays()
			r.Lock()
			r.frames++
			r.Unlock()
		})
	}
}

// draw renders the plot area: white, a light grid at the ticks, the points,
// highlight rings, marks and the selection ring.
func (f *scatterFrame) draw() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, f.w, f.h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	v, grid := f.view, color.RGBA{0xeb, 0xeb, 0xeb, 0xff}
	at := func(x, y float64) (float64, float64) {
		return (x - v.XMin) / (v.XMax - v.XMin) * float64(f.w), (v.YMax - y) / (v.YMax - v.YMin) * float64(f.h)
	}
	for _, x := range f.xt {
		px, _ := at(x, 0)
		for y := range f.h {
			img.SetRGBA(int(px), y, grid)
		}
	}
	for _, y := range f.yt {
		_, py := at(0, y)
		for x := range f.w {
			img.SetRGBA(x, int(py), grid)
		}
	}
	// With a selection, the other points fade so that it stands out: a few
	// selected points are ringed, many are redrawn on top as dots with a
	// dark edge (rings would merge into a blot).
	alpha := f.alpha
	if len(f.highlight) > 0 && len(f.highlight) < len(f.order) {
		alpha *= 0.3
	}
	figures.RasterizePoints(img, f.data, f.order, v, f.visible, f.diameter, alpha)
	k, black, white := f.scale, color.NRGBA{0, 0, 0, 0xd0}, color.NRGBA{0xff, 0xff, 0xff, 0xff}
	drawTrails(img, f.trails, at, k)
	r := max(f.diameter/2, 1.5*k)
	for _, i := range f.highlight {
		l := f.data.Label(i)
		if l >= 0 && l < len(f.visible) && !f.visible[l] {
			continue
		}
		x, y := at(float64(f.data.X[i]), float64(f.data.Y[i]))
		if len(f.highlight) <= maxRinged {
			figures.DrawCircle(img, x, y, 4.5*k, 1.5*k, black)
			continue
		}
		figures.DrawCircle(img, x, y, r+0.8*k, 0, black)
		figures.DrawCircle(img, x, y, r, 0, f.data.ColorOf(l))
	}
	for _, m := range f.marks {
		x, y := at(float64(m.X), float64(m.Y))
		figures.DrawCircle(img, x, y, 4.5*k, 0, white)
		figures.DrawCircle(img, x, y, 4.5*k, 1.5*k, black)
	}
	if i := f.sel; i >= 0 {
		x, y := at(float64(f.data.X[i]), float64(f.data.Y[i]))
		figures.DrawCircle(img, x, y, 7*k, 4*k, white)
		figures.DrawCircle(img, x, y, 7*k, 2*k, color.NRGBA{0xcc, 0x11, 0x11, 0xff})
	}
	return img
}

// niceTicks returns round values (steps of 1, 2 or 5 × 10^k) in [lo, hi],
// about one per 90 logical pixels of length, and never fewer than two.
func niceTicks(lo, hi float64, length float32) (ticks []float64, step float64) {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil, 1
	}
	raw := (hi - lo) / float64(max(int(length/90), 2))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= 0.8*raw {
			step = m * mag
			break
		}
	}
	for range 8 { // a zoomed-in or short axis: smaller steps until two ticks fit
		ticks = ticks[:0]
		for k := math.Ceil(lo / step); k*step <= hi && len(ticks) < 50; k++ {
			ticks = append(ticks, k*step)
		}
		if len(ticks) >= 2 {
			break
		}
		step = smallerNiceStep(step)
	}
	return ticks, step
}

// smallerNiceStep returns the round step below step: 5 → 2 → 1 → 0.5 (× 10^k).
func smallerNiceStep(step float64) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(step)+1e-9))
	switch m := math.Round(step / mag); {
	case m >= 5:
		return 2 * mag
	case m >= 2:
		return mag
	}
	return mag / 2
}

// tickLabel formats a tick value with as many decimals as the step needs.
func tickLabel(v, step float64) string {
	if math.Abs(v) < step*1e-6 {
		v = 0
	}
	s := strconv.FormatFloat(v, 'f', max(0, int(-math.Floor(math.Log10(step)+1e-9))), 64)
	return strings.Replace(s, "-", "−", 1)
}

// legendEntry is a class swatch and name; tapping it toggles the class.
type legendEntry struct {
	widget.BaseWidget
	swatch *canvas.Rectangle
	label  *canvas.Text
	col    color.NRGBA
	off    bool
	onTap  func()
}

func newLegendEntry(name string, col color.NRGBA, onTap func()) *legendEntry {
	e := &legendEntry{swatch: canvas.NewRectangle(col), label: canvas.NewText(name, nil), col: col, onTap: onTap}
	e.swatch.CornerRadius = 6
	e.swatch.SetMinSize(fyne.NewSquareSize(12))
	e.ExtendBaseWidget(e)
	return e
}

func (e *legendEntry) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewHBox(container.NewCenter(e.swatch), e.label))
}

// Refresh dims the entry of a hidden class.
func (e *legendEntry) Refresh() {
	e.label.Color, e.swatch.FillColor = theme.ColorForWidget(theme.ColorNameForeground, e), e.col
	if e.off {
		e.label.Color = theme.ColorForWidget(theme.ColorNameDisabled, e)
		e.swatch.FillColor = color.NRGBA{e.col.R, e.col.G, e.col.B, 0x40}
	}
	e.BaseWidget.Refresh()
}

// Tapped toggles the class.
func (e *legendEntry) Tapped(*fyne.PointEvent) { e.onTap() }

// Cursor shows that the entry can be clicked.
func (e *legendEntry) Cursor() desktop.Cursor { return desktop.PointerCursor }
