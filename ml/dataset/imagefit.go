package dataset

import (
	"fmt"
	"image"
	"image/color"
	"strings"
)

// Fit is how LoadImages brings images of different sizes to one size.
type Fit int

const (
	// FitLetterbox scales each image to fit inside the common square,
	// keeping its aspect, and centres it on black: nothing is lost, and
	// bars fill the rest. The default.
	FitLetterbox Fit = iota
	// FitCrop scales each image to cover the common square, keeping its
	// aspect, and keeps the centre: no bars, the edges of the longer side
	// are cut off.
	FitCrop
	// FitStretch scales each axis to the square's side on its own, so the
	// aspect changes: what LoadImageFolder does.
	FitStretch
)

var fitNames = []string{"letterbox", "crop", "stretch"}

// FitLabels are the human labels of the fits, in order.
var FitLabels = []string{"letterbox (keep the aspect, black bars)", "crop (keep the aspect, cut the centre)", "stretch (change the aspect)"}

// String returns the short name used on the command line.
func (f Fit) String() string {
	if f < 0 || int(f) >= len(fitNames) {
		return fmt.Sprintf("Fit(%d)", int(f))
	}
	return fitNames[f]
}

// ParseFit reads a fit's short name (see String) or its label.
func ParseFit(name string) (Fit, error) {
	for i, n := range fitNames {
		if strings.EqualFold(name, n) || name == FitLabels[i] {
			return Fit(i), nil
		}
	}
	return 0, fmt.Errorf("unknown fit %q: use one of %s", name, strings.Join(fitNames, ", "))
}

// geometry is the size every image of a folder is brought to.
type geometry struct {
	w, h int
	fit  Fit
}

// folderGeometry chooses the common size of images of the given sizes
// (width, height; at least one): when they are all of one size w×h and
// neither side passes limit, that size; when they are of one size but
// larger, that size scaled so its longer side is limit (aspect kept);
// when sizes differ, a square of the largest side met, at most limit,
// that every image is fitted to by fit. With FitStretch the result is
// always limit×limit.
func folderGeometry(sizes []image.Point, limit int, fit Fit) geometry {
	if fit == FitStretch {
		return geometry{limit, limit, fit}
	}
	first, same, largest := sizes[0], true, 0
	for _, s := range sizes {
		same = same && s == first
		largest = max(largest, s.X, s.Y)
	}
	if same {
		w, h := scaledToFit(first.X, first.Y, min(limit, max(first.X, first.Y)))
		return geometry{w, h, fit}
	}
	side := min(limit, largest)
	return geometry{side, side, fit}
}

// scaledToFit returns w×h scaled so that its longer side is side, the
// other rounded to the nearest pixel and at least 1.
func scaledToFit(w, h, side int) (int, int) {
	if w >= h {
		return side, max(1, (h*side+w/2)/w)
	}
	return max(1, (w*side+h/2)/h), side
}

// fitImage brings the w×h image src of c interleaved channels to g by
// area averaging (see resizePlanes): stretched, letterboxed on black, or
// centre-cropped.
func fitImage(src []uint8, w, h, c int, g geometry) []uint8 {
	if w == g.w && h == g.h {
		return src
	}
	switch g.fit {
	case FitStretch:
		return resizePlanes(src, w, h, c, g.w, g.h)
	case FitCrop:
		// Cover g: the scale is the larger of the two ratios.
		fw, fh := g.w, (h*g.w+w/2)/w
		if fh < g.h {
			fw, fh = (w*g.h+h/2)/h, g.h
		}
		fw, fh = max(fw, g.w), max(fh, g.h)
		big := resizePlanes(src, w, h, c, fw, fh)
		x0, y0 := (fw-g.w)/2, (fh-g.h)/2
		out := make([]uint8, g.w*g.h*c)
		for y := range g.h {
			copy(out[y*g.w*c:(y+1)*g.w*c], big[((y0+y)*fw+x0)*c:])
		}
		return out
	}
	// Letterbox: fit inside g, the smaller of the two ratios.
	fw, fh := g.w, max(1, (h*g.w+w/2)/w)
	if fh > g.h {
		fw, fh = max(1, (w*g.h+h/2)/h), g.h
	}
	fw, fh = min(fw, g.w), min(fh, g.h)
	small := resizePlanes(src, w, h, c, fw, fh)
	x0, y0 := (g.w-fw)/2, (g.h-fh)/2
	out := make([]uint8, g.w*g.h*c)
	for y := range fh {
		copy(out[((y0+y)*g.w+x0)*c:], small[y*fw*c:(y+1)*fw*c])
	}
	return out
}

// resizePlanes resamples the w×h image src of c interleaved channels to
// dw×dh by area averaging, each channel on its own: each output value is
// the mean of the source area its pixel covers, partly covered source
// pixels weighing by the fraction covered, rounded to the nearest
// integer. For c = 1 and a square output it computes what resizeArea does.
func resizePlanes(src []uint8, w, h, c, dw, dh int) []uint8 {
	if w == dw && h == dh {
		return src
	}
	xTaps, yTaps := areaTaps(w, dw), areaTaps(h, dh)
	tmp := make([]float32, h*dw*c) // resized along x only
	for y := range h {
		row := src[y*w*c : (y+1)*w*c]
		for x, taps := range xTaps {
			for k := range c {
				var v float32
				for _, t := range taps {
					v += float32(row[t.src*c+k]) * t.weight
				}
				tmp[(y*dw+x)*c+k] = v
			}
		}
	}
	out := make([]uint8, dw*dh*c)
	for y, taps := range yTaps {
		for j := range dw * c {
			var v float32
			for _, t := range taps {
				v += tmp[t.src*dw*c+j] * t.weight
			}
			out[y*dw*c+j] = uint8(min(255, max(0, v+0.5)))
		}
	}
	return out
}

// rgb returns the colour of every pixel of img, row-major, as 3
// interleaved bytes (red, green, blue), composited on black: the high
// byte of the premultiplied 16-bit colour image/color gives, so that a
// grey pixel's channels equal its luma (see lumaOf). grey reports whether
// every pixel has equal channels.
func rgb(img image.Image) (out []uint8, grey bool) {
	b := img.Bounds()
	w := b.Dx()
	out = make([]uint8, 3*w*b.Dy())
	if g, ok := img.(*image.Gray); ok {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			src := g.Pix[g.PixOffset(b.Min.X, y):]
			dst := out[3*(y-b.Min.Y)*w:]
			for x := range w {
				dst[3*x], dst[3*x+1], dst[3*x+2] = src[x], src[x], src[x]
			}
		}
		return out, true
	}
	at := colourGetter(img)
	grey = true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		dst := out[3*(y-b.Min.Y)*w:]
		for x := range w {
			r, g, bl := at(b.Min.X+x, y)
			dst[3*x], dst[3*x+1], dst[3*x+2] = r, g, bl
			grey = grey && r == g && g == bl
		}
	}
	return out, grey
}

// colourGetter returns a function giving the 8-bit premultiplied colour
// of pixel (x, y) of img, avoiding a color.Color per pixel for the common
// types.
func colourGetter(img image.Image) func(x, y int) (r, g, b uint8) {
	hi := func(r, g, b, _ uint32) (uint8, uint8, uint8) { return uint8(r >> 8), uint8(g >> 8), uint8(b >> 8) }
	switch m := img.(type) {
	case *image.RGBA:
		return func(x, y int) (uint8, uint8, uint8) {
			i := m.PixOffset(x, y)
			return m.Pix[i], m.Pix[i+1], m.Pix[i+2]
		}
	case *image.NRGBA:
		return func(x, y int) (uint8, uint8, uint8) { return hi(m.NRGBAAt(x, y).RGBA()) }
	case *image.YCbCr:
		return func(x, y int) (uint8, uint8, uint8) { return hi(m.YCbCrAt(x, y).RGBA()) }
	case *image.Paletted:
		pal := make([][3]uint8, len(m.Palette))
		for i, c := range m.Palette {
			pal[i][0], pal[i][1], pal[i][2] = hi(c.RGBA())
		}
		return func(x, y int) (uint8, uint8, uint8) {
			if i := int(m.ColorIndexAt(x, y)); i < len(pal) {
				return pal[i][0], pal[i][1], pal[i][2]
			}
			return 0, 0, 0 // an index beyond the palette reads as black, as color.Palette's zero
		}
	}
	return func(x, y int) (uint8, uint8, uint8) { return hi(img.At(x, y).RGBA()) }
}

// toGrey returns the first channel of each pixel of the RGB pixels pix,
// for images whose channels are all equal.
func toGrey(pix []uint8) []uint8 {
	out := make([]uint8, len(pix)/3)
	for i := range out {
		out[i] = pix[3*i]
	}
	return out
}

// luma returns the ITU-R 601 luma of every pixel of img, row-major, as
// image/color.GrayModel computes it from the premultiplied colour.
func luma(img image.Image) []uint8 {
	b := img.Bounds()
	w := b.Dx()
	out := make([]uint8, w*b.Dy())
	switch m := img.(type) {
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			i := m.PixOffset(b.Min.X, y)
			copy(out[(y-b.Min.Y)*w:], m.Pix[i:i+w])
		}
	case *image.Paletted:
		lum := make([]uint8, 256)
		for i, c := range m.Palette {
			lum[i] = grey(c)
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				out[(y-b.Min.Y)*w+x-b.Min.X] = lum[m.ColorIndexAt(x, y)]
			}
		}
	default:
		at := pixelGetter(img)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				out[(y-b.Min.Y)*w+x-b.Min.X] = at(x, y)
			}
		}
	}
	return out
}

// pixelGetter returns a function giving the luma of pixel (x, y) of img,
// avoiding the allocation of a color.Color per pixel for the common types.
func pixelGetter(img image.Image) func(x, y int) uint8 {
	switch m := img.(type) {
	case *image.RGBA:
		return func(x, y int) uint8 { return lumaOf(m.RGBAAt(x, y).RGBA()) }
	case *image.NRGBA:
		return func(x, y int) uint8 { return lumaOf(m.NRGBAAt(x, y).RGBA()) }
	case *image.YCbCr:
		return func(x, y int) uint8 { return lumaOf(m.YCbCrAt(x, y).RGBA()) }
	case *image.Gray16:
		return func(x, y int) uint8 { return lumaOf(m.Gray16At(x, y).RGBA()) }
	}
	return func(x, y int) uint8 { return grey(img.At(x, y)) }
}

// grey returns the luma of c as image/color.GrayModel does.
func grey(c color.Color) uint8 { return lumaOf(c.RGBA()) }

// lumaOf returns the 8-bit ITU-R 601 luma of 16-bit premultiplied r, g,
// b, with the rounding of image/color.GrayModel.
func lumaOf(r, g, b, _ uint32) uint8 {
	return uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 24)
}

// areaTap is the weight of one source pixel in one output pixel.
type areaTap struct {
	src    int
	weight float32
}

// areaTaps returns, for each of dstN output pixels along one axis of
// srcN source pixels, the source pixels it covers and the fraction of
// its area each covers (summing to 1).
func areaTaps(srcN, dstN int) [][]areaTap {
	taps := make([][]areaTap, dstN)
	scale := float64(srcN) / float64(dstN)
	for i := range taps {
		start, end := float64(i)*scale, float64(i+1)*scale
		for s := int(start); s < srcN && float64(s) < end; s++ {
			overlap := min(end, float64(s+1)) - max(start, float64(s))
			if overlap > 0 {
				taps[i] = append(taps[i], areaTap{src: s, weight: float32(overlap / scale)})
			}
		}
	}
	return taps
}

// resizeArea resamples the w×h row-major plane src to side×side by area
// averaging (see resizePlanes).
func resizeArea(src []uint8, w, h, side int) []uint8 { return resizePlanes(src, w, h, 1, side, side) }
