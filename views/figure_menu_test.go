package views

import (
	"testing"

	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot/plotter"

	"embedscope/views/figures"
)

// TestFigureRightClickMenu: right-click on a figure opens its export menu
// (issue 15, item 1: Fyne calls TappedSecondary); on an empty plot it
// does not, and the Export button stays disabled.
func TestFigureRightClickMenu(t *testing.T) {
	env := newTestEnv(t)
	fv := NewFigureView("test-figure", env.Window)
	// menuShown reports whether a pop-up menu with "Export as PNG…" is shown.
	menuShown := func() bool {
		top := env.Window.Canvas().Overlays().Top()
		if top == nil {
			return false
		}
		popUp, png := false, false
		for _, o := range test.LaidOutObjects(top) {
			switch o := o.(type) {
			case *widget.PopUpMenu:
				popUp = true
			case *canvas.Text:
				png = png || o.Text == "Export as PNG…"
			}
		}
		return popUp && png
	}
	testUI.do(func() {
		env.Window.SetContent(fv)
		fv.SetPlot(figures.New("empty", "x", "y"))
		test.TapSecondary(fv)
		if menuShown() || !fv.export.Disabled() {
			t.Errorf("empty plot: menu %v, export enabled %v", menuShown(), !fv.export.Disabled())
		}
		p := figures.New("a line", "x", "y")
		l, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
		p.Add(l)
		fv.SetPlot(p)
		test.TapSecondary(fv)
		if !menuShown() {
			t.Error("right-click on a figure shows no export menu")
		}
	})
}
