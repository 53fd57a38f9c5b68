package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
)

// shownObject is a visible object of a laid-out tree with its absolute
// position and the clip rectangle (absolute) of the scrolls above it.
type shownObject struct {
	obj        fyne.CanvasObject
	pos        fyne.Position
	clipPos    fyne.Position
	clipSize   fyne.Size
	insideTabs bool
}

// walkShown calls fn for every visible object under o (o included), with
// its absolute position; a widget's children are its renderer's objects.
func walkShown(o fyne.CanvasObject, fn func(shownObject)) {
	big := fyne.NewSize(1e6, 1e6)
	var walk func(o fyne.CanvasObject, origin fyne.Position, clipPos fyne.Position, clipSize fyne.Size)
	walk = func(o fyne.CanvasObject, origin fyne.Position, clipPos fyne.Position, clipSize fyne.Size) {
		if o == nil || !o.Visible() {
			return
		}
		pos := origin.Add(o.Position())
		fn(shownObject{obj: o, pos: pos, clipPos: clipPos, clipSize: clipSize})
		var kids []fyne.CanvasObject
		switch c := o.(type) {
		case *fyne.Container:
			kids = c.Objects
		case fyne.Widget:
			kids = test.WidgetRenderer(c).Objects()
		}
		if _, ok := o.(*container.Scroll); ok {
			cp, cs := intersect(clipPos, clipSize, pos, o.Size())
			clipPos, clipSize = cp, cs
		}
		for _, k := range kids {
			walk(k, pos, clipPos, clipSize)
		}
	}
	walk(o, fyne.NewPos(-o.Position().X, -o.Position().Y), fyne.Position{}, big)
}

func intersect(ap fyne.Position, as fyne.Size, bp fyne.Position, bs fyne.Size) (fyne.Position, fyne.Size) {
	x0, y0 := max(ap.X, bp.X), max(ap.Y, bp.Y)
	x1, y1 := min(ap.X+as.Width, bp.X+bs.Width), min(ap.Y+as.Height, bp.Y+bs.Height)
	return fyne.NewPos(x0, y0), fyne.NewSize(max(0, x1-x0), max(0, y1-y0))
}

// relayout lays o and everything under it out again, top down, as the
// real driver does before each frame for the objects whose minimum size
// changed (Fyne's test canvas does not).
func relayout(o fyne.CanvasObject) {
	if o == nil || !o.Visible() {
		return
	}
	switch c := o.(type) {
	case *fyne.Container:
		if c.Layout != nil {
			c.Layout.Layout(c.Objects, c.Size())
		}
		for _, k := range c.Objects {
			relayout(k)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(c)
		r.Layout(c.Size())
		for _, k := range r.Objects() {
			relayout(k)
		}
	}
}
