package figures

import (
	"image"
	"image/color"
	stddraw "image/draw"
	"math"
	"math/rand/v2"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ---- Points drawn as pixels: fast for 70,000 points in any format ----

// DrawOrder returns a fixed pseudo-random permutation of 0..n-1: points are
// drawn in this order so that no class always lies on top.
func DrawOrder(n int) []int32 {
	o := make([]int32, n)
	for i := range o {
		o[i] = int32(i)
	}
	r := rand.New(rand.NewPCG(0x5eed, uint64(n)))
	r.Shuffle(n, func(i, j int) { o[i], o[j] = o[j], o[i] })
	return o
}

// DotStyle suggests a dot diameter (in points, 1/72 in) and opacity for n
// points: smaller and more transparent as n grows, so density still shows.
func DotStyle(n int) (diameter, alpha float64) {
	switch {
	case n <= 2000:
		return 4, 0.85
	case n <= 20000:
		return 2.6, 0.7
	}
	return 1.9, 0.5
}

// pointLayer draws points as dots. On raster canvases it rasterises them
// at the canvas resolution (70,000 points in a few milliseconds); on vector
// canvases it draws vector dots up to vectorLimit points and an embedded
// 200-dpi image beyond.
type pointLayer struct {
	d               Projection
	order           []int32
	visible         []bool
	diameter, alpha float64
	halo            float64 // white rim, in points
}

const vectorLimit = 10000

func (l *pointLayer) Plot(c draw.Canvas, p *plot.Plot) {
	view := Rect{p.X.Min, p.X.Max, p.Y.Min, p.Y.Max}
	if _, raster := rasterDPI(c); !raster && len(l.order) <= vectorLimit {
		for _, i := range l.order {
			lab := l.d.Label(int(i))
			x, y := float64(l.d.X[i]), float64(l.d.Y[i])
			if !classShown(l.visible, lab) || !isFinite(x) || !isFinite(y) || x < view.XMin || x > view.XMax || y < view.YMin || y > view.YMax {
				continue
			}
			col := l.d.ColorOf(lab)
			col.A = uint8(255 * l.alpha)
			c.DrawGlyph(draw.GlyphStyle{Color: col, Radius: vg.Length(l.diameter / 2), Shape: draw.CircleGlyph{}},
				vg.Point{X: c.X(p.X.Norm(x)), Y: c.Y(p.Y.Norm(y))})
		}
		return
	}
	drawRaster(c, func(dst *image.RGBA, scale float64) {
		rasterize(dst, l.d, l.order, view, l.visible, l.diameter*scale, l.alpha, l.halo*scale)
	})
}

// rasterDPI returns the resolution of c when it draws into an image, and
// 200 for vector canvases.
func rasterDPI(c draw.Canvas) (dpi float64, raster bool) {
	var v vg.Canvas = c
	for {
		switch w := v.(type) {
		case draw.Canvas:
			v = w.Canvas
			continue
		case *draw.Canvas:
			v = w.Canvas
			continue
		}
		break
	}
	if r, ok := v.(interface {
		Image() stddraw.Image
		DPI() float64
	}); ok {
		return r.DPI(), true
	}
	return 200, false
}

// drawRaster lets fill paint an image covering c's data area at the
// canvas resolution (200 dpi on vector canvases) and draws it; scale is
// pixels per point.
func drawRaster(c draw.Canvas, fill func(dst *image.RGBA, scale float64)) {
	dpi, _ := rasterDPI(c)
	s := dpi / 72
	x0, y0 := math.Round(float64(c.Min.X)*s), math.Round(float64(c.Min.Y)*s)
	w, h := int(math.Round(float64(c.Max.X)*s-x0)), int(math.Round(float64(c.Max.Y)*s-y0))
	if w < 1 || h < 1 || w*h > 1<<26 {
		return
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fill(img, s)
	min := vg.Point{X: vg.Length(x0 / s), Y: vg.Length(y0 / s)}
	c.DrawImage(vg.Rectangle{Min: min, Max: vg.Point{X: min.X + vg.Length(float64(w)/s), Y: min.Y + vg.Length(float64(h)/s)}}, img)
}

// RasterizePoints draws d's points in the given order into dst, whose
// bounds show the region view (y up), as anti-aliased dots of the given
// diameter in pixels and opacity. Hidden classes are skipped (see
// ScatterOptions.Visible).
func RasterizePoints(dst *image.RGBA, d Projection, order []int32, view Rect, visible []bool, diameter, alpha float64) {
	rasterize(dst, d, order, view, visible, diameter, alpha, 0)
}

// rasterize is RasterizePoints with an optional white halo of the given
// width (pixels) around each dot, to lift it off a dark background.
func rasterize(dst *image.RGBA, d Projection, order []int32, view Rect, visible []bool, diameter, alpha, halo float64) {
	b := dst.Bounds()
	if !view.Valid() || b.Empty() {
		return
	}
	kx, ky := float64(b.Dx())/(view.XMax-view.XMin), float64(b.Dy())/(view.YMax-view.YMin)
	r := diameter / 2
	for _, i := range order {
		if int(i) >= d.Len() {
			continue
		}
		lab := d.Label(int(i))
		if !classShown(visible, lab) {
			continue
		}
		col := d.ColorOf(lab)
		col.A = uint8(255*alpha + 0.5)
		x, y := float64(b.Min.X)+(float64(d.X[i])-view.XMin)*kx, float64(b.Min.Y)+(view.YMax-float64(d.Y[i]))*ky
		if halo > 0 {
			DrawCircle(dst, x, y, r+halo, 0, color.NRGBA{0xff, 0xff, 0xff, col.A})
		}
		DrawCircle(dst, x, y, r, 0, col)
	}
}

// DrawCircle blends an anti-aliased circle of radius r (pixels) centred at
// (cx, cy) into dst: a filled disc when width <= 0, else a ring of that
// width. c.A is the opacity. Centres that are not finite draw nothing.
func DrawCircle(dst *image.RGBA, cx, cy, r, width float64, c color.NRGBA) {
	if !isFinite(cx) || !isFinite(cy) {
		return
	}
	outer, inner := r, math.Inf(-1)
	if width > 0 {
		outer, inner = r+width/2, r-width/2
	}
	b := dst.Bounds()
	if cx < float64(b.Min.X)-outer-1 || cx > float64(b.Max.X)+outer+1 || cy < float64(b.Min.Y)-outer-1 || cy > float64(b.Max.Y)+outer+1 {
		return
	}
	x0, x1 := max(b.Min.X, int(cx-outer-1)), min(b.Max.X, int(cx+outer+2))
	y0, y1 := max(b.Min.Y, int(cy-outer-1)), min(b.Max.Y, int(cy+outer+2))
	a := float32(c.A) / 255
	for y := y0; y < y1; y++ {
		dy := float64(y) + 0.5 - cy
		for x := x0; x < x1; x++ {
			dx := float64(x) + 0.5 - cx
			dist := math.Sqrt(dx*dx + dy*dy)
			cov := min(1, outer+0.5-dist)
			if width > 0 {
				cov = min(cov, dist-inner+0.5)
			}
			if cov <= 0 {
				continue
			}
			sa := a * float32(cov)
			k := 1 - sa
			px := dst.Pix[dst.PixOffset(x, y):]
			px[0] = uint8(float32(c.R)*sa + float32(px[0])*k + 0.5)
			px[1] = uint8(float32(c.G)*sa + float32(px[1])*k + 0.5)
			px[2] = uint8(float32(c.B)*sa + float32(px[2])*k + 0.5)
			px[3] = uint8(255*sa + float32(px[3])*k + 0.5)
		}
	}
}
