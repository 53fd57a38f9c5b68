package views

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot"

	"embedscope/app/workspace"
	"embedscope/views/figures"
)

// ScatterData is what a Scatter shows: one point per row, coloured by class.
type ScatterData struct {
	X, Y    []float32
	Labels  []int    // class of each point, in [0, len(Classes)); nil draws one colour
	Classes []string // class names
	Title   string
	XLabel  string
	YLabel  string
	Marks   []Mark // optional labelled markers, e.g. class centroids
	// Items, when set, gives each point's position in
	// workspace.NewItems(Splits()) order, which links the scatter to the
	// workspace (see Link): the selection is highlighted, and points can
	// be coloured by any labelling.
	Items []int
	// Colors, when set, colours class c with Colors[c] instead of the
	// class palette (e.g. a sequential scale over bins of a value).
	Colors []color.NRGBA
	// ColourName names the colouring of Labels in the scatter's colour
	// list (linked scatters); empty means "true class".
	ColourName string
}

// Mark is a labelled marker drawn over the points.
type Mark = figures.Mark

// Scatter is an interactive scatter plot of a 2-D projection, fast enough
// for 70,000 points: they are drawn into one image in the background, at
// most 30 times a second. Drag to pan, scroll to zoom around the cursor,
// click a legend entry to hide or show its class. Hovering a point shows a
// tooltip (thumbnail and caption); clicking rings it. Callbacks run on the
// UI goroutine, and methods must be called there.
type Scatter struct {
	widget.BaseWidget

	OnHover   func(i int)             // the point under the cursor changed (-1: none)
	OnTap     func(i int)             // a click selected point i (-1: none)
	Thumbnail func(i int) image.Image // optional tooltip image (*image.Gray: ink on paper)
	Caption   func(i int) string      // tooltip caption; default "#i · class"
	OnExport  func()                  // replaces the built-in export dialog when set
	Name      string                  // file name suggested on export, without extension
	// OnSelect receives the points a box or lasso drag (or a shift-click)
	// selects, with how they combine with the current selection (shift:
	// add, alt: remove). Link sets it to drive the workspace's selection.
	OnSelect func(points []int, mode workspace.SelectMode)

	data       figures.Projection // copied in SetData; never changed in place
	marks      []Mark
	order      []int32 // draw order: figures.DrawOrder
	hidden     []bool  // per class
	full, view figures.Rect
	hover, sel int
	highlight  []int
	trails     []Trail       // lines drawn over the points (scatter_morph.go)
	area       fyne.Position // top left of the plot area in the widget
	areaSize   fyne.Size
	scale      float32        // canvas pixels per logical pixel
	mouse      *fyne.Position // last cursor position over the widget
	drag       int            // 0 none, 1 panning, 2 ignored (began outside the plot), 3 selecting
	sel2       selectState    // box and lasso selection, isolation, colouring (scatter_select.go)
	shown      *scatterFrame  // the frame on screen
	ui         struct {
		img, tipImg           *canvas.Image
		frame, tipBg          *canvas.Rectangle
		title, xLabel, yLabel *canvas.Text
		tipText               *canvas.Text
		ticks, marks, tip     *fyne.Container
		legend                *fyne.Container
		legendScroll          *container.Scroll
		reset, export         *widget.Button
		ring                  *canvas.Circle
		tool, colour          *widget.Select
		outline               *fyne.Container // the box or lasso being drawn
	}
	render struct { // shared with the render goroutine
		sync.Mutex
		pending *scatterFrame
		running bool
		last    time.Time
		frames  int
	}
}

const (
	hitRadius = 6                     // logical pixels
	minFrame  = 33 * time.Millisecond // at most ~30 renders a second
	tipThumb  = 56
)

// NewScatter returns an empty scatter plot.
func NewScatter() *Scatter {
	s := &Scatter{hover: -1, sel: -1, scale: 1, full: figures.Rect{XMax: 1, YMax: 1}}
	s.view = s.full
	u := &s.ui
	u.img = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 1, 1)))
	u.img.ScaleMode, u.img.FillMode = canvas.ImageScalePixels, canvas.ImageFillStretch
	u.frame = canvas.NewRectangle(color.Transparent)
	u.frame.StrokeWidth = 1
	u.title, u.xLabel, u.yLabel = canvas.NewText("", nil), canvas.NewText("", nil), canvas.NewText("", nil)
	u.title.TextStyle.Bold = true
	u.ticks, u.marks = container.NewWithoutLayout(), container.NewWithoutLayout()
	u.legend = container.NewVBox()
	u.legendScroll = container.NewVScroll(u.legend)
	u.reset = widget.NewButtonWithIcon("Reset view", theme.ZoomFitIcon(), s.ResetView)
	u.export = widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), s.exportTapped)
	u.reset.Importance, u.export.Importance = widget.LowImportance, widget.LowImportance
	u.ring = canvas.NewCircle(color.Transparent)
	u.ring.StrokeColor, u.ring.StrokeWidth = color.Black, 1.5
	u.ring.Hide()
	s.buildSelectUI()
	u.tipBg = canvas.NewRectangle(nil)
	u.tipBg.CornerRadius, u.tipBg.StrokeWidth = 4, 1
	u.tipImg = canvas.NewImageFromImage(nil)
	u.tipImg.ScaleMode = canvas.ImageScalePixels
	u.tipText = canvas.NewText("", nil)
	u.tip = container.NewWithoutLayout(u.tipBg, u.tipImg, u.tipText)
	u.tip.Hide()
	s.ExtendBaseWidget(s)
	return s
}

// SetData shows d, resetting the view, hidden classes and selection. It
// refuses inconsistent data (lengths that differ, labels without a class)
// with an error and keeps showing what it showed. Points whose coordinates
// are not finite are allowed and not drawn.
func (s *Scatter) SetData(d ScatterData) error {
	n := len(d.X)
	if len(d.Y) != n {
		return fmt.Errorf("scatter: %d x values but %d y values", n, len(d.Y))
	}
	if d.Labels != nil && len(d.Labels) != n {
		return fmt.Errorf("scatter: %d labels for %d points", len(d.Labels), n)
	}
	for i, l := range d.Labels {
		if l < 0 || l >= len(d.Classes) {
			return fmt.Errorf("scatter: point %d has label %d but there are %d classes", i, l, len(d.Classes))
		}
	}
	if d.Items != nil && len(d.Items) != n {
		return fmt.Errorf("scatter: %d item positions for %d points", len(d.Items), n)
	}
	s.data = figures.Projection{X: append([]float32(nil), d.X...), Y: append([]float32(nil), d.Y...),
		Classes: append([]string(nil), d.Classes...), Title: d.Title, XLabel: d.XLabel, YLabel: d.YLabel,
		Colors: append([]color.NRGBA(nil), d.Colors...)}
	if d.Labels != nil {
		s.data.Labels = append([]int(nil), d.Labels...)
	}
	s.sel2.truth, s.sel2.items, s.sel2.truthName = s.data, d.Items, d.ColourName
	s.marks, s.order = append([]Mark(nil), d.Marks...), figures.DrawOrder(n)
	s.full = figures.Bounds(s.data)
	s.view, s.hover, s.sel, s.highlight, s.trails = s.full, -1, -1, nil, nil
	u := &s.ui
	u.title.Text, u.xLabel.Text, u.yLabel.Text = d.Title, d.XLabel, d.YLabel
	s.setLegend()
	labels := make([]fyne.CanvasObject, len(s.marks))
	for k, m := range s.marks {
		labels[k] = canvas.NewText(m.Label, color.Black)
		labels[k].(*canvas.Text).TextSize = theme.CaptionTextSize()
	}
	u.marks.Objects = labels
	s.hideTip()
	s.dataChanged() // re-applies the linked selection and colouring
	s.Refresh()
	s.requestRender()
	return nil
}

// setLegend lists the classes of s.data, all visible.
func (s *Scatter) setLegend() {
	s.hidden = make([]bool, len(s.data.Classes))
	var objs []fyne.CanvasObject
	if s.data.Labels != nil && len(s.data.Classes) > 0 {
		hint := canvas.NewText("click to hide/show", nil)
		hint.TextSize = theme.CaptionTextSize()
		objs = append(objs, hint)
		for c, name := range s.data.Classes {
			objs = append(objs, newLegendEntry(name, s.data.ColorOf(c), func() { s.SetClassVisible(c, !s.ClassVisible(c)) }))
		}
	}
	s.ui.legend.Objects = objs
	s.ui.legend.Refresh()
}

// SetClassVisible shows or hides the points of class c.
func (s *Scatter) SetClassVisible(c int, visible bool) {
	if c < 0 || c >= len(s.hidden) || s.hidden[c] == !visible {
		return
	}
	s.hidden[c] = !visible
	if e, ok := s.ui.legend.Objects[c+1].(*legendEntry); ok {
		e.off = !visible
		e.Refresh()
	}
	if s.hover >= 0 && !s.visible(s.hover) {
		s.setHover(-1)
	}
	s.requestRender()
}

// ClassVisible reports whether class c is drawn.
func (s *Scatter) ClassVisible(c int) bool { return c >= 0 && c < len(s.hidden) && !s.hidden[c] }

func (s *Scatter) visible(i int) bool { l := s.data.Label(i); return l < 0 || !s.hidden[l] }

// View returns the region of the plane shown.
func (s *Scatter) View() figures.Rect { return s.view }

// SetView shows region r (ignored unless r.Valid()).
func (s *Scatter) SetView(r figures.Rect) {
	if r.Valid() {
		s.view = r
		s.setHover(-1)
		s.requestRender()
	}
}

// ResetView shows all the points again.
func (s *Scatter) ResetView() { s.SetView(s.full) }

// Highlight rings the given points, e.g. a linked selection (nil clears;
// indices out of range are ignored).
func (s *Scatter) Highlight(indices []int) {
	s.highlight = nil // a new slice: frames being drawn keep the old one
	for _, i := range indices {
		if i >= 0 && i < s.data.Len() {
			s.highlight = append(s.highlight, i)
		}
	}
	s.requestRender()
}

// Select rings point i as a click does, without calling OnTap (-1 clears).
func (s *Scatter) Select(i int) {
	if i < -1 || i >= s.data.Len() {
		i = -1
	}
	s.sel = i
	s.requestRender()
}

// Selected returns the ringed point (-1: none).
func (s *Scatter) Selected() int { return s.sel }

// Figure returns what is shown (visible classes, current view, marks) as a
// gonum/plot figure, for export.
func (s *Scatter) Figure() *plot.Plot {
	visible := make([]bool, len(s.hidden))
	for c, h := range s.hidden {
		visible[c] = !h
	}
	v := s.view
	return figures.ClassScatter(s.data, figures.ScatterOptions{Visible: visible, View: &v, Marks: s.marks})
}

func (s *Scatter) exportTapped() {
	if s.OnExport != nil {
		s.OnExport()
	} else {
		s.showExport(".png")
	}
}

func (s *Scatter) showExport(ext string) {
	name := s.Name
	if name == "" {
		name = "scatter"
	}
	if w := windowFor(s); w != nil {
		exportFigure(w, name, s.Figure(), ext)
	}
}

// exportFigure runs FigureView's save dialog for p without showing the
// figure. (A shared helper to move into figureview.go.)
func exportFigure(w fyne.Window, name string, p *plot.Plot, ext string) {
	ShowExportDialog(w, name, p, figures.DefaultWidth, figures.DefaultHeight, ext)
}

// windowFor returns the window that shows o, or nil.
func windowFor(o fyne.CanvasObject) fyne.Window {
	c := fyne.CurrentApp().Driver().CanvasForObject(o)
	for _, w := range fyne.CurrentApp().Driver().AllWindows() {
		if c != nil && w.Canvas() == c {
			return w
		}
	}
	return nil
}

// nearest returns the visible point closest to p (widget coordinates)
// within hitRadius, or -1: a scan of all points, well under a millisecond
// for 70,000.
func (s *Scatter) nearest(p fyne.Position) int {
	a, sz, v := s.area, s.areaSize, s.view
	if p.X < a.X-hitRadius || p.Y < a.Y-hitRadius || p.X > a.X+sz.Width+hitRadius || p.Y > a.Y+sz.Height+hitRadius {
		return -1
	}
	kx, ky := float64(sz.Width)/(v.XMax-v.XMin), float64(sz.Height)/(v.YMax-v.YMin)
	px, py := float64(p.X-a.X), float64(p.Y-a.Y)
	best, found := float64(hitRadius*hitRadius), -1
	for _, i := range s.drawOrder() {
		dx := (float64(s.data.X[i])-v.XMin)*kx - px
		dy := (v.YMax-float64(s.data.Y[i]))*ky - py
		if d := dx*dx + dy*dy; d <= best && s.visible(int(i)) { // ties: the one drawn on top
			best, found = d, int(i)
		}
	}
	return found
}

// toScreen returns where the point (x, y) of the plane is drawn for view v.
func (s *Scatter) toScreen(v figures.Rect, x, y float64) fyne.Position {
	return fyne.NewPos(s.area.X+float32((x-v.XMin)/(v.XMax-v.XMin))*s.areaSize.Width,
		s.area.Y+float32((v.YMax-y)/(v.YMax-v.YMin))*s.areaSize.Height)
}

func (s *Scatter) inArea(p fyne.Position) bool {
	return p.X >= s.area.X && p.Y >= s.area.Y && p.X < s.area.X+s.areaSize.Width && p.Y < s.area.Y+s.areaSize.Height
}

// MouseIn implements desktop.Hoverable.
func (s *Scatter) MouseIn(e *desktop.MouseEvent) { s.MouseMoved(e) }

// MouseMoved finds the point under the cursor and shows its tooltip.
func (s *Scatter) MouseMoved(e *desktop.MouseEvent) {
	p := e.Position
	s.mouse = &p
	if s.drag == 0 {
		s.setHover(s.nearest(p))
	}
}

// MouseOut implements desktop.Hoverable.
func (s *Scatter) MouseOut() {
	s.mouse = nil
	s.setHover(-1)
}

func (s *Scatter) setHover(i int) {
	changed := i != s.hover
	s.hover = i
	if i < 0 {
		s.hideTip()
	} else {
		s.showTip(i, changed)
	}
	if changed && s.OnHover != nil {
		s.OnHover(i)
	}
}

func (s *Scatter) hideTip() {
	s.ui.tip.Hide()
	s.ui.ring.Hide()
}

// showTip rings point i and shows its tooltip beside the cursor.
func (s *Scatter) showTip(i int, changed bool) {
	u := &s.ui
	if changed {
		u.tipImg.Image = nil
		if s.Thumbnail != nil {
			if img := s.Thumbnail(i); img != nil {
				u.tipImg.Image = paperImage(img)
			}
		}
		u.tipText.Text = s.caption(i)
		u.tipText.Refresh()
		u.tipImg.Refresh()
	}
	pad := theme.Padding()
	ts := u.tipText.MinSize()
	imgH := float32(0)
	u.tipImg.Hidden = u.tipImg.Image == nil
	if !u.tipImg.Hidden {
		imgH = tipThumb + pad
		u.tipImg.Move(fyne.NewPos(pad, pad))
		u.tipImg.Resize(fyne.NewSquareSize(tipThumb))
	}
	box := fyne.NewSize(max(ts.Width, tipThumb)+2*pad, imgH+ts.Height+2*pad)
	u.tipText.Move(fyne.NewPos(pad, pad+imgH))
	u.tipBg.Resize(box)
	u.tip.Resize(box)
	pt := s.toScreen(s.view, float64(s.data.X[i]), float64(s.data.Y[i]))
	at, size := pt, s.Size()
	if s.mouse != nil {
		at = *s.mouse
	}
	pos := at.AddXY(14, 14)
	if pos.X+box.Width > size.Width {
		pos.X = at.X - 14 - box.Width
	}
	if pos.Y+box.Height > size.Height {
		pos.Y = at.Y - 14 - box.Height
	}
	u.tip.Move(fyne.NewPos(max(pos.X, 0), max(pos.Y, 0)))
	u.tip.Show()
	u.ring.Move(pt.SubtractXY(hitRadius, hitRadius))
	u.ring.Resize(fyne.NewSquareSize(2 * hitRadius))
	u.ring.Show()
}

func (s *Scatter) caption(i int) string {
	if s.Caption != nil {
		return s.Caption(i)
	}
	if l := s.data.Label(i); l >= 0 && l < len(s.data.Classes) {
		return fmt.Sprintf("#%d · %s", i, s.data.Classes[l])
	}
	return fmt.Sprintf("#%d", i)
}

// Tapped selects the point under the cursor (or none) and calls OnTap;
// with shift held it adds the point to the linked selection instead (alt
// removes it).
func (s *Scatter) Tapped(e *fyne.PointEvent) {
	if !s.inArea(e.Position) {
		return
	}
	if s.modifierTap(e.Position) {
		return
	}
	s.Select(s.nearest(e.Position))
	if s.OnTap != nil {
		s.OnTap(s.sel)
	}
}

// TappedSecondary opens a menu to reset the view or export the figure.
func (s *Scatter) TappedSecondary(e *fyne.PointEvent) {
	items := []*fyne.MenuItem{fyne.NewMenuItem("Reset view", s.ResetView)}
	items = append(items, s.selectionMenu()...)
	items = append(items, fyne.NewMenuItemSeparator())
	for _, ext := range figures.Formats {
		items = append(items, fyne.NewMenuItem("Export as "+strings.ToUpper(ext[1:])+"…", func() { s.showExport(ext) }))
	}
	if c := fyne.CurrentApp().Driver().CanvasForObject(s); c != nil {
		widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), c, e.AbsolutePosition)
	}
}

// Scrolled zooms around the cursor: scrolling up (away from you) zooms in.
func (s *Scatter) Scrolled(e *fyne.ScrollEvent) {
	p := e.Position
	if p.IsZero() && e.AbsolutePosition.IsZero() && s.mouse != nil {
		p = *s.mouse // fyne's test driver sends no position
	}
	if !s.inArea(p) {
		p = s.area.AddXY(s.areaSize.Width/2, s.areaSize.Height/2)
	}
	f := min(max(math.Exp(-float64(e.Scrolled.DY)*0.015), 0.5), 2)
	v := s.view
	cx := v.XMin + float64((p.X-s.area.X)/s.areaSize.Width)*(v.XMax-v.XMin)
	cy := v.YMax - float64((p.Y-s.area.Y)/s.areaSize.Height)*(v.YMax-v.YMin)
	nv := figures.Rect{XMin: cx - (cx-v.XMin)*f, XMax: cx + (v.XMax-cx)*f, YMin: cy - (cy-v.YMin)*f, YMax: cy + (v.YMax-cy)*f}
	if w, full := nv.XMax-nv.XMin, s.full.XMax-s.full.XMin; f != 1 && w > full*1e-6 && w < full*50 {
		s.SetView(nv)
	}
}

// Dragged pans the view with the cursor, or draws a selection box or
// lasso when that tool is chosen.
func (s *Scatter) Dragged(e *fyne.DragEvent) {
	if s.drag == 0 {
		s.drag = 1
		if !s.inArea(e.Position.Subtract(e.Dragged)) {
			s.drag = 2
		} else if s.sel2.tool != toolPan {
			s.drag = 3
			s.startOutline(e.Position.Subtract(e.Dragged))
		}
	}
	if s.drag == 3 {
		s.extendOutline(e.Position)
		return
	}
	if s.drag == 1 {
		v := s.view
		dx := float64(e.Dragged.DX/s.areaSize.Width) * (v.XMax - v.XMin)
		dy := float64(e.Dragged.DY/s.areaSize.Height) * (v.YMax - v.YMin)
		s.SetView(figures.Rect{XMin: v.XMin - dx, XMax: v.XMax - dx, YMin: v.YMin + dy, YMax: v.YMax + dy})
	}
}

// DragEnd ends a pan, or selects the points inside the box or lasso.
func (s *Scatter) DragEnd() {
	if s.drag == 3 {
		s.finishOutline()
	}
	s.drag = 0
}
