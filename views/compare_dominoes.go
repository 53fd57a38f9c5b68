package views

import (
	"fmt"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/views/figures"
)

// The Compare panel's dominoes (an item and its nearest items in A and in
// B, the shared ones outlined) and its list of the items that changed
// most, grouped by the classes of their neighbourhoods.

type dominoView struct {
	content        fyne.CanvasObject
	item           *ThumbStrip
	info           *widget.Label
	labelA, labelB *canvas.Text
	rowA, rowB     *ThumbStrip
	export         *widget.Button
	inA, inB       []service.DominoTile
}

func (v *compareView) buildDominoes() {
	d := &v.dominoes
	d.item = NewThumbStrip()
	d.info = wrapLabel("")
	d.labelA, d.labelB = canvas.NewText("", theme.Color(theme.ColorNameForeground)), canvas.NewText("", theme.Color(theme.ColorNameForeground))
	d.labelA.TextStyle.Bold, d.labelB.TextStyle.Bold = true, true
	d.rowA, d.rowB = NewThumbStrip(), NewThumbStrip()
	for _, row := range []*ThumbStrip{d.item, d.rowA, d.rowB} {
		row.OnTap = func(i int) { v.showDomino(i) }
	}
	d.export = widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), v.exportDomino)
	d.export.Importance = widget.LowImportance
	rows := container.NewVBox(d.labelA, d.rowA, d.labelB, d.rowB)
	header := container.NewBorder(nil, nil, nil, d.export, d.info)
	d.content = container.NewBorder(header, nil, nil, nil,
		container.NewVScroll(container.NewBorder(nil, nil, container.NewVBox(layout.NewSpacer(), d.item, layout.NewSpacer()), nil, rows)))
}

// clearDomino empties the dominoes.
func (v *compareView) clearDomino() {
	d := &v.dominoes
	v.domino = -1
	d.inA, d.inB = nil, nil
	d.item.SetItems(nil)
	d.rowA.SetItems(nil)
	d.rowB.SetItems(nil)
	d.labelA.Text, d.labelB.Text = "", ""
	d.labelA.Refresh()
	d.labelB.Refresh()
	d.export.Disable()
	if v.shown == nil {
		d.info.SetText("Compare first; then click an item in either view to see its nearest items in A and in B.")
		return
	}
	d.info.SetText("Click an item in either view (or a thumbnail here) to see its nearest items in A and in B: a domino.")
}

// showDomino shows item i's domino and rings it in every view.
func (v *compareView) showDomino(i int) {
	sh := v.shown
	if sh == nil || i < 0 || i >= sh.res.Items {
		return
	}
	res := sh.res
	inA, inB, err := res.Domino(i)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	v.domino = i
	for _, sc := range []*Scatter{v.viewA, v.viewB, v.morph.scatter} {
		sc.Select(i)
	}
	ds := v.env.Workspace.Data()
	d := &v.dominoes
	d.inA, d.inB = inA, inB
	it := res.ItemList[i]
	d.item.SetItems([]Thumb{v.thumb(i, fmt.Sprintf("%s #%d", ds.Classes[it.Label()], it.Row()))})
	d.info.SetText(fmt.Sprintf("%s shares %d of its %d nearest items between A and B (agreement %.3f). Outlined: in both rows. Click a thumbnail to follow it.",
		itemCaption(ds, it), res.SharedOf(i), res.K, res.Agreement[i]))
	fg := theme.Color(theme.ColorNameForeground)
	d.labelA.Color, d.labelB.Color = fg, fg
	d.labelA.Text = fmt.Sprintf("A: %s — %d nearest, %s distance", res.A, res.K, res.Metric)
	d.labelB.Text = fmt.Sprintf("B: %s — %d nearest, %s distance", res.B, res.K, res.Metric)
	d.labelA.Refresh()
	d.labelB.Refresh()
	fill := func(row *ThumbStrip, tiles []service.DominoTile) {
		thumbs := make([]Thumb, len(tiles))
		shared := map[int]bool{}
		for j, t := range tiles {
			thumbs[j] = v.thumb(t.Item, fmt.Sprintf("%s %.3g", ds.Classes[res.ItemList[t.Item].Label()], t.Dist))
			shared[t.Item] = t.Shared
		}
		row.SetItems(thumbs)
		row.SetMarked(func(th Thumb) bool { return shared[th.Index] })
	}
	fill(d.rowA, inA)
	fill(d.rowB, inB)
	d.export.Enable()
}

// thumb is compared item i's thumbnail with a caption.
func (v *compareView) thumb(i int, caption string) Thumb {
	ds := v.env.Workspace.Data()
	it := v.shown.res.ItemList[i]
	th := Thumb{Caption: caption, Index: i, Ref: splitRef(it.Split, it.Pos)}
	if ds.IsImage() {
		th.Image = ds.Image(it.Split.Part, it.Row())
	}
	return th
}

// exportDomino saves the domino shown as a figure.
func (v *compareView) exportDomino() {
	sh := v.shown
	d := &v.dominoes
	if sh == nil || v.domino < 0 {
		return
	}
	res := sh.res
	ds := v.env.Workspace.Data()
	tile := func(i int, caption string) figures.Tile {
		t := figures.Tile{Caption: caption}
		if ds.IsImage() {
			it := res.ItemList[i]
			var img image.Image = ds.Image(it.Split.Part, it.Row())
			t.Image, _ = img.(*image.Gray)
		}
		return t
	}
	row := func(tiles []service.DominoTile) []figures.Tile {
		var out []figures.Tile
		for _, t := range tiles {
			c := fmt.Sprintf("%s %.3g", ds.Classes[res.ItemList[t.Item].Label()], t.Dist)
			if t.Shared {
				c = "● " + c
			}
			out = append(out, tile(t.Item, c))
		}
		return out
	}
	it := res.ItemList[v.domino]
	rows := [][]figures.Tile{{tile(v.domino, itemCaption(ds, it))}, row(d.inA), row(d.inB)}
	title := fmt.Sprintf("Neighbourhood domino of %s: %d of %d shared (● in both)", itemCaption(ds, it), res.SharedOf(v.domino), res.K)
	w, h := figures.GridSize(3, res.K, 14)
	ShowExportDialog(v.env.Window, "compare-domino", figures.ImageGrid(title, rows, []string{"item", "A: " + res.A, "B: " + res.B}), w, h, ".png")
}

// ---- the most-changed list ----

type changedView struct {
	content fyne.CanvasObject
	list    *widget.List
	info    *widget.Label
	gallery *Gallery
	groups  []string // the lines shown
}

func (v *compareView) buildChanged() {
	c := &v.changed
	c.info = wrapLabel("Compare first: the items whose neighbourhoods changed most are grouped here by their class and the majority class of their neighbours in A and in B. Click a line to select its items.")
	c.list = widget.NewList(func() int { return len(c.groups) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(c.groups) {
				o.(*widget.Label).SetText(c.groups[id])
			}
		})
	c.list.OnSelected = func(id widget.ListItemID) { v.selectGroup(id) }
	c.gallery = NewGallery("compare-most-changed", v.env.Window)
	c.gallery.SetEmptyText("Click a line to see its images; click an image to see its domino.")
	c.gallery.OnTap = func(i int) {
		v.showDomino(i)
		v.tabs.SelectIndex(1) // the side-by-side views, with the dominoes
	}
	split := container.NewVSplit(container.NewBorder(c.info, nil, nil, nil, c.list), c.gallery)
	split.Offset = 0.5
	c.content = split
}

// groupLine is one line of the most-changed list.
func groupLine(res *service.CompareResult, g service.ChangedGroup) string {
	what := fmt.Sprintf("%s among %s in A → among %s in B", g.Class, g.From, g.To)
	if g.From == g.To {
		what = fmt.Sprintf("%s among %s in both, other neighbours", g.Class, g.From)
	}
	return fmt.Sprintf("%s   %s · mean agreement %.3f", what, countOf(g.Items, "item"), g.MeanAgreement)
}

// showChanged lists the most-changed groups.
func (v *compareView) showChanged() {
	c := &v.changed
	res := v.shown.res
	c.groups = c.groups[:0]
	for _, g := range res.MostChanged {
		c.groups = append(c.groups, groupLine(res, g))
	}
	c.list.UnselectAll()
	c.list.Refresh()
	c.info.SetText(fmt.Sprintf("The %s items of lowest agreement between %s and %s, in %d groups: each item's class, and the class most of its %d neighbours have in A → in B. Groups whose neighbourhood changed class come first. Click a line to select its items.",
		groupDigits(res.ChangedItems), res.A, res.B, len(res.MostChanged), res.K))
	c.gallery.SetItems("", nil)
}

// selectGroup selects the items of line g and shows their images.
func (v *compareView) selectGroup(g int) {
	sh := v.shown
	if sh == nil || g < 0 || g >= len(sh.res.MostChanged) {
		return
	}
	res := sh.res
	items := res.GroupItems(g)
	v.env.Workspace.Select(res.Refs(items), workspace.Replace, "Compare: "+v.changed.groups[g])
	var thumbs []Thumb
	for _, i := range items[:min(len(items), 200)] {
		thumbs = append(thumbs, v.thumb(i, fmt.Sprintf("%d shared", res.SharedOf(i))))
	}
	title := fmt.Sprintf("%s (lowest agreement first)", v.changed.groups[g])
	v.changed.gallery.SetItemsRefs(title, thumbs, res.Refs(items))
}
