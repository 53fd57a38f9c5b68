package views

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/workspace"
	"embedscope/views/figures"
)

// Drag tools of a Scatter.
const (
	toolPan = iota
	toolBox
	toolLasso
)

var toolNames = []string{"Drag: pan", "Drag: box select", "Drag: lasso"}

// Colourings offered besides the labellings of the workspace.
const (
	colourTruth       = "Colour: true class"
	colourSuffixWrong = ": correct / wrong"
)

// selectState is a Scatter's selection machinery: the drag tool, the
// outline being drawn, the link to the workspace's selection, isolation
// and the colouring.
type selectState struct {
	tool     int
	mods     fyne.KeyModifier // held when the mouse button went down
	path     []fyne.Position  // the outline, widget coordinates
	isolated bool
	only     []int32 // draw order restricted to the highlighted points when isolated

	ws     *workspace.Workspace
	source string
	gen    int                // generation the items positions belong to
	truth  figures.Projection // the data as given, coloured by true class
	items  []int              // point → item position (nil: not linked)
	colour string
	// truthName names the colouring given with the data (ScatterData.ColourName).
	truthName string
}

func (s *Scatter) buildSelectUI() {
	u := &s.ui
	u.tool = widget.NewSelect(toolNames, func(name string) { s.sel2.tool = max(0, indexOf(toolNames, name)) })
	u.tool.SetSelected(toolNames[toolPan])
	u.colour = widget.NewSelect([]string{colourTruth}, func(name string) { s.setColouring(name) })
	u.colour.Selected = colourTruth
	u.colour.Hide()
	u.outline = container.NewWithoutLayout()
}

// SetTool chooses what dragging does: "pan", "box" or "lasso".
func (s *Scatter) SetTool(tool string) {
	for i, t := range []string{"pan", "box", "lasso"} {
		if t == tool {
			s.ui.tool.SetSelected(toolNames[i])
		}
	}
}

// MouseDown remembers the modifiers held, for the selection's mode.
func (s *Scatter) MouseDown(e *desktop.MouseEvent) { s.sel2.mods = e.Modifier }

// MouseUp implements desktop.Mouseable.
func (s *Scatter) MouseUp(*desktop.MouseEvent) {}

// mode maps the held modifiers to how a selection combines.
func (s *Scatter) mode() workspace.SelectMode {
	switch {
	case s.sel2.mods&fyne.KeyModifierShift != 0:
		return workspace.Add
	case s.sel2.mods&fyne.KeyModifierAlt != 0:
		return workspace.Remove
	}
	return workspace.Replace
}

// modifierTap handles a shift- or alt-click: the point under the cursor
// joins or leaves the selection. It reports whether it did.
func (s *Scatter) modifierTap(p fyne.Position) bool {
	m := s.mode()
	s.sel2.mods = 0
	if m == workspace.Replace || s.OnSelect == nil {
		return false
	}
	if i := s.nearest(p); i >= 0 {
		s.OnSelect([]int{i}, m)
	}
	return true
}

func (s *Scatter) startOutline(p fyne.Position) {
	s.sel2.path = []fyne.Position{p}
	s.hideTip()
}

// extendOutline adds the cursor to the lasso (or moves the box's corner)
// and redraws the outline.
func (s *Scatter) extendOutline(p fyne.Position) {
	st := &s.sel2
	if st.tool == toolBox {
		st.path = append(st.path[:1], p)
	} else if last := st.path[len(st.path)-1]; abs32(p.X-last.X)+abs32(p.Y-last.Y) >= 3 {
		st.path = append(st.path, p)
	}
	s.drawOutline()
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// outlinePolygon returns the selection outline as a closed polygon.
func (s *Scatter) outlinePolygon() []fyne.Position {
	st := &s.sel2
	if st.tool == toolBox && len(st.path) == 2 {
		a, b := st.path[0], st.path[1]
		return []fyne.Position{a, {X: b.X, Y: a.Y}, b, {X: a.X, Y: b.Y}}
	}
	return st.path
}

func (s *Scatter) drawOutline() {
	poly := s.outlinePolygon()
	var objs []fyne.CanvasObject
	ink := color.NRGBA{0x20, 0x20, 0x20, 0xff}
	for k := range poly {
		a, b := poly[k], poly[(k+1)%len(poly)]
		if k == len(poly)-1 && s.sel2.tool == toolLasso {
			ink = color.NRGBA{0x20, 0x20, 0x20, 0x60} // the closing edge, dimmer
		}
		l := canvas.NewLine(ink)
		l.StrokeWidth = 1.5
		l.Position1, l.Position2 = a, b
		objs = append(objs, l)
	}
	s.ui.outline.Objects = objs
	s.ui.outline.Refresh()
}

// finishOutline selects the visible points inside the outline.
func (s *Scatter) finishOutline() {
	poly := s.outlinePolygon()
	s.sel2.path = nil
	s.ui.outline.Objects = nil
	s.ui.outline.Refresh()
	mode := s.mode()
	s.sel2.mods = 0
	if len(poly) < 3 {
		return
	}
	pts := s.pointsInside(poly)
	if s.OnSelect != nil {
		s.OnSelect(pts, mode)
	} else {
		s.Highlight(pts)
	}
}

// pointsInside returns the visible points drawn inside the polygon
// (widget coordinates), by the even-odd rule.
func (s *Scatter) pointsInside(poly []fyne.Position) []int {
	v := s.view
	kx, ky := float64(s.areaSize.Width)/(v.XMax-v.XMin), float64(s.areaSize.Height)/(v.YMax-v.YMin)
	minX, minY, maxX, maxY := poly[0].X, poly[0].Y, poly[0].X, poly[0].Y
	for _, p := range poly {
		minX, minY, maxX, maxY = min(minX, p.X), min(minY, p.Y), max(maxX, p.X), max(maxY, p.Y)
	}
	var out []int
	for _, i := range s.drawOrder() {
		if !s.visible(int(i)) {
			continue
		}
		x := float32(float64(s.area.X) + (float64(s.data.X[i])-v.XMin)*kx)
		y := float32(float64(s.area.Y) + (v.YMax-float64(s.data.Y[i]))*ky)
		if x < minX || x > maxX || y < minY || y > maxY || !s.inArea(fyne.NewPos(x, y)) {
			continue
		}
		if insidePolygon(poly, x, y) {
			out = append(out, int(i))
		}
	}
	slices.Sort(out)
	return out
}

// insidePolygon is the even-odd test of (x, y) against poly.
func insidePolygon(poly []fyne.Position, x, y float32) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.Y > y) != (b.Y > y) && x < (b.X-a.X)*(y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}

// drawOrder is the draw order, restricted to the highlighted points while
// the selection is isolated.
func (s *Scatter) drawOrder() []int32 {
	if s.sel2.isolated && s.sel2.only != nil {
		return s.sel2.only
	}
	return s.order
}

// SetIsolated draws only the highlighted points (true) or all (false).
func (s *Scatter) SetIsolated(on bool) {
	s.sel2.isolated = on
	s.sel2.only = nil
	if on {
		set := make(map[int]bool, len(s.highlight))
		for _, i := range s.highlight {
			set[i] = true
		}
		only := make([]int32, 0, len(s.highlight))
		for _, i := range s.order {
			if set[int(i)] {
				only = append(only, i)
			}
		}
		s.sel2.only = only
	}
	if s.hover >= 0 {
		s.setHover(-1)
	}
	s.requestRender()
}

// Link ties the scatter to the workspace's linked selection: box, lasso
// and shift-clicks select items there (named by source, e.g. "PCA
// scatter"), the selection made anywhere is ringed here, isolation is
// followed, and the points can be coloured by the workspace's labellings.
// Only data given with ScatterData.Items takes part. Call once, on the UI
// goroutine.
func (s *Scatter) Link(ws *workspace.Workspace, source string) {
	s.sel2.ws, s.sel2.source = ws, source
	s.OnSelect = func(points []int, mode workspace.SelectMode) {
		st := &s.sel2
		if st.items == nil || ws.Generation() != st.gen {
			s.Highlight(points)
			return
		}
		items := workspace.NewItems(ws.Splits())
		refs := make([]workspace.Ref, 0, len(points))
		for _, p := range points {
			refs = append(refs, items.Ref(st.items[p]))
		}
		ws.Select(refs, mode, source)
	}
	ws.OnSelectionChange(func() { uiDo(s.applySelection) })
	ws.OnSpacesChange(func() { uiDo(s.refreshColourings) })
}

// dataChanged re-applies the link after SetData.
func (s *Scatter) dataChanged() {
	st := &s.sel2
	st.colour = s.truthOption()
	if st.ws == nil {
		return
	}
	st.gen = st.ws.Generation()
	s.refreshColourings()
	s.applySelection()
}

// applySelection rings the points of the workspace's selection and
// follows its isolation.
func (s *Scatter) applySelection() {
	st := &s.sel2
	if st.ws == nil || st.items == nil {
		return
	}
	var pts []int
	if st.ws.Generation() == st.gen {
		refs, _ := st.ws.Selection()
		pos := workspace.NewItems(st.ws.Splits()).Positions(refs)
		if len(pos) > 0 {
			for p, item := range st.items {
				if _, ok := slices.BinarySearch(pos, item); ok {
					pts = append(pts, p)
				}
			}
		}
	}
	s.Highlight(pts)
	s.SetIsolated(st.ws.Isolated() && len(pts) > 0)
}

// truthOption is the colour list's entry for the colouring given with
// the data: "Colour: true class" unless ScatterData.ColourName says
// otherwise.
func (s *Scatter) truthOption() string {
	if s.sel2.truthName != "" {
		return "Colour: " + s.sel2.truthName
	}
	return colourTruth
}

// selectionMenu returns the scatter menu's selection entries.
func (s *Scatter) selectionMenu() []*fyne.MenuItem {
	ws := s.sel2.ws
	if ws == nil {
		return nil
	}
	return []*fyne.MenuItem{
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Isolate selection", func() { ws.SetIsolated(true) }),
		fyne.NewMenuItem("Show all points", func() { ws.SetIsolated(false) }),
		fyne.NewMenuItem("Clear selection", ws.ClearSelection),
	}
}

// refreshColourings lists the labellings the points can be coloured by.
func (s *Scatter) refreshColourings() {
	st := &s.sel2
	u := &s.ui
	if st.ws == nil || st.items == nil || st.ws.Generation() != st.gen {
		u.colour.Hide()
		return
	}
	opts := []string{s.truthOption()}
	for _, l := range st.ws.Labelings() {
		opts = append(opts, "Colour: "+l.Name)
		if l.Prediction {
			opts = append(opts, "Colour: "+l.Name+colourSuffixWrong)
		}
	}
	u.colour.Options = opts
	if indexOf(opts, st.colour) < 0 {
		st.colour = s.truthOption()
	}
	u.colour.Selected = st.colour
	u.colour.Show()
	u.colour.Refresh()
	s.Refresh()
}

// setColouring recolours the points by the named choice of the colour list.
func (s *Scatter) setColouring(choice string) {
	st := &s.sel2
	if choice == st.colour || st.ws == nil || st.items == nil {
		return
	}
	labels, classes, err := s.colouring(choice)
	if err != nil {
		return
	}
	st.colour = choice
	s.data.Labels, s.data.Classes, s.data.Colors = labels, classes, nil
	if choice == s.truthOption() {
		s.data.Colors = st.truth.Colors
	}
	s.setLegend()
	s.requestRender()
}

// colouring returns per-point labels and class names for a choice.
func (s *Scatter) colouring(choice string) ([]int, []string, error) {
	st := &s.sel2
	if choice == s.truthOption() {
		return st.truth.Labels, st.truth.Classes, nil
	}
	name := strings.TrimPrefix(choice, "Colour: ")
	wrong := strings.HasSuffix(name, colourSuffixWrong)
	name = strings.TrimSuffix(name, colourSuffixWrong)
	l := st.ws.Labeling(name)
	if l == nil || st.ws.Generation() != st.gen {
		return nil, nil, fmt.Errorf("the labelling %q is gone", name)
	}
	truth := workspace.NewItems(st.ws.Splits()).Labels()
	labels := make([]int, len(st.items))
	var classes []string
	if wrong {
		classes = []string{"correct", "wrong", "not predicted"}
		for p, item := range st.items {
			switch pred := l.Labels[item]; {
			case pred < 0:
				labels[p] = 2
			case pred == truth[item]:
				labels[p] = 0
			default:
				labels[p] = 1
			}
		}
		return labels, classes, nil
	}
	classes = append(slices.Clone(l.Classes), "none")
	for p, item := range st.items {
		labels[p] = l.Labels[item]
		if labels[p] < 0 || labels[p] >= len(l.Classes) {
			labels[p] = len(l.Classes)
		}
	}
	return labels, classes, nil
}

// allItems returns 0, 1, …, n−1: ScatterData.Items for a scatter of every
// item in workspace order.
func allItems(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
