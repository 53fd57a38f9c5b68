package figures

import (
	"image"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Tile is one image of a gallery with its caption (may be empty). An
// *image.Gray is drawn ink on paper (see InkOnPaper), any other image in
// its colours.
type Tile struct {
	Image   image.Image
	Caption string
}

// tileUpscale enlarges each image by pixel replication before it is drawn,
// so thumbnails stay crisp when the renderer scales them.
const tileUpscale = 4

// InkOnPaper maps a greyscale image's 0 (background) to white and 255 to
// black, the way garments and digits read best on a white figure.
func InkOnPaper(v uint8) uint8 { return 255 - v }

// ImageGrid lays out rows of tiles as one figure: one row per entry of
// rows, labelled on the left by rowLabels (may be nil), with each tile's
// caption under it. Greyscale images are shown ink-on-paper (dark on
// white), colour images as they are.
func ImageGrid(title string, rows [][]Tile, rowLabels []string) *plot.Plot {
	p := New(title, "", "")
	p.HideX()
	p.X.Label.Text = ""
	cols := 0
	for _, r := range rows {
		if len(r) > cols {
			cols = len(r)
		}
	}
	if cols == 0 || len(rows) == 0 {
		p.HideY()
		l, _ := plotter.NewLabels(plotter.XYLabels{XYs: []plotter.XY{{X: 0.5, Y: 0.5}}, Labels: []string{"nothing to show"}})
		p.Add(l)
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		return p
	}
	// Each tile occupies a 1×1 cell; the image fills 0.9 of it, with room
	// for its caption below.
	const cellH = 1.25
	hasCaptions := false
	var capXY []plotter.XY
	var capText []string
	for r, row := range rows {
		y0 := float64(len(rows)-1-r) * cellH
		for c, t := range row {
			if t.Image == nil {
				continue
			}
			x0 := float64(c)
			p.Add(&tileImage{img: upscale(t.Image), x0: x0 + 0.05, y0: y0 + 0.25, x1: x0 + 0.95, y1: y0 + 1.15})
			if t.Caption != "" {
				hasCaptions = true
				capXY = append(capXY, plotter.XY{X: x0 + 0.5, Y: y0 + 0.2})
				capText = append(capText, t.Caption)
			}
		}
	}
	if hasCaptions {
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: capXY, Labels: capText})
		if err == nil {
			for i := range l.TextStyle {
				l.TextStyle[i].Font.Size = vg.Points(8)
				l.TextStyle[i].XAlign = draw.XCenter
				l.TextStyle[i].YAlign = draw.YTop
			}
			p.Add(l)
		}
	}
	p.X.Min, p.X.Max = 0, float64(cols)
	p.Y.Min, p.Y.Max = 0, float64(len(rows))*cellH
	if rowLabels != nil {
		ticks := make([]plot.Tick, 0, len(rowLabels))
		for r, name := range rowLabels {
			ticks = append(ticks, plot.Tick{Value: float64(len(rows)-1-r)*cellH + 0.7, Label: name})
		}
		p.Y.Tick.Marker = plot.ConstantTicks(ticks)
		p.Y.Tick.Length = 0
		p.Y.LineStyle.Width = 0
		p.Y.Tick.Label.Font.Size = vg.Points(LabelSize)
	} else {
		p.HideY()
	}
	// Tiles of about 80 points, the title and the row labels around them.
	w, h := float64(cols)*80+10, float64(len(rows))*cellH*80+40
	if rowLabels != nil {
		w += 60
	}
	SetAspect(p, w/h)
	return p
}

// tileImage draws an image inside a cell given in data coordinates,
// centred across, at the cell's bottom (right above its caption), and
// scaled without distortion (plotter.Image would stretch it to the cell's
// aspect).
type tileImage struct {
	img            image.Image
	x0, y0, x1, y1 float64
}

func (t *tileImage) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	ax0, ax1, ay0, ay1 := trX(t.x0), trX(t.x1), trY(t.y0), trY(t.y1)
	w, h := ax1-ax0, ay1-ay0
	b := t.img.Bounds()
	scale := min(w/vg.Length(b.Dx()), h/vg.Length(b.Dy()))
	iw, ih := scale*vg.Length(b.Dx()), scale*vg.Length(b.Dy())
	min := vg.Point{X: ax0 + (w-iw)/2, Y: ay0}
	c.DrawImage(vg.Rectangle{Min: min, Max: vg.Point{X: min.X + iw, Y: min.Y + ih}}, t.img)
}

// upscale returns img enlarged tileUpscale times: a greyscale image ink
// on paper, any other in its colours.
func upscale(img image.Image) image.Image {
	src, ok := img.(*image.Gray)
	if !ok {
		b := img.Bounds()
		dst := image.NewNRGBA(image.Rect(0, 0, b.Dx()*tileUpscale, b.Dy()*tileUpscale))
		for y := range dst.Rect.Dy() {
			for x := range dst.Rect.Dx() {
				dst.Set(x, y, img.At(b.Min.X+x/tileUpscale, b.Min.Y+y/tileUpscale))
			}
		}
		return dst
	}
	b := src.Bounds()
	w, h := b.Dx()*tileUpscale, b.Dy()*tileUpscale
	dst := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := src.GrayAt(b.Min.X+x/tileUpscale, b.Min.Y+y/tileUpscale).Y
			dst.SetGray(x, y, color.Gray{Y: InkOnPaper(v)})
		}
	}
	return dst
}

// GridSize suggests a figure size for a grid of rows×cols tiles with
// labels of the given maximum width in characters.
func GridSize(rows, cols, labelChars int) (w, h vg.Length) {
	tile := 0.85 * vg.Inch
	w = vg.Length(cols)*tile + vg.Length(labelChars)*7*vg.Length(1) + 0.4*vg.Inch
	h = vg.Length(rows)*tile*1.25 + 0.9*vg.Inch
	return max(w, 6.5*vg.Inch), max(h, 2.5*vg.Inch)
}
