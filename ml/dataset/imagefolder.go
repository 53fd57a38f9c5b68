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
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultImageSide is the side of the square images LoadImageFolder makes
// when it is given side 0: that of MNIST.
const DefaultImageSide = 28

// Limits of LoadImageFolder.
const (
	maxImageSide      = 1024    // largest side of the images made
	maxImageFileBytes = 1 << 28 // larger files are skipped
	maxImagePixels    = 1 << 26 // larger images (in source pixels) are skipped
	maxListedWarnings = 50      // skipped files named one by one in Warnings
)

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
	parts, classes, err := listImageFolder(dir)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, p := range parts {
		total += len(p.files)
	}
	if total == 0 {
		return nil, fmt.Errorf("the class sub-folders of %s hold no files: %s", dir, imageFolderLayout(dir))
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	ds := &Dataset{Name: filepath.Base(abs), Source: dir, Classes: classes, Width: side, Height: side, Dim: side * side}
	var skipped []string
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
	ds.Warnings = imageFolderWarnings(ds, skipped, total)
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

// imageFile is one file of an image folder: its path relative to the
// folder and its class.
type imageFile struct {
	path  string
	class int
}

// imagePart is the list of files of one part of an image folder.
type imagePart struct {
	files []imageFile
}

// listImageFolder finds the parts, their files and the class names of the
// image folder dir.
func listImageFolder(dir string) (parts []imagePart, classes []string, err error) {
	subdirs, hasFiles, err := listDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot list the image folder: %w", err)
	}
	if len(subdirs) == 0 {
		what := "is empty"
		if hasFiles {
			what = "holds files but no class sub-folders"
		}
		return nil, nil, fmt.Errorf("%s %s: %s", dir, what, imageFolderLayout(dir))
	}
	roots := []string{""}
	if train, test := splitFolders(subdirs); train != "" {
		roots = []string{train, test}
	}
	classDirs := make([][]string, len(roots))
	for i, root := range roots {
		if root == "" {
			classDirs[i] = subdirs
			continue
		}
		classDirs[i], _, err = listDir(filepath.Join(dir, root))
		if err != nil {
			return nil, nil, fmt.Errorf("cannot list the image folder: %w", err)
		}
		classes = append(classes, classDirs[i]...)
	}
	if len(roots) == 1 {
		classes = subdirs
	} else {
		slices.Sort(classes)
		classes = slices.Compact(classes)
	}
	for i, root := range roots {
		var p imagePart
		for _, c := range classDirs[i] {
			class, _ := slices.BinarySearch(classes, c)
			files, err := listFiles(filepath.Join(dir, root, c))
			if err != nil {
				return nil, nil, fmt.Errorf("cannot list the image folder: %w", err)
			}
			for _, f := range files {
				p.files = append(p.files, imageFile{path: filepath.Join(root, c, f), class: class})
			}
		}
		parts = append(parts, p)
	}
	return parts, classes, nil
}

// splitFolders returns the names of the train and test folders when
// subdirs are those two (without case), else empty strings.
func splitFolders(subdirs []string) (train, test string) {
	if len(subdirs) != 2 {
		return "", ""
	}
	for _, s := range subdirs {
		switch strings.ToLower(s) {
		case "train":
			train = s
		case "test":
			test = s
		}
	}
	if train == "" || test == "" {
		return "", ""
	}
	return train, test
}

// isHidden reports whether a file name is hidden or system clutter.
func isHidden(name string) bool {
	return strings.HasPrefix(name, ".") || strings.EqualFold(name, "Thumbs.db") || strings.EqualFold(name, "desktop.ini")
}

// listDir returns the sorted names of the visible sub-folders of dir
// (following symbolic links) and whether it holds visible files.
func listDir(dir string) (subdirs []string, hasFiles bool, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, false, err
	}
	for _, e := range entries {
		if isHidden(e.Name()) {
			continue
		}
		if isDir(dir, e) {
			subdirs = append(subdirs, e.Name())
		} else {
			hasFiles = true
		}
	}
	slices.Sort(subdirs)
	return subdirs, hasFiles, nil
}

// listFiles returns the sorted names of the visible files of dir that are
// not folders.
func listFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if !isHidden(e.Name()) && !isDir(dir, e) {
			files = append(files, e.Name())
		}
	}
	slices.Sort(files)
	return files, nil
}

// isDir reports whether the entry e of dir is a folder or a link to one.
func isDir(dir string, e os.DirEntry) bool {
	if e.Type()&os.ModeSymlink != 0 {
		st, err := os.Stat(filepath.Join(dir, e.Name()))
		return err == nil && st.IsDir()
	}
	return e.IsDir()
}

// readImageFile decodes the image file at path and returns it as side×side
// greyscale pixels. Errors say why the file cannot be used.
func readImageFile(path string, side int) ([]uint8, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", pathErrCause(err))
	}
	if st.Size() > maxImageFileBytes {
		return nil, fmt.Errorf("file of %d bytes is too large for an image", st.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", pathErrCause(err))
	}
	return decodeImage(data, side)
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
