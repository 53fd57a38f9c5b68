package views

import (
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"embedscope/views/figures"
)

// GalleryColumns is the number of images per row in an exported gallery.
const GalleryColumns = 8

// Gallery is a titled grid of captioned thumbnails that can be clicked
// (OnTap gets the thumbnail's Index) and exported as a figure.
type Gallery struct {
	widget.BaseWidget
	Name  string // file name suggested on export
	OnTap func(index int)

	window fyne.Window
	title  *widget.Label
	grid   *ThumbStrip
	export *widget.Button
	items  []Thumb
}

// NewGallery returns an empty gallery; w parents its export dialog.
func NewGallery(name string, w fyne.Window) *Gallery {
	g := &Gallery{Name: name, window: w}
	g.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	g.title.Wrapping = fyne.TextWrapWord
	g.grid = NewThumbGrid()
	g.grid.OnTap = func(i int) {
		if g.OnTap != nil {
			g.OnTap(i)
		}
	}
	g.export = widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), func() {
		ShowExportDialog(g.window, g.Name, g.Figure(), figures.DefaultWidth, g.exportHeight(), ".png")
	})
	g.export.Importance = widget.LowImportance
	g.export.Disable()
	g.ExtendBaseWidget(g)
	return g
}

// SetEmptyText sets the line shown when the gallery is empty.
func (g *Gallery) SetEmptyText(s string) { g.grid.SetEmptyText(s) }

// SetItems shows items under a title.
func (g *Gallery) SetItems(title string, items []Thumb) {
	g.items = append([]Thumb(nil), items...)
	g.title.SetText(title)
	g.grid.SetItems(items)
	if len(items) > 0 {
		g.export.Enable()
	} else {
		g.export.Disable()
	}
}

// Items returns the thumbnails shown.
func (g *Gallery) Items() []Thumb { return g.grid.Items() }

// Figure draws the gallery as a gonum/plot figure (greyscale thumbnails
// only), GalleryColumns to a row.
func (g *Gallery) Figure() *plot.Plot {
	var rows [][]figures.Tile
	for i, it := range g.items {
		if i%GalleryColumns == 0 {
			rows = append(rows, nil)
		}
		gray, _ := it.Image.(*image.Gray)
		rows[len(rows)-1] = append(rows[len(rows)-1], figures.Tile{Image: gray, Caption: it.Caption})
	}
	return figures.ImageGrid(g.title.Text, rows, nil)
}

func (g *Gallery) exportHeight() (h vg.Length) {
	_, h = figures.GridSize((len(g.items)+GalleryColumns-1)/GalleryColumns, GalleryColumns, 0)
	return h
}

// CreateRenderer implements fyne.Widget.
func (g *Gallery) CreateRenderer() fyne.WidgetRenderer {
	header := container.NewBorder(nil, nil, nil, container.NewHBox(layout.NewSpacer(), g.export), g.title)
	return widget.NewSimpleRenderer(container.NewBorder(header, nil, nil, nil, g.grid))
}
