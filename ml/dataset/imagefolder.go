package dataset

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
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

// DefaultMaxSide is the largest side LoadImages keeps when it is given
// side 0: images of one size up to 96×96 keep their size (CIFAR's 32×32,
// STL-10's 96×96), larger ones are shrunk to it, which keeps a data set of
// 60,000 RGB images under 1.7 GB and the networks' work per image under
// 12 times that of 28×28.
const DefaultMaxSide = 96

// ImageOptions choose how LoadImages makes one data set of a folder's
// images.
type ImageOptions struct {
	// Side bounds the side of the images made (0: DefaultMaxSide); with
	// FitStretch it is their exact side.
	Side int `json:"side,omitempty"`
	// Fit brings images of different sizes to a common square.
	Fit Fit `json:"fit,omitempty"`
	// Grey converts every image to greyscale by ITU-R 601 luma; otherwise
	// colour is kept whenever an image has any.
	Grey bool `json:"grey,omitempty"`
}

// LoadImageFolder reads a folder of labelled images as LoadImages does,
// converted to greyscale and stretched to side×side pixels (side 0 means
// DefaultImageSide): ImageOptions{Side: side, Fit: FitStretch, Grey: true}.
func LoadImageFolder(ctx context.Context, dir string, side int, onProgress func(done, total int)) (*Dataset, error) {
	if side == 0 {
		side = DefaultImageSide
	}
	return LoadImages(ctx, dir, ImageOptions{Side: side, Fit: FitStretch, Grey: true}, onProgress)
}

// LoadImages reads a folder of labelled images laid out as one sub-folder
// per class, the class names being the sub-folder names in sorted order.
// When the only sub-folders are "train" and "test" (without case), each is
// read that way, into the training and the test part, with the union of
// their class names. PNG, JPEG and GIF files (the first frame) are read
// composited on black (transparent pixels count as black).
//
// Size: with FitStretch every image is resized, stretched if not square,
// to Side×Side. Otherwise the sizes of all images are read first: images
// of one size keep it when neither side passes the limit (Side, or
// DefaultMaxSide), and are shrunk, keeping their aspect, so that the
// longer side is the limit when one does; images of different sizes are
// brought to a square of the largest side met (at most the limit),
// letterboxed or centre-cropped (opts.Fit). Resizing averages areas.
//
// Colour: with opts.Grey every image is converted to greyscale by ITU-R
// 601 luma, as image/color.GrayModel does, and the data set has one
// channel; otherwise it has three (RGB, interleaved; see Dataset) unless
// every pixel of every image is grey, when it has one.
//
// Hidden files and folders (names starting with ".") are ignored; files
// that are not readable images are skipped and named in Warnings with a
// count. onProgress, if not nil, is called after each step with the steps
// done and their total: one step per file, two when the sizes are read
// first. Reading stops with ctx's error when ctx is cancelled.
func LoadImages(ctx context.Context, dir string, opts ImageOptions, onProgress func(done, total int)) (*Dataset, error) {
	limit := opts.Side
	if limit == 0 {
		limit = DefaultMaxSide
	}
	if limit < 0 || limit > MaxImageSide {
		return nil, fmt.Errorf("image side %d is outside 1..%d", opts.Side, MaxImageSide)
	}
	if opts.Fit < FitLetterbox || opts.Fit > FitStretch {
		return nil, fmt.Errorf("unknown image fit %d", opts.Fit)
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
	prog := stepProgress{onProgress: onProgress, total: total}
	g := geometry{limit, limit, opts.Fit}
	if opts.Fit != FitStretch {
		prog.total = 2 * total
		var sizes []image.Point
		parts, sizes, err = readImageSizes(ctx, dir, parts, &skipped, &prog)
		if err != nil {
			return nil, err
		}
		if len(sizes) > 0 {
			g = folderGeometry(sizes, limit, opts.Fit)
		}
	}
	channels := 3
	if opts.Grey {
		channels = 1
	}
	if total > MaxItems || int64(total)*int64(g.w*g.h*channels) > MaxDataBytes {
		return nil, fmt.Errorf("%s holds %d image files, which at %d×%d pixels of %d bytes is more than the limits of %d images (dataset.MaxItems) and %s of pixels (dataset.MaxDataBytes) this program reads: choose a smaller side or a folder with fewer images",
			dir, total, g.w, g.h, channels, MaxItems, humanBytes(MaxDataBytes))
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	ds := &Dataset{Name: filepath.Base(abs), Source: dir, Classes: classes, Width: g.w, Height: g.h, Channels: channels, Dim: g.w * g.h * channels}
	grey := true
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
			pix, isGrey, err := readImageFile(filepath.Join(dir, f.path), g, opts.Grey)
			if err != nil {
				skipped = append(skipped, filepath.ToSlash(f.path)+": "+err.Error())
			} else {
				grey = grey && isGrey
				part.Pixels = append(part.Pixels, pix...)
				part.Labels = append(part.Labels, f.class)
				part.N++
			}
			prog.step()
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
	if channels == 3 && grey {
		ds.Channels, ds.Dim = 1, g.w*g.h
		for _, p := range []*Part{&ds.Train, &ds.Test} {
			if p.N > 0 {
				p.Pixels, p.Dim = toGrey(p.Pixels), ds.Dim
			}
		}
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

// stepProgress reports the steps of LoadImages.
type stepProgress struct {
	onProgress  func(done, total int)
	done, total int
}

func (p *stepProgress) step() {
	p.done++
	if p.onProgress != nil {
		p.onProgress(p.done, p.total)
	}
}

// readImageSizes returns the sizes of the images of parts that tell
// theirs (from their headers) and parts without the others, which it adds
// to skipped (counting the step of reading them too).
func readImageSizes(ctx context.Context, dir string, parts []imagePart, skipped *[]string, prog *stepProgress) ([]imagePart, []image.Point, error) {
	var sizes []image.Point
	kept := make([]imagePart, len(parts))
	for i, p := range parts {
		for _, f := range p.files {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			if size, err := readImageSize(filepath.Join(dir, f.path)); err != nil {
				*skipped = append(*skipped, filepath.ToSlash(f.path)+": "+err.Error())
				prog.step()
			} else {
				sizes = append(sizes, size)
				kept[i].files = append(kept[i].files, f)
			}
			prog.step()
		}
	}
	return kept, sizes, nil
}

// readImageFile decodes the image file at path and returns it brought to
// g (see fitImage): greyscale pixels when grey is set, else RGB, with
// whether every pixel is grey. Errors say why the file cannot be used.
func readImageFile(path string, g geometry, grey bool) ([]uint8, bool, error) {
	data, err := readImageBytes(path)
	if err != nil {
		return nil, false, err
	}
	img, err := decodeImageData(data)
	if err != nil {
		return nil, false, err
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if grey {
		return fitImage(luma(img), w, h, 1, g), true, nil
	}
	pix, isGrey := rgb(img)
	return fitImage(pix, w, h, 3, g), isGrey, nil
}

// openImageFile opens the file at path if it is a regular file of at
// most maxImageFileBytes (it is opened without blocking, so a FIFO put
// in its place since it was listed is refused too).
func openImageFile(path string) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read: %w", pathErrCause(err))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("cannot read: %w", pathErrCause(err))
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s, not a regular file", fileKind(st.Mode()))
	}
	if st.Size() > maxImageFileBytes {
		f.Close()
		return nil, nil, errImageTooLarge
	}
	return f, st, nil
}

var errImageTooLarge = fmt.Errorf("file of more than %s is too large for an image (the limit, maxImageFileBytes)", humanBytes(maxImageFileBytes))

// readImageBytes reads the image file at path: only a regular file, and
// at most maxImageFileBytes of it, counted as they are read.
func readImageBytes(path string) ([]byte, error) {
	f, st, err := openImageFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	buf.Grow(int(st.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, maxImageFileBytes+1)); err != nil {
		return nil, fmt.Errorf("cannot read: %w", pathErrCause(err))
	}
	if buf.Len() > maxImageFileBytes { // the file grew since Stat
		return nil, errImageTooLarge
	}
	return buf.Bytes(), nil
}

// readImageSize returns the size an image file's header gives, checked
// as decodeImageData checks it.
func readImageSize(path string) (image.Point, error) {
	f, _, err := openImageFile(path)
	if err != nil {
		return image.Point{}, err
	}
	defer f.Close()
	br := bufio.NewReader(io.LimitReader(f, maxImageFileBytes))
	head, _ := br.Peek(8)
	head = bytes.Clone(head)
	cfg, format, err := image.DecodeConfig(br)
	if err := configError(cfg, format, head, err); err != nil {
		return image.Point{}, err
	}
	return image.Pt(cfg.Width, cfg.Height), nil
}

// configError returns why an image whose header gave cfg (or err) cannot
// be used, or nil. head is the start of the file, to name its format.
func configError(cfg image.Config, format string, head []byte, err error) error {
	if errors.Is(err, image.ErrFormat) {
		return errors.New("not a PNG, JPEG or GIF image")
	}
	if err != nil {
		return fmt.Errorf("corrupt %s image: %v", sniffImageFormat(head), err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxImagePixels/cfg.Height {
		return fmt.Errorf("%s image of %d×%d pixels is empty or too large", strings.ToUpper(format), cfg.Width, cfg.Height)
	}
	return nil
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
func decodeImage(data []byte, side int) ([]uint8, error) {
	img, err := decodeImageData(data)
	if err != nil {
		return nil, err
	}
	return resizeArea(luma(img), img.Bounds().Dx(), img.Bounds().Dy(), side), nil
}

// decodeImageData decodes a PNG, JPEG or GIF image, after checking its
// header: at most maxImagePixels.
func decodeImageData(data []byte) (img image.Image, err error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err := configError(cfg, format, data, err); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("corrupt %s image: the decoder failed: %v", strings.ToUpper(format), r)
		}
	}()
	img, _, err = image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt %s image: %v", strings.ToUpper(format), err)
	}
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%s image is empty", strings.ToUpper(format))
	}
	return img, nil
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
