package figures

import (
	"bytes"
	"embedscope/ml/atomicfile"
	"fmt"
	"image"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Formats lists the file formats Save writes, by extension.
var Formats = []string{".png", ".svg", ".pdf"}

// DefaultWidth and DefaultHeight size exported figures (at 96 dpi for PNG:
// 960×640 pixels).
const (
	DefaultWidth  = 10 * vg.Inch
	DefaultHeight = 20 * vg.Inch / 3
)

// Bounds of an exported figure, checked by Encode and EncodeDPI before
// anything is drawn.
const (
	// MinInches is the smallest side: below it titles, axes and legends
	// leave no room for the plot.
	MinInches = 0.5
	// MaxInches is the largest side: 200 inches (14,400 points) is the
	// largest page of PDF.
	MaxInches = 200
	// MinDPI and MaxDPI bound the resolution of a PNG.
	MinDPI, MaxDPI = 24, 1200
	// MaxPixels bounds a PNG's pixels: its RGBA canvas takes 4 bytes a
	// pixel, 256 MiB at the limit (e.g. 85 × 85 inches at 96 dpi).
	MaxPixels = 1 << 26
	// encodeDPI is the resolution of a PNG written by Encode and Save.
	encodeDPI = 96
)

// CheckSize returns an error unless a figure of w×h exported as ext (at
// dpi dots per inch for ".png") is within the bounds above: each side from
// MinInches to MaxInches (NaN and infinities are refused), and for PNG a
// resolution from MinDPI to MaxDPI and at most MaxPixels pixels.
func CheckSize(w, h vg.Length, ext string, dpi int) error {
	wi, hi := float64(w/vg.Inch), float64(h/vg.Inch)
	for _, s := range []struct {
		name string
		v    float64
	}{{"width", wi}, {"height", hi}} {
		if !(s.v >= MinInches && s.v <= MaxInches) {
			return fmt.Errorf("a figure %s of %g inches is out of range: use %g to %g inches", s.name, s.v, float64(MinInches), float64(MaxInches))
		}
	}
	if !strings.EqualFold(ext, ".png") {
		return nil
	}
	if dpi < MinDPI || dpi > MaxDPI {
		return fmt.Errorf("a resolution of %d dpi is out of range: use %d to %d (96 is the screen's)", dpi, MinDPI, MaxDPI)
	}
	if px := wi * float64(dpi) * hi * float64(dpi); px > MaxPixels {
		return fmt.Errorf("%.0f × %.0f pixels (%g × %g inches at %d dpi) is too large an image: at most %d pixels (figures.MaxPixels); lower the size or the resolution",
			wi*float64(dpi), hi*float64(dpi), wi, hi, dpi, MaxPixels)
	}
	return nil
}

// Encode renders p at the given size in the format named by ext (".png",
// ".svg" or ".pdf"); a PNG has 96 dots per inch. The size must pass
// CheckSize.
func Encode(p *plot.Plot, w, h vg.Length, ext string) ([]byte, error) {
	if err := CheckFormat(ext); err != nil {
		return nil, err
	}
	if err := CheckSize(w, h, ext, encodeDPI); err != nil {
		return nil, err
	}
	wt, err := p.WriterTo(w, h, strings.ToLower(ext[1:]))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("rendering figure: %w", err)
	}
	return buf.Bytes(), nil
}

// EncodeDPI is Encode with the resolution of a PNG chosen: dpi dots per
// inch (SVG and PDF are vector formats and ignore it). The size and dpi
// must pass CheckSize.
func EncodeDPI(p *plot.Plot, w, h vg.Length, ext string, dpi int) ([]byte, error) {
	if !strings.EqualFold(ext, ".png") {
		return Encode(p, w, h, ext)
	}
	if err := CheckSize(w, h, ext, dpi); err != nil {
		return nil, err
	}
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	Draw(p, draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("rendering figure: %w", err)
	}
	return buf.Bytes(), nil
}

// CheckFormat returns an error unless ext (".png", ".svg", ".pdf", any
// case) is a format Save writes.
func CheckFormat(ext string) error {
	for _, f := range Formats {
		if strings.EqualFold(f, ext) {
			return nil
		}
	}
	if ext == "" {
		return fmt.Errorf("the file name has no extension: end it with one of %s", strings.Join(Formats, ", "))
	}
	return fmt.Errorf("cannot write a figure as %q: use one of %s", ext, strings.Join(Formats, ", "))
}

// Save writes p to path; the format follows the extension (.png, .svg or
// .pdf). The figure is rendered in memory first and written to a temporary
// file beside path that is renamed over it, so a failure never leaves a
// half-written file.
func Save(p *plot.Plot, w, h vg.Length, path string) error {
	data, err := Encode(p, w, h, filepath.Ext(path))
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data)
}

// WriteFileAtomic writes data to a temporary file in path's folder and
// renames it to path.
func WriteFileAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("cannot write %s: %w (choose a folder you can write to)", path, err)
	}
	return nil
}

// Render draws p into an image of wPx×hPx pixels at the given dots per inch.
func Render(p *plot.Plot, wPx, hPx int, dpi float64) image.Image {
	if wPx < 1 {
		wPx = 1
	}
	if hPx < 1 {
		hPx = 1
	}
	w := vg.Length(float64(wPx) / dpi * float64(vg.Inch))
	h := vg.Length(float64(hPx) / dpi * float64(vg.Inch))
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(int(dpi+0.5)))
	Draw(p, draw.New(c))
	return c.Image()
}

// Draw draws p on c. When its legend would cover more than a quarter of
// the plot's height or more than 45 % of its width (a small figure, such
// as the per-epoch curves beside each other in a 1024-pixel window), the
// legend is drawn below the plot in a strip of its own instead of over the
// data.
func Draw(p *plot.Plot, c draw.Canvas) {
	r := p.Legend.Rectangle(c)
	lw, lh := r.Size().X, r.Size().Y
	size := c.Size()
	if lh == 0 || (lh <= size.Y/4 && lw <= size.X*0.45) || lh > size.Y/2 {
		p.Draw(c)
		return
	}
	legend := p.Legend
	defer func() { p.Legend = legend }()
	empty := plot.NewLegend()
	empty.TextStyle = legend.TextStyle
	p.Legend = empty
	pad := legend.TextStyle.Font.Size / 2
	p.Draw(draw.Crop(c, 0, 0, lh+2*pad, 0))
	strip := c
	strip.Max.Y = c.Min.Y + lh + pad
	strip.Min.X += pad
	below := legend
	below.Top, below.Left = true, true
	below.XOffs, below.YOffs = 0, 0
	below.Draw(strip)
}
