package dataset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // register the GIF decoder
	_ "image/jpeg" // register the JPEG decoder
	_ "image/png"  // register the PNG decoder
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// DefaultImageSide is the side of the square images LoadImageFolder makes
// when it is given side 0: that of MNIST.
const DefaultImageSide = 28

// imageFolderLayout describes the layout LoadImageFolder expects in dir.
func imageFolderLayout(dir string) string {
	return fmt.Sprintf("expected one sub-folder per class holding its images (PNG, JPEG or GIF), e.g. %s and %s, or train and test sub-folders laid out that way",
		filepath.Join(dir, "Coat", "001.png"), filepath.Join(dir, "Dress", "001.png"))
}

// LoadImageFolder reads a folder of labelled images laid out as one
// sub-folder per class, the class names being the sub-folder names in
// sorted order. When the only sub-folders are "train" and "test" (without
// case), each is read that way, into the training and the test part, with
// the union of their class names. PNG, JPEG and GIF files (the first frame)
// are converted to greyscale by ITU-R 601 luma, as image/color.GrayModel
// does (transparent pixels count as black), and resized, stretched if not
// square, to side×side pixels by area averaging; side 0 means
// DefaultImageSide. Hidden files and folders (names starting with ".") are
// ignored; files that are not readable images are skipped and named in
// Warnings with a count. onProgress, if not nil, is called with the number
// of files done and the total after each file. Reading stops with ctx's
// error when ctx is cancelled.
func LoadImageFolder(ctx context.Context, dir string, side int, onProgress func(done, total int)) (*Dataset, error) {
	if side == 0 {
		side = DefaultImageSide
	}
	if side < 0 || side > maxImageSide {
		return nil, fmt.Errorf("image side %d is outside 1..%d", side, maxImageSide)
	}
	parts, classes, skipped, err := listImageFolder(dir)
	if err != nil {
		return nil, err
	}
	total, listSkipped := 0, len(skipped)
	for _, p := range parts {
		total += len(p.files)
	}
	if total == 0 {
		first := ""
		if len(skipped) > 0 {
			first = " (" + skipped[0] + ")"
		}
		return nil, fmt.Errorf("the class sub-folders of %s hold no files%s: %s", dir, first, imageFolderLayout(dir))
	}
	if total > MaxItems || int64(total)*int64(side*side) > MaxDataBytes {
		return nil, fmt.Errorf("%s holds %d image files, which at %d×%d pixels is more than the limits of %d images (dataset.MaxItems) and %s of pixels (dataset.MaxDataBytes) this program reads: choose a smaller side or a folder with fewer images",
			dir, total, side, side, MaxItems, humanBytes(MaxDataBytes))
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	ds := &Dataset{Name: filepath.Base(abs), Source: dir, Classes: classes, Width: side, Height: side, Dim: side * side}
	done := 0
	for i, p := range parts {
		part := &ds.Train
		if i == 1 {
			part = &ds.Test
		}
		part.Dim = ds.Dim
		part.Pixels = make([]uint8, 0, len(p.files)*ds.Dim)
		for _, f := range p.files {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			pix, err := readImageFile(filepath.Join(dir, f.path), side)
			if err != nil {
				skipped = append(skipped, filepath.ToSlash(f.path)+": "+err.Error())
			} else {
				part.Pixels = append(part.Pixels, pix...)
				part.Labels = append(part.Labels, f.class)
				part.N++
			}
			done++
			if onProgress != nil {
				onProgress(done, total)
			}
		}
	}
	if ds.Train.N == 0 {
		first := ""
		if len(skipped) > 0 {
			first = " (first problem: " + skipped[0] + ")"
		}
		if ds.Test.N > 0 {
			return nil, fmt.Errorf("the train sub-folder of %s holds no readable PNG, JPEG or GIF image%s", dir, first)
		}
		return nil, fmt.Errorf("none of the %d files under %s is a readable PNG, JPEG or GIF image%s: %s", total, dir, first, imageFolderLayout(dir))
	}
	if ds.Test.N == 0 {
		ds.Test = Part{}
	}
	ds.Warnings = imageFolderWarnings(ds, skipped, total+listSkipped)
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return ds, nil
}

// imageFolderWarnings lists the skipped files (the first ones), their
// count, and the classes left without images.
func imageFolderWarnings(ds *Dataset, skipped []string, total int) []string {
	var w []string
	for i, s := range skipped {
		if i == maxListedWarnings {
			w = append(w, fmt.Sprintf("... and %d more", len(skipped)-i))
			break
		}
		w = append(w, s)
	}
	if len(skipped) > 0 {
		w = append(w, fmt.Sprintf("%d of %d images skipped", len(skipped), total))
	}
	counts := ds.ClassCounts(&ds.Train)
	for c, n := range counts {
		if n == 0 {
			w = append(w, fmt.Sprintf("class %q has no readable training images", ds.Classes[c]))
		}
	}
	return w
}

// readImageFile decodes the image file at path and returns it as side×side
// greyscale pixels. Errors say why the file cannot be used. Only a regular
// file is read (it is opened without blocking, so a FIFO put in its place
// since it was listed is refused too), and at most maxImageFileBytes of it,
// counted as they are read.
func readImageFile(path string, side int) ([]uint8, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", pathErrCause(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", pathErrCause(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s, not a regular file", fileKind(st.Mode()))
	}
	tooLarge := fmt.Errorf("file of more than %s is too large for an image (the limit, maxImageFileBytes)", humanBytes(maxImageFileBytes))
	if st.Size() > maxImageFileBytes {
		return nil, tooLarge
	}
	var buf bytes.Buffer
	buf.Grow(int(st.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, maxImageFileBytes+1)); err != nil {
		return nil, fmt.Errorf("cannot read: %w", pathErrCause(err))
	}
	if buf.Len() > maxImageFileBytes { // the file grew since Stat
		return nil, tooLarge
	}
	return decodeImage(buf.Bytes(), side)
}

// pathErrCause returns the cause of a *fs.PathError, without the path,
// or err itself.
func pathErrCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// decodeImage decodes a PNG, JPEG or GIF image and returns it as side×side
// greyscale pixels.
func decodeImage(data []byte, side int) (pix []uint8, err error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if errors.Is(err, image.ErrFormat) {
		return nil, errors.New("not a PNG, JPEG or GIF image")
	}
	if err != nil {
		return nil, fmt.Errorf("corrupt %s image: %v", sniffImageFormat(data), err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxImagePixels/cfg.Height {
		return nil, fmt.Errorf("%s image of %d×%d pixels is empty or too large", strings.ToUpper(format), cfg.Width, cfg.Height)
	}
	defer func() {
		if r := recover(); r != nil {
			pix, err = nil, fmt.Errorf("corrupt %s image: the decoder failed: %v", strings.ToUpper(format), r)
		}
	}()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt %s image: %v", strings.ToUpper(format), err)
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%s image is empty", strings.ToUpper(format))
	}
	return resizeArea(luma(img), w, h, side), nil
}

// sniffImageFormat names the image format data starts like.
func sniffImageFormat(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG")):
		return "PNG"
	case bytes.HasPrefix(data, []byte("\xff\xd8")):
		return "JPEG"
	case bytes.HasPrefix(data, []byte("GIF8")):
		return "GIF"
	}
	return "PNG, JPEG or GIF"
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
// averaging: each output pixel is the mean of the source area it covers,
// partly covered source pixels weighing by the fraction covered, rounded to
// the nearest integer.
func resizeArea(src []uint8, w, h, side int) []uint8 {
	if w == side && h == side {
		return src
	}
	xTaps, yTaps := areaTaps(w, side), areaTaps(h, side)
	tmp := make([]float32, h*side) // resized along x only
	for y := 0; y < h; y++ {
		row := src[y*w : (y+1)*w]
		for x, taps := range xTaps {
			var v float32
			for _, t := range taps {
				v += float32(row[t.src]) * t.weight
			}
			tmp[y*side+x] = v
		}
	}
	out := make([]uint8, side*side)
	for y, taps := range yTaps {
		for x := 0; x < side; x++ {
			var v float32
			for _, t := range taps {
				v += tmp[t.src*side+x] * t.weight
			}
			out[y*side+x] = uint8(min(255, max(0, v+0.5)))
		}
	}
	return out
}
