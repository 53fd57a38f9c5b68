package views

import (
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/views/figures"
)

// Thumb is one image of a ThumbStrip.
type Thumb struct {
	// Image is shown crisp (pixels replicated); an *image.Gray is shown
	// ink-on-paper, dark on white, like the figures' galleries.
	Image   image.Image
	Caption string // e.g. "Trouser · d=3.21"
	Index   int    // passed to OnTap, e.g. the row the image shows
	// Ref, when set, names the item shown, so that a gallery linked to
	// the workspace's selection (Gallery.LinkSelection) can select it.
	Ref *workspace.Ref
}

// RefThumb returns a thumbnail of item r: captioned e.g. "test #17 ·
// Sandal" (the item's class, when known), with its image when the data
// set holds images. It returns ok false when r is not an item of ds.
func RefThumb(ds *dataset.Dataset, r workspace.Ref, index int) (th Thumb, ok bool) {
	part := refPart(ds, r)
	if part == nil {
		return Thumb{}, false
	}
	th = Thumb{Caption: r.String(), Index: index, Ref: &r}
	if l := part.Labels[r.Row]; l >= 0 && l < len(ds.Classes) {
		th.Caption += " · " + ds.Classes[l]
	}
	if ds.IsImage() {
		th.Image = ds.Image(part, r.Row)
	}
	return th, true
}

// refPart returns the part of ds that holds item r, or nil when r is not
// one of its items.
func refPart(ds *dataset.Dataset, r workspace.Ref) *dataset.Part {
	var p *dataset.Part
	switch r.Part {
	case "train":
		p = &ds.Train
	case "test":
		p = &ds.Test
	default:
		return nil
	}
	if r.Row < 0 || r.Row >= p.N {
		return nil
	}
	return p
}

// splitRef returns the reference of item pos of split sp ("test" for the
// test split, "train" for the training and validation splits, as
// workspace.Items.Ref names them).
func splitRef(sp dataset.Split, pos int) *workspace.Ref {
	r := workspace.SplitRef(sp, pos)
	return &r
}

// ThumbSize is the side of a thumbnail in a ThumbStrip.
const ThumbSize = 84

// ThumbStrip shows a row of thumbnails with captions, e.g. the nearest
// neighbours of a clicked point; it scrolls sideways when they do not fit.
// Tapping a thumbnail calls OnTapThumb (with the keyboard modifiers held)
// and then OnTap with its Index.
type ThumbStrip struct {
	widget.BaseWidget

	OnTap      func(index int)
	OnTapThumb func(th Thumb, mod fyne.KeyModifier)

	marked func(Thumb) bool // see SetMarked

	items  []Thumb
	cells  *fyne.Container
	scroll *container.Scroll
	empty  *widget.Label
	grid   bool // wrap into rows and scroll vertically (NewThumbGrid)
}

// NewThumbStrip returns an empty strip.
func NewThumbStrip() *ThumbStrip {
	t := &ThumbStrip{cells: container.NewHBox(), empty: widget.NewLabel("")}
	t.empty.Importance = widget.LowImportance
	t.scroll = container.NewHScroll(t.cells)
	t.ExtendBaseWidget(t)
	return t
}

// NewThumbGrid returns a strip that wraps its thumbnails into rows and
// scrolls vertically: a gallery. Captions may take two lines.
func NewThumbGrid() *ThumbStrip {
	t := &ThumbStrip{empty: widget.NewLabel(""), grid: true}
	t.empty.Importance = widget.LowImportance
	t.cells = container.NewGridWrap(newThumbCell(t, Thumb{Caption: "x"}).MinSize())
	t.scroll = container.NewVScroll(t.cells)
	t.ExtendBaseWidget(t)
	return t
}

// SetEmptyText sets the line shown while the strip holds no thumbnails.
func (t *ThumbStrip) SetEmptyText(s string) { t.empty.SetText(s) }

// SetItems replaces the thumbnails (nil clears the strip).
func (t *ThumbStrip) SetItems(items []Thumb) {
	t.items = append([]Thumb(nil), items...)
	cells := make([]fyne.CanvasObject, len(items))
	for k, it := range t.items {
		cells[k] = newThumbCell(t, it)
	}
	t.cells.Objects = cells
	t.cells.Refresh()
	t.scroll.Offset = fyne.Position{}
	t.scroll.Refresh()
	t.empty.Hidden = len(items) > 0
	t.empty.Refresh()
}

// SetMarked outlines the thumbnails for which marked returns true (nil
// marks none), e.g. the selected or focused items; call RefreshMarks
// when its answers change.
func (t *ThumbStrip) SetMarked(marked func(Thumb) bool) {
	t.marked = marked
	t.RefreshMarks()
}

// RefreshMarks asks the marking function again for every thumbnail.
func (t *ThumbStrip) RefreshMarks() {
	for _, o := range t.cells.Objects {
		if c, ok := o.(*thumbCell); ok {
			c.updateMark()
		}
	}
}

// Marked returns the thumbnails that are outlined.
func (t *ThumbStrip) Marked() []Thumb {
	var out []Thumb
	for _, o := range t.cells.Objects {
		if c, ok := o.(*thumbCell); ok && c.mark.Visible() {
			out = append(out, c.item)
		}
	}
	return out
}

// Items returns the thumbnails shown.
func (t *ThumbStrip) Items() []Thumb { return append([]Thumb(nil), t.items...) }

// CreateRenderer implements fyne.Widget.
func (t *ThumbStrip) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(t.scroll, container.NewCenter(t.empty)))
}

// MinSize is one thumbnail, so that the strip keeps its height when empty.
func (t *ThumbStrip) MinSize() fyne.Size {
	cell := newThumbCell(t, Thumb{}).MinSize()
	if t.grid {
		return fyne.NewSize(cell.Width, cell.Height)
	}
	return cell.AddWidthHeight(0, theme.Padding())
}

// thumbCell is one thumbnail with its caption; it highlights on hover
// and is outlined when marked.
type thumbCell struct {
	widget.BaseWidget
	strip   *ThumbStrip
	item    Thumb
	mod     fyne.KeyModifier // held at the last mouse press
	bg      *canvas.Rectangle
	mark    *canvas.Rectangle
	img     *canvas.Image
	caption *widget.Label
}

func newThumbCell(s *ThumbStrip, it Thumb) *thumbCell {
	c := &thumbCell{strip: s, item: it, bg: canvas.NewRectangle(nil)}
	c.bg.CornerRadius = theme.InputRadiusSize()
	c.mark = canvas.NewRectangle(color.Transparent)
	c.mark.CornerRadius = theme.InputRadiusSize()
	c.mark.StrokeWidth = 2
	c.mark.StrokeColor = theme.Color(theme.ColorNamePrimary)
	c.updateMark()
	img := it.Image
	if img == nil {
		img = image.NewNRGBA(image.Rect(0, 0, 1, 1)) // transparent: keeps the captions aligned
	}
	c.img = canvas.NewImageFromImage(paperImage(img))
	c.img.ScaleMode = canvas.ImageScalePixels
	c.img.FillMode = canvas.ImageFillContain
	c.img.SetMinSize(fyne.NewSquareSize(ThumbSize))
	c.caption = widget.NewLabel(it.Caption)
	c.caption.Alignment = fyne.TextAlignCenter
	c.caption.Truncation = fyne.TextTruncateEllipsis
	c.caption.SizeName = theme.SizeNameCaptionText
	if s.grid {
		c.caption.Truncation = fyne.TextTruncateOff
		c.caption.Wrapping = fyne.TextWrapWord
	}
	c.ExtendBaseWidget(c)
	return c
}

func (c *thumbCell) CreateRenderer() fyne.WidgetRenderer {
	body := container.NewVBox(container.NewCenter(c.img), c.caption)
	return widget.NewSimpleRenderer(container.NewStack(c.bg, c.mark, container.NewPadded(body)))
}

func (c *thumbCell) updateMark() {
	on := c.strip.marked != nil && c.strip.marked(c.item)
	if on == c.mark.Visible() {
		return
	}
	c.mark.Hidden = !on
	c.mark.Refresh()
}

func (c *thumbCell) MinSize() fyne.Size {
	p := theme.Padding()
	if c.strip.grid {
		// Room for two lines of caption text.
		line := fyne.MeasureText("Ag", theme.CaptionTextSize(), fyne.TextStyle{}).Height
		return fyne.NewSize(ThumbSize+10*p, ThumbSize+2*line+5*p)
	}
	return fyne.NewSize(ThumbSize+8*p, ThumbSize+c.caption.MinSize().Height+3*p)
}

// Tapped calls the strip's OnTapThumb with the thumbnail and the
// modifiers held when the mouse was pressed, then OnTap with its index.
func (c *thumbCell) Tapped(*fyne.PointEvent) {
	mod := c.mod
	c.mod = 0
	if f := c.strip.OnTapThumb; f != nil {
		f(c.item, mod)
	}
	if f := c.strip.OnTap; f != nil {
		f(c.item.Index)
	}
}

// MouseDown remembers the modifiers (shift-click adds to a selection).
func (c *thumbCell) MouseDown(e *desktop.MouseEvent) { c.mod = e.Modifier }

// MouseUp implements desktop.Mouseable.
func (c *thumbCell) MouseUp(*desktop.MouseEvent) {}

// Cursor shows that the thumbnail can be clicked.
func (c *thumbCell) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (c *thumbCell) MouseIn(*desktop.MouseEvent) {
	c.bg.FillColor = theme.ColorForWidget(theme.ColorNameHover, c)
	c.bg.Refresh()
}

func (c *thumbCell) MouseMoved(*desktop.MouseEvent) {}

func (c *thumbCell) MouseOut() {
	c.bg.FillColor = nil
	c.bg.Refresh()
}

// paperImage returns img ready to show: a greyscale image (0 = background)
// becomes dark ink on white paper, as figures.InkOnPaper does for the
// galleries; other images are returned as they are.
func paperImage(img image.Image) image.Image {
	g, ok := img.(*image.Gray)
	if !ok {
		return img
	}
	b := g.Bounds()
	out := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		src := g.Pix[g.PixOffset(b.Min.X, y):]
		dst := out.Pix[out.PixOffset(b.Min.X, y):]
		for x := range b.Dx() {
			dst[x] = figures.InkOnPaper(src[x])
		}
	}
	return out
}
