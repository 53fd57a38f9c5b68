package views

import (
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"embedscope/app/workspace"
	"embedscope/views/figures"
)

// GalleryColumns is the number of images per row in an exported gallery.
const GalleryColumns = 8

// Gallery is a titled grid of captioned thumbnails that can be clicked
// (OnTap gets the thumbnail's Index) and exported as a figure. Linked to
// the workspace's selection (LinkSelection), a click also selects the
// thumbnail's item and "Select all" selects every item the gallery lists.
type Gallery struct {
	widget.BaseWidget
	Name  string // file name suggested on export
	OnTap func(index int)

	window    fyne.Window
	title     *widget.Label
	grid      *ThumbStrip
	export    *widget.Button
	selectAll *widget.Button
	items     []Thumb

	ws      *workspace.Workspace // set by LinkSelection
	source  string
	allRefs []workspace.Ref // what "Select all" selects
	selRefs []workspace.Ref // the selection when last told, sorted
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
	g.grid.OnTapThumb = g.tapped
	g.selectAll = widget.NewButtonWithIcon("Select all", theme.ListIcon(), g.SelectAll)
	g.selectAll.Importance = widget.LowImportance
	g.selectAll.Hide()
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

// LinkSelection makes the gallery part of the linked selection of ws:
// tapping a thumbnail that has a Ref selects its item (shift-tap adds it,
// as in the scatters), "Select all" selects every item the gallery lists
// (see SetItemsRefs), and the thumbnails of selected items are outlined.
// source names the gallery where the Selection panel says where a
// selection was made, e.g. "Prototypes: confusion cell". OnTap is still
// called on every tap. Calling it again only changes the source.
func (g *Gallery) LinkSelection(ws *workspace.Workspace, source string) {
	g.source = source
	if g.ws == ws {
		return
	}
	g.ws = ws
	ws.OnSelectionChange(func() {
		uiDo(func() {
			g.selRefs, _ = ws.Selection()
			g.grid.RefreshMarks()
		})
	})
	g.selRefs, _ = ws.Selection()
	g.grid.SetMarked(func(th Thumb) bool {
		if th.Ref == nil {
			return false
		}
		_, found := slices.BinarySearchFunc(g.selRefs, *th.Ref, workspace.Ref.Compare)
		return found
	})
	g.updateSelectAll()
}

// tapped selects the tapped item when the gallery is linked.
func (g *Gallery) tapped(th Thumb, mod fyne.KeyModifier) {
	if g.ws == nil || th.Ref == nil {
		return
	}
	mode := workspace.Replace
	if mod&fyne.KeyModifierShift != 0 {
		mode = workspace.Add
	}
	g.ws.Select([]workspace.Ref{*th.Ref}, mode, g.source)
}

// SelectAll replaces the linked selection by every item the gallery lists
// (the "Select all" button).
func (g *Gallery) SelectAll() {
	if g.ws == nil || len(g.allRefs) == 0 {
		return
	}
	g.ws.Select(g.allRefs, workspace.Replace, g.source)
}

// AllRefs returns the items "Select all" selects.
func (g *Gallery) AllRefs() []workspace.Ref { return slices.Clone(g.allRefs) }

func (g *Gallery) updateSelectAll() {
	if g.ws == nil {
		return
	}
	g.selectAll.SetText(fmt.Sprintf("Select all %d", len(g.allRefs)))
	g.selectAll.Show()
	if len(g.allRefs) > 0 {
		g.selectAll.Enable()
	} else {
		g.selectAll.Disable()
	}
}

// SetItemsRefs shows items under a title, where the gallery stands for
// the longer list of items all (e.g. the first 200 of 1,000 images of a
// confusion cell): "Select all" selects all of them. Nil all means the
// Refs of the items.
func (g *Gallery) SetItemsRefs(title string, items []Thumb, all []workspace.Ref) {
	g.SetItems(title, items)
	if all != nil {
		g.allRefs = slices.Clone(all)
		g.updateSelectAll()
	}
}

// SetItems shows items under a title; "Select all" selects their Refs.
func (g *Gallery) SetItems(title string, items []Thumb) {
	g.items = append([]Thumb(nil), items...)
	g.allRefs = nil
	for _, th := range items {
		if th.Ref != nil {
			g.allRefs = append(g.allRefs, *th.Ref)
		}
	}
	g.updateSelectAll()
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

// Figure draws the gallery as a gonum/plot figure, GalleryColumns to a
// row (greyscale thumbnails ink on paper, colour ones as they are).
func (g *Gallery) Figure() *plot.Plot {
	var rows [][]figures.Tile
	for i, it := range g.items {
		if i%GalleryColumns == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], figures.Tile{Image: it.Image, Caption: it.Caption})
	}
	return figures.ImageGrid(g.title.Text, rows, nil)
}

func (g *Gallery) exportHeight() (h vg.Length) {
	_, h = figures.GridSize((len(g.items)+GalleryColumns-1)/GalleryColumns, GalleryColumns, 0)
	return h
}

// CreateRenderer implements fyne.Widget.
func (g *Gallery) CreateRenderer() fyne.WidgetRenderer {
	header := container.NewBorder(nil, nil, nil, container.NewHBox(layout.NewSpacer(), g.selectAll, g.export), g.title)
	return widget.NewSimpleRenderer(container.NewBorder(header, nil, nil, nil, g.grid))
}
