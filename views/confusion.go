package views

import (
	"fmt"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/views/figures"
)

// ConfusionGrid is an interactive confusion matrix: one cell per (true,
// predicted) pair, coloured like figures.ConfusionMatrix, with the class
// totals in the margins. Clicking a cell calls OnTap(true, predicted) — or
// (row, column) for a table set with SetTable.
type ConfusionGrid struct {
	widget.BaseWidget
	OnTap    func(trueClass, predicted int)
	OnExport func() // called by the Export button

	title  *widget.Label
	body   *fyne.Container
	export *widget.Button
}

// MaxGridClasses is the most rows or columns a ConfusionGrid shows; a
// larger table (a data set of word vectors, one class per word) gets a
// message instead of a million cells.
const MaxGridClasses = 40

// NewConfusionGrid returns an empty grid.
func NewConfusionGrid() *ConfusionGrid {
	g := &ConfusionGrid{title: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), body: container.NewStack()}
	g.export = widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), func() {
		if g.OnExport != nil {
			g.OnExport()
		}
	})
	g.export.Importance = widget.LowImportance
	g.export.Disable()
	g.ExtendBaseWidget(g)
	return g
}

// SetMatrix shows counts[t][p] for the named classes under a title.
func (g *ConfusionGrid) SetMatrix(title string, classes []string, counts [][]int) {
	g.SetTable(title, "true ╲ predicted", classes, classes, counts, true)
}

// SetTable shows any table of counts (rows × columns, e.g. clusters ×
// classes) with row and column totals; cells are coloured by their share
// of the row. OnTap receives (row, column).
// Clear empties the grid and shows msg in its place.
func (g *ConfusionGrid) Clear(msg string) {
	g.title.SetText("")
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	g.body.Objects = []fyne.CanvasObject{l}
	g.body.Refresh()
	g.export.Disable()
}

func (g *ConfusionGrid) SetTable(title, corner string, rows, cols []string, counts [][]int, boldDiagonal bool) {
	g.title.SetText(title)
	if len(rows) > MaxGridClasses || len(cols) > MaxGridClasses {
		msg := widget.NewLabel(fmt.Sprintf("%d × %d is too large a table to show cell by cell (up to %d × %d): with this many classes, look at the per-class figures instead.",
			len(rows), len(cols), MaxGridClasses, MaxGridClasses))
		msg.Wrapping = fyne.TextWrapWord
		g.body.Objects = []fyne.CanvasObject{msg}
		g.body.Refresh()
		g.export.Disable()
		return
	}
	rowTot, colTot := make([]int, len(rows)), make([]int, len(cols))
	for t := range counts {
		for p, v := range counts[t] {
			rowTot[t] += v
			colTot[p] += v
		}
	}
	noWrap := float32(1e6)
	colW := max(longestWord(append([]string{"total"}, cols...)), confusionCellW-2*theme.Padding())
	firstW := fyne.MeasureText("total", theme.CaptionTextSize(), fyne.TextStyle{}).Width
	for _, r := range rows {
		firstW = max(firstW, fyne.MeasureText(r, theme.CaptionTextSize(), fyne.TextStyle{}).Width)
	}
	marginLabel := func(text string, align fyne.TextAlign) fyne.CanvasObject { return marginText(text, align, noWrap) }
	cells := []fyne.CanvasObject{marginText(corner, fyne.TextAlignLeading, max(firstW, longestWord([]string{corner})))}
	for _, c := range cols {
		cells = append(cells, marginText(c, fyne.TextAlignCenter, colW))
	}
	cells = append(cells, marginText("total", fyne.TextAlignCenter, colW))
	for t := range rows {
		cells = append(cells, marginLabel(rows[t], fyne.TextAlignTrailing))
		for p := range cols {
			frac := 0.0
			if rowTot[t] > 0 {
				frac = float64(counts[t][p]) / float64(rowTot[t])
			}
			cells = append(cells, newConfusionCell(g, t, p, counts[t][p], frac, boldDiagonal && t == p))
		}
		cells = append(cells, marginLabel(fmt.Sprint(rowTot[t]), fyne.TextAlignCenter))
	}
	cells = append(cells, marginLabel("total", fyne.TextAlignTrailing))
	for p := range cols {
		cells = append(cells, marginLabel(fmt.Sprint(colTot[p]), fyne.TextAlignCenter))
	}
	total := 0
	for _, v := range rowTot {
		total += v
	}
	cells = append(cells, marginLabel(fmt.Sprint(total), fyne.TextAlignCenter))
	g.body.Objects = []fyne.CanvasObject{container.New(&confusionLayout{cols: len(cols) + 2}, cells...)}
	g.body.Refresh()
	g.export.Enable()
}

// CreateRenderer implements fyne.Widget.
func (g *ConfusionGrid) CreateRenderer() fyne.WidgetRenderer {
	header := container.NewBorder(nil, nil, nil, container.NewHBox(layout.NewSpacer(), g.export), g.title)
	return widget.NewSimpleRenderer(container.NewBorder(header, nil, nil, nil, g.body))
}

// confusionCell is one clickable cell of a ConfusionGrid.
type confusionCell struct {
	widget.BaseWidget
	grid       *ConfusionGrid
	t, p       int
	bg         *canvas.Rectangle
	text       *canvas.Text
	hoverFrame *canvas.Rectangle
}

func newConfusionCell(g *ConfusionGrid, t, p, count int, frac float64, bold bool) *confusionCell {
	c := &confusionCell{grid: g, t: t, p: p}
	c.bg = canvas.NewRectangle(figures.CellColor(math.Sqrt(frac)))
	c.text = canvas.NewText(fmt.Sprint(count), color.Black)
	if frac > 0.5 {
		c.text.Color = color.White
	}
	c.text.TextStyle.Bold = bold
	c.text.Alignment = fyne.TextAlignCenter
	c.hoverFrame = canvas.NewRectangle(color.Transparent)
	c.hoverFrame.StrokeColor = theme.Color(theme.ColorNamePrimary)
	c.hoverFrame.StrokeWidth = 2
	c.hoverFrame.Hide()
	c.ExtendBaseWidget(c)
	return c
}

func (c *confusionCell) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(c.bg, container.NewCenter(c.text), c.hoverFrame))
}

func (c *confusionCell) MinSize() fyne.Size { return fyne.NewSize(confusionCellW, confusionCellH) }

// Tapped reports the cell to the grid.
func (c *confusionCell) Tapped(*fyne.PointEvent) {
	if f := c.grid.OnTap; f != nil {
		f(c.t, c.p)
	}
}

// Cursor shows that the cell can be clicked.
func (c *confusionCell) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (c *confusionCell) MouseIn(*desktop.MouseEvent)    { c.hoverFrame.Show(); c.hoverFrame.Refresh() }
func (c *confusionCell) MouseMoved(*desktop.MouseEvent) {}
func (c *confusionCell) MouseOut()                      { c.hoverFrame.Hide(); c.hoverFrame.Refresh() }
