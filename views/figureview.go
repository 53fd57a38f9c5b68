package views

import (
	"fmt"
	"image"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"embedscope/views/figures"
)

// FigureView shows one gonum/plot figure, redrawn at the widget's pixel
// size, with an Export button and a right-click menu that save it as PNG,
// SVG or PDF.
type FigureView struct {
	widget.BaseWidget

	// Name is the file name suggested on export, without extension.
	Name string
	// ExportWidth and ExportHeight size the exported file.
	ExportWidth, ExportHeight vg.Length
	// OnTapData, when set, makes the figure clickable: a click in its
	// data area reports the point clicked in data coordinates (see
	// figure_tap.go).
	OnTapData func(x, y float64)

	window fyne.Window

	mu       sync.Mutex
	plot     *plot.Plot
	message  string
	size     fyne.Size // logical size of the figure area, as last laid out
	rendered fyne.Size // logical size of the last render
	shown    fyne.Size // logical size of the image shown
	pending  bool

	img    *canvas.Image
	text   *widget.Label
	export *widget.Button
	area   *fyne.Container // holds the image (for OnTapData)
}

// NewFigureView returns an empty figure view; w parents its dialogs.
func NewFigureView(name string, w fyne.Window) *FigureView {
	f := &FigureView{Name: name, window: w, ExportWidth: figures.DefaultWidth, ExportHeight: figures.DefaultHeight}
	f.img = canvas.NewImageFromImage(image.NewNRGBA(image.Rect(0, 0, 1, 1)))
	f.img.FillMode = canvas.ImageFillContain
	f.img.ScaleMode = canvas.ImageScaleSmooth
	f.text = widget.NewLabel("")
	f.text.Alignment = fyne.TextAlignCenter
	f.text.Wrapping = fyne.TextWrapWord
	f.export = widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), f.ShowExportDialog)
	f.export.Importance = widget.LowImportance
	f.export.Disable()
	f.ExtendBaseWidget(f)
	return f
}

// SetPlot shows p (nil clears the view).
func (f *FigureView) SetPlot(p *plot.Plot) {
	f.mu.Lock()
	f.plot, f.message, f.rendered, f.shown = p, "", fyne.Size{}, fyne.Size{}
	f.mu.Unlock()
	f.scheduleRender()
}

// SetMessage replaces the figure with a line of text (e.g. "Computing…" or
// why there is nothing to show).
func (f *FigureView) SetMessage(msg string) {
	f.mu.Lock()
	f.plot, f.message, f.rendered = nil, msg, fyne.Size{}
	f.mu.Unlock()
	f.text.SetText(msg)
	f.text.Show()
	f.img.Hide()
	f.export.Disable()
}

// Message returns the text shown instead of a figure ("" when a figure
// is shown).
func (f *FigureView) Message() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.message
}

// Plot returns the figure shown (nil when none).
func (f *FigureView) Plot() *plot.Plot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.plot
}

// areaResized redraws the figure when the area that shows it changes size.
func (f *FigureView) areaResized(s fyne.Size) {
	f.mu.Lock()
	f.size = s
	f.mu.Unlock()
	f.scheduleRender()
}

// watchLayout stacks its objects over the whole area, like a Stack, and
// reports the area's size.
type watchLayout struct{ onResize func(fyne.Size) }

func (l *watchLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
	l.onResize(size)
}

func (l *watchLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(200, 150) }

// scheduleRender draws the plot in the background at the widget's pixel
// size, at most once per 100 ms while the size keeps changing.
func (f *FigureView) scheduleRender() {
	f.mu.Lock()
	if f.plot == nil || f.pending {
		f.mu.Unlock()
		return
	}
	f.pending = true
	f.mu.Unlock()
	go func() {
		time.Sleep(100 * time.Millisecond)
		f.mu.Lock()
		p := f.plot
		size := f.size
		f.pending = false
		if p == nil || size.Width < 10 || size.Height < 10 || size == f.rendered {
			f.mu.Unlock()
			return
		}
		f.rendered = size
		f.mu.Unlock()
		scale := float32(1)
		if c := fyne.CurrentApp().Driver().CanvasForObject(f); c != nil {
			scale = c.Scale()
		}
		d := drawnSize(p, size)
		k := renderFactor(p, d)
		wPx, hPx := int(k*d.Width*scale), int(k*d.Height*scale)
		img := figures.Render(fitTitle(p, k*d.Width), wPx, hPx, float64(96*scale))
		uiDo(func() {
			f.mu.Lock()
			current := f.plot == p
			if current {
				f.shown = size
			}
			f.mu.Unlock()
			if !current {
				return
			}
			f.img.Image = img
			f.img.Show()
			f.text.Hide()
			setEnabled(f.export, !figures.Empty(p)) // an empty plot has nothing to export
			f.img.Refresh()
		})
	}()
}

// drawnSize is the part of an area of the given size that p is drawn in:
// all of it, or the largest rectangle of p's preferred shape
// (figures.Aspect), centred.
func drawnSize(p *plot.Plot, size fyne.Size) fyne.Size {
	a, ok := figures.Aspect(p)
	if !ok || size.Height <= 0 {
		return size
	}
	if float64(size.Width/size.Height) > a {
		return fyne.NewSize(size.Height*float32(a), size.Height)
	}
	return fyne.NewSize(size.Width, size.Width/float32(a))
}

// fitTitle returns p, or a shallow copy of p whose title is set smaller
// (down to 6 points) so that it fits a figure width logical pixels wide.
func fitTitle(p *plot.Plot, width float32) *plot.Plot {
	avail := vg.Length(width*pointsPerPixel) - vg.Points(12)
	w := p.Title.TextStyle.Width(p.Title.Text)
	if p.Title.Text == "" || w <= avail || avail <= 0 {
		return p
	}
	q := *p
	q.Title.TextStyle.Font.Size = max(q.Title.TextStyle.Font.Size*avail/w, vg.Points(6))
	return &q
}

// TappedSecondary opens the export menu on right-click (fyne.SecondaryTappable).
func (f *FigureView) TappedSecondary(e *fyne.PointEvent) {
	if p := f.Plot(); p == nil || figures.Empty(p) {
		return
	}
	items := []*fyne.MenuItem{}
	for _, ext := range figures.Formats {
		ext := ext
		items = append(items, fyne.NewMenuItem("Export as "+strings.ToUpper(ext[1:])+"…", func() { f.showSave(ext) }))
	}
	items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("Copy to clipboard", f.CopyToClipboard))
	c := fyne.CurrentApp().Driver().CanvasForObject(f)
	if c == nil {
		return
	}
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), c, e.AbsolutePosition)
}

// CopyToClipboard puts the figure on the clipboard as a PNG at its export
// size (see copyImage) and says how it went.
func (f *FigureView) CopyToClipboard() {
	p := f.Plot()
	if p == nil || f.window == nil {
		return
	}
	var data []byte
	w, h := f.ExportWidth, f.ExportHeight
	busyDo(f.window, "Copying figure", "Drawing the figure for the clipboard…", func() (err error) {
		data, err = figures.EncodeDPI(p, w, h, ".png", 150)
		return err
	}, func(err error) {
		if err == nil {
			var msg string
			if msg, err = copyImage(f.window, data); err == nil {
				dialog.ShowInformation("Figure copied", msg, f.window)
				return
			}
		}
		dialog.ShowError(err, f.window)
	})
}

// ShowExportDialog asks where to save the figure (PNG unless another
// extension is typed).
func (f *FigureView) ShowExportDialog() { f.showSave(".png") }

func (f *FigureView) showSave(ext string) {
	if p := f.Plot(); p != nil {
		ShowExportDialog(f.window, f.Name, p, f.ExportWidth, f.ExportHeight, ext)
	}
}

// ExportTo writes the figure to path (format by extension) atomically.
func (f *FigureView) ExportTo(path string) error {
	p := f.Plot()
	if p == nil {
		return fmt.Errorf("there is no figure to export yet")
	}
	return figures.Save(p, f.ExportWidth, f.ExportHeight, path)
}

// CreateRenderer implements fyne.Widget.
func (f *FigureView) CreateRenderer() fyne.WidgetRenderer {
	f.text.SetText(f.message)
	header := container.NewHBox(layout.NewSpacer(), f.export)
	area := container.New(&watchLayout{onResize: f.areaResized}, f.img, f.text)
	f.area = area
	content := container.NewBorder(header, nil, nil, nil, area)
	return widget.NewSimpleRenderer(content)
}

// A FigureView answers right-clicks (Fyne calls TappedSecondary).
var _ fyne.SecondaryTappable = (*FigureView)(nil)
