package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// sidePanelWidth is the most a panel's side column (its form and
// buttons) may ask for, so that at 1024 pixels wide the figures keep
// about two thirds of the window (the rendering test checks it).
const sidePanelWidth = 360

// sidePanel is a panel's column of controls in a vertical scroll, with a
// "More below" bar under it while part of the column is out of sight
// (results and buttons never hide below the window without a hint;
// clicking the bar scrolls down). The mouse wheel over one of its
// single-line entries scrolls the column: those entries do not scroll
// themselves (see unscrollEntries).
type sidePanel struct {
	widget.BaseWidget

	Scroll *container.Scroll
	more   *widget.Button
}

// newSidePanel puts controls in a side column.
func newSidePanel(controls fyne.CanvasObject) *sidePanel {
	unscrollEntries(controls)
	s := &sidePanel{Scroll: container.NewVScroll(container.NewPadded(controls))}
	s.more = widget.NewButtonWithIcon("More below", theme.MoveDownIcon(), s.pageDown)
	s.more.Importance = widget.LowImportance
	s.more.Hide()
	s.Scroll.OnScrolled = func(fyne.Position) { s.relayout() }
	s.ExtendBaseWidget(s)
	return s
}

// needsHint says whether more than a few pixels of the column would lie
// below the visible part if the scroll were height tall.
func (s *sidePanel) needsHint(height float32) bool {
	hidden := s.Scroll.Content.MinSize().Height - s.Scroll.Offset.Y - height
	return hidden > 4 && height > 3*s.more.MinSize().Height
}

// relayout shows or hides the bar and lays the column out again.
func (s *sidePanel) relayout() {
	if size := s.Size(); !size.IsZero() {
		(&sidePanelRenderer{s: s}).Layout(size)
	}
}

// pageDown scrolls the column down by most of its height.
func (s *sidePanel) pageDown() {
	h := s.Scroll.Size().Height
	hidden := s.Scroll.Content.MinSize().Height - s.Scroll.Offset.Y - h
	s.Scroll.ScrollToOffset(fyne.NewPos(0, s.Scroll.Offset.Y+min(hidden, 0.8*h)))
	s.relayout()
}

// CreateRenderer implements fyne.Widget.
func (s *sidePanel) CreateRenderer() fyne.WidgetRenderer {
	return &sidePanelRenderer{s: s}
}

type sidePanelRenderer struct{ s *sidePanel }

func (r *sidePanelRenderer) Layout(size fyne.Size) {
	s := r.s
	if !s.needsHint(size.Height) {
		s.more.Hide()
		s.Scroll.Resize(size)
		return
	}
	mh := s.more.MinSize().Height
	s.more.Show()
	s.more.Move(fyne.NewPos(0, size.Height-mh))
	s.more.Resize(fyne.NewSize(size.Width, mh))
	s.Scroll.Resize(fyne.NewSize(size.Width, size.Height-mh))
}

// MinSize is the column's width and room for the bar and a little more.
func (r *sidePanelRenderer) MinSize() fyne.Size {
	return fyne.NewSize(r.s.Scroll.MinSize().Width, 4*r.s.more.MinSize().Height)
}

func (r *sidePanelRenderer) Refresh() {
	r.s.Scroll.Refresh()
	r.s.relayout()
}

func (r *sidePanelRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.s.Scroll, r.s.more}
}

func (r *sidePanelRenderer) Destroy() {}

// unscrollEntries makes the single-line entries under o (in containers
// and forms) wide enough for their text instead of scrolling it, so that
// the mouse wheel over them reaches the scroll around them: Fyne gives a
// wheel event to the innermost scrollable object only.
func unscrollEntries(o fyne.CanvasObject) {
	switch w := o.(type) {
	case *widget.Entry:
		if !w.MultiLine {
			w.Wrapping = fyne.TextWrapOff
			w.Scroll = fyne.ScrollNone
		}
	case *fyne.Container:
		for _, c := range w.Objects {
			unscrollEntries(c)
		}
	case *widget.Form:
		for _, it := range w.Items {
			unscrollEntries(it.Widget)
		}
	}
}

// hint returns a wrapped line of explanation under a control, in the
// caption size and the normal text colour (grey text is hard to read on
// the dark theme).
func hint(text string) *widget.Label {
	l := wrapLabel(text)
	l.SizeName = theme.SizeNameCaptionText
	return l
}

// stacked returns a form with each label above its control, so that
// choices with long names (spaces, runs, methods) get the column's whole
// width instead of being cut short.
func stacked(items ...*widget.FormItem) *widget.Form {
	f := widget.NewForm(items...)
	f.Orientation = widget.Vertical
	return f
}
