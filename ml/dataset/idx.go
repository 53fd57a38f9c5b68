package dataset

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// IDX magic numbers: two zero bytes, the element type (0x08: unsigned
// byte) and the number of dimensions.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
)

// ReadIDXImages reads an IDX file of unsigned-byte images (magic 0x00000803),
// gzip-compressed or not: the compression is recognised by its magic bytes
// 1f 8b. It returns the number of images n, their size rows×cols, and the
// pixels, n*rows*cols bytes stored image after image, each row-major.
// Bytes after the last image are ignored.
//
// The header is checked before anything is allocated for the data: each
// side must be 1..16384, the count at most MaxItems and the pixels at most
// MaxDataBytes; the data are then read in chunks as they arrive, so a
// header that claims more than the file holds costs only the memory of
// what is there.
func ReadIDXImages(r io.Reader) (n, rows, cols int, pix []uint8, err error) {
	in, err := openMaybeGzip(r)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	h, err := readIDXImagesHeader(in)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	if pix, err = h.readPixels(in); err != nil {
		return 0, 0, 0, nil, err
	}
	if err := finishIDX(in); err != nil {
		return 0, 0, 0, nil, err
	}
	return h.n, h.rows, h.cols, pix, nil
}

// idxImagesHeader is what the header of an IDX images file claims.
type idxImagesHeader struct {
	n, rows, cols int
}

// bytes returns the size of the pixels the header claims.
func (h idxImagesHeader) bytes() int64 { return int64(h.n) * int64(h.rows) * int64(h.cols) }

// readIDXImagesHeader reads the header of an IDX images file from the
// decompressed in and checks its sizes against the limits.
func readIDXImagesHeader(in io.Reader) (idxImagesHeader, error) {
	var hdr [16]byte
	if err := readIDXHeader(in, hdr[:], idxImagesMagic, "image"); err != nil {
		return idxImagesHeader{}, err
	}
	n64 := int64(binary.BigEndian.Uint32(hdr[4:]))
	rows64 := int64(binary.BigEndian.Uint32(hdr[8:]))
	cols64 := int64(binary.BigEndian.Uint32(hdr[12:]))
	if rows64 == 0 || cols64 == 0 || rows64 > maxIDXImageSide || cols64 > maxIDXImageSide {
		return idxImagesHeader{}, fmt.Errorf("IDX image file header gives images of %d×%d pixels: each side must be 1..%d", rows64, cols64, maxIDXImageSide)
	}
	if n64 > MaxItems {
		return idxImagesHeader{}, fmt.Errorf("IDX image file header claims %d images, more than the limit of %d items (dataset.MaxItems) this program reads: the header is probably corrupt", n64, MaxItems)
	}
	if size := n64 * rows64 * cols64; size > MaxDataBytes {
		return idxImagesHeader{}, fmt.Errorf("IDX image file header claims %d images of %d×%d pixels (%s), more than the limit of %s (dataset.MaxDataBytes) this program reads: the header is probably corrupt",
			n64, rows64, cols64, humanBytes(size), humanBytes(MaxDataBytes))
	}
	return idxImagesHeader{n: int(n64), rows: int(rows64), cols: int(cols64)}, nil
}

// readPixels reads the pixels h claims from in.
func (h idxImagesHeader) readPixels(in io.Reader) ([]uint8, error) {
	pix, err := readIDXData(in, h.bytes())
	if err != nil {
		if isTruncation(err) {
			return nil, fmt.Errorf("truncated IDX image file: the header claims %d images of %d×%d pixels (%d bytes of pixels) but the data ends after %d bytes (%d complete images); download the file again",
				h.n, h.rows, h.cols, h.bytes(), len(pix), len(pix)/(h.rows*h.cols))
		}
		return nil, err
	}
	return pix, nil
}

// ReadIDXLabels reads an IDX file of unsigned-byte labels (magic
// 0x00000801), gzip-compressed or not, and returns one label per item.
// Bytes after the last label are ignored. A header claiming more than
// MaxItems labels is refused before anything is read.
func ReadIDXLabels(r io.Reader) ([]uint8, error) {
	in, err := openMaybeGzip(r)
	if err != nil {
		return nil, err
	}
	n, err := readIDXLabelsHeader(in)
	if err != nil {
		return nil, err
	}
	labels, err := readIDXLabelData(in, n)
	if err != nil {
		return nil, err
	}
	if err := finishIDX(in); err != nil {
		return nil, err
	}
	return labels, nil
}

// readIDXLabelsHeader reads the header of an IDX labels file from the
// decompressed in and returns the number of labels it claims.
func readIDXLabelsHeader(in io.Reader) (int, error) {
	var hdr [8]byte
	if err := readIDXHeader(in, hdr[:], idxLabelsMagic, "label"); err != nil {
		return 0, err
	}
	n := int64(binary.BigEndian.Uint32(hdr[4:]))
	if n > MaxItems {
		return 0, fmt.Errorf("IDX label file header claims %d labels, more than the limit of %d items (dataset.MaxItems) this program reads: the header is probably corrupt", n, MaxItems)
	}
	return int(n), nil
}

// readIDXLabelData reads the n labels of an IDX labels file from in.
func readIDXLabelData(in io.Reader, n int) ([]uint8, error) {
	labels, err := readIDXData(in, int64(n))
	if err != nil {
		if isTruncation(err) {
			return nil, fmt.Errorf("truncated IDX label file: the header claims %d labels but the data ends after %d; download the file again", n, len(labels))
		}
		return nil, err
	}
	return labels, nil
}

// idxCapacity returns the most data bytes a file of size bytes (0:
// unknown, -1 is returned) can hold after its header of hdr bytes when it
// is read as in: a plain file holds size−hdr, a gzip file at most
// gzipMaxRatio·size.
func idxCapacity(in io.Reader, size, hdr int64) (most int64, gz bool) {
	if size <= 0 {
		return -1, false
	}
	if _, gz := in.(gzipReader); gz {
		return size * gzipMaxRatio, true
	}
	return max(size-hdr, 0), false
}

// checkIDXCapacity returns an error when a file of size bytes (0:
// unknown), read as in, cannot hold the claim bytes of data that its
// header (of hdr bytes, in a file of kind "image" or "label") claims for
// what; item is the size of one item, to count the complete ones.
func checkIDXCapacity(in io.Reader, size, hdr, claim, item int64, kind, what string) error {
	most, gz := idxCapacity(in, size, hdr)
	switch {
	case most < 0 || claim <= most:
		return nil
	case gz:
		return fmt.Errorf("the header claims %s (%d bytes), but a gzip file of %d bytes holds at most %d bytes (deflate expands at most %d times): the header is wrong or the file is cut short; download the file again",
			what, claim, size, most, gzipMaxRatio)
	case kind == "image":
		return fmt.Errorf("truncated IDX image file: the header claims %s (%d bytes of pixels) but the data ends after %d bytes (%d complete images); download the file again",
			what, claim, most, most/item)
	}
	return fmt.Errorf("truncated IDX label file: the header claims %s but the data ends after %d; download the file again", what, most)
}

// readIDXHeader fills hdr from in and checks that it starts with the magic
// number want; kind ("image" or "label") names the expected file in errors.
func readIDXHeader(in io.Reader, hdr []byte, want uint32, kind string) error {
	m, err := io.ReadFull(in, hdr)
	if err != nil {
		if !isTruncation(err) {
			return err
		}
		if m == 0 {
			return fmt.Errorf("empty file: expected an IDX %s file", kind)
		}
		if m < 4 || binary.BigEndian.Uint32(hdr) == want {
			return fmt.Errorf("truncated IDX %s file: the header needs %d bytes but only %d are there", kind, len(hdr), m)
		}
	}
	if got := binary.BigEndian.Uint32(hdr); got != want {
		return badMagic(got, want, kind)
	}
	return nil
}

// badMagic describes an IDX magic number got that is not want.
func badMagic(got, want uint32, kind string) error {
	other := map[uint32]string{idxImagesMagic: "an IDX image file", idxLabelsMagic: "an IDX label file"}
	found := fmt.Sprintf("magic number 0x%08x", got)
	if what, ok := other[got]; ok {
		found += ", which marks " + what
	} else if got>>16 == 0 {
		typ := map[uint32]string{0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32", 0x0E: "float64"}[got>>8&0xff]
		if typ != "" {
			found += fmt.Sprintf(", which marks IDX %s data with %d dimensions", typ, got&0xff)
		}
	}
	return fmt.Errorf("not an IDX %s file: found %s, expected 0x%08x (unsigned bytes, %d dimensions)", kind, found, want, want&0xff)
}

// readIDXData reads size bytes from in, growing the buffer as data
// arrives. On error it returns the bytes read so far.
func readIDXData(in io.Reader, size int64) ([]byte, error) {
	buf := make([]byte, 0, min(size, idxReadChunk))
	for int64(len(buf)) < size {
		want := int(min(size-int64(len(buf)), idxReadChunk))
		if cap(buf)-len(buf) < want {
			grown := make([]byte, len(buf), min(size, max(2*int64(cap(buf)), int64(len(buf)+want))))
			copy(grown, buf)
			buf = grown
		}
		m, err := io.ReadFull(in, buf[len(buf):len(buf)+want])
		buf = buf[:len(buf)+m]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// isTruncation reports whether err means the input ended early.
func isTruncation(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// gzipReader reports errors of the compressed stream as corrupt data.
type gzipReader struct {
	z *gzip.Reader
}

// errCorruptGzip wraps errors of the gzip stream.
var errCorruptGzip = errors.New("corrupt gzip data")

func (g gzipReader) Read(p []byte) (int, error) {
	n, err := g.z.Read(p)
	var corrupt flate.CorruptInputError
	switch {
	case err == nil || err == io.EOF:
	case errors.Is(err, io.ErrUnexpectedEOF):
		// The compressed stream ends early: the file is truncated.
		err = fmt.Errorf("%w: the compressed stream ends early (is the download complete?): %w", errCorruptGzip, err)
	case errors.As(err, &corrupt), errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		err = fmt.Errorf("%w: %w", errCorruptGzip, err)
	}
	return n, err
}

// openMaybeGzip returns a reader of the content of r, decompressed when r
// starts with the gzip magic bytes 1f 8b.
func openMaybeGzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(2)
	if err != nil && !isTruncation(err) {
		return nil, err
	}
	if len(head) < 2 || head[0] != 0x1f || head[1] != 0x8b {
		return br, nil
	}
	z, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot read the gzip header: %v", errCorruptGzip, err)
	}
	return gzipReader{z}, nil
}

// finishIDX reads the rest of a gzip stream so that its checksum is
// verified; plain input is left as it is.
func finishIDX(in io.Reader) error {
	if _, ok := in.(gzipReader); !ok {
		return nil
	}
	_, err := io.Copy(io.Discard, in)
	return err
}

// idxSource holds the readers of one part of an IDX data set: an images
// file and its labels file. The names appear in error messages; the sizes
// (0: unknown) are those of the files, to refute a header claiming more
// than they can hold.
type idxSource struct {
	images, labels         io.Reader
	imagesName, labelsName string
	imagesSize, labelsSize int64
}

// idxPart is one decoded pair of IDX files.
type idxPart struct {
	n, rows, cols int
	pix           []uint8
	labels        []uint8
}

// readIDXPart reads and checks one pair of IDX files. Both headers are
// read first: the counts must agree, and each file must be able to hold
// what its header claims, before any pixel is read.
// used is the size of the pixels of the parts read before, which count
// towards MaxDataBytes.
func readIDXPart(src idxSource, used int64) (idxPart, error) {
	imgIn, err := openMaybeGzip(src.images)
	if err != nil {
		return idxPart{}, fmt.Errorf("%s: %w", src.imagesName, err)
	}
	h, err := readIDXImagesHeader(imgIn)
	if err != nil {
		return idxPart{}, fmt.Errorf("%s: %w", src.imagesName, err)
	}
	lblIn, err := openMaybeGzip(src.labels)
	if err != nil {
		return idxPart{}, fmt.Errorf("%s: %w", src.labelsName, err)
	}
	nLabels, err := readIDXLabelsHeader(lblIn)
	if err != nil {
		return idxPart{}, fmt.Errorf("%s: %w", src.labelsName, err)
	}
	if nLabels != h.n {
		return idxPart{}, fmt.Errorf("%s holds %d images but %s holds %d labels (as their headers say): use an images file and a labels file of the same release",
			src.imagesName, h.n, src.labelsName, nLabels)
	}
	if h.n == 0 {
		return idxPart{}, fmt.Errorf("%s holds no images", src.imagesName)
	}
	what := fmt.Sprintf("%d images of %d×%d pixels", h.n, h.rows, h.cols)
	if used+h.bytes() > MaxDataBytes {
		return idxPart{}, fmt.Errorf("%s: the header claims %s (%s), which with the %s of the other part is more than the limit of %s (dataset.MaxDataBytes) this program reads",
			src.imagesName, what, humanBytes(h.bytes()), humanBytes(used), humanBytes(MaxDataBytes))
	}
	if err := checkIDXCapacity(imgIn, src.imagesSize, 16, h.bytes(), int64(h.rows*h.cols), "image", what); err != nil {
		return idxPart{}, fmt.Errorf("%s: %w", src.imagesName, err)
	}
	if err := checkIDXCapacity(lblIn, src.labelsSize, 8, int64(h.n), 1, "label", fmt.Sprintf("%d labels", h.n)); err != nil {
		return idxPart{}, fmt.Errorf("%s: %w", src.labelsName, err)
	}
	pix, err := h.readPixels(imgIn)
	if err == nil {
		err = finishIDX(imgIn)
	}
	if err != nil {
		return idxPart{}, fmt.Errorf("%s: %w", src.imagesName, err)
	}
	labels, err := readIDXLabelData(lblIn, h.n)
	if err == nil {
		err = finishIDX(lblIn)
	}
	if err != nil {
		return idxPart{}, fmt.Errorf("%s: %w", src.labelsName, err)
	}
	return idxPart{n: h.n, rows: h.rows, cols: h.cols, pix: pix, labels: labels}, nil
}

// toPart converts p to a Part with int labels.
func (p idxPart) toPart() Part {
	labels := make([]int, p.n)
	for i, l := range p.labels {
		labels[i] = int(l)
	}
	return Part{N: p.n, Dim: p.rows * p.cols, Pixels: p.pix, Labels: labels}
}

// maxLabel returns the largest label of p.
func (p idxPart) maxLabel() int {
	m := 0
	for _, l := range p.labels {
		m = max(m, int(l))
	}
	return m
}

// readIDXDataset reads a training pair and an optional test pair (test.images
// nil) into a Dataset whose class names and name are left for the caller.
// It returns the Dataset and the largest label.
func readIDXDataset(train, test idxSource) (*Dataset, int, error) {
	tr, err := readIDXPart(train, 0)
	if err != nil {
		return nil, 0, err
	}
	ds := &Dataset{Width: tr.cols, Height: tr.rows, Dim: tr.rows * tr.cols, Train: tr.toPart()}
	maxLabel := tr.maxLabel()
	if test.images != nil {
		te, err := readIDXPart(test, int64(len(tr.pix)))
		if err != nil {
			return nil, 0, err
		}
		if te.rows != tr.rows || te.cols != tr.cols {
			return nil, 0, fmt.Errorf("%s holds images of %d×%d pixels but %s holds %d×%d: training and test images must have the same size",
				train.imagesName, tr.cols, tr.rows, test.imagesName, te.cols, te.rows)
		}
		ds.Test = te.toPart()
		maxLabel = max(maxLabel, te.maxLabel())
	}
	return ds, maxLabel, nil
}

// LoadIDX reads an IDX data set from readers: a training images file and its
// labels, and optionally (both non-nil) a test images file and its labels;
// each may be gzip-compressed. When the source has only test files (MNIST's
// t10k), pass them as the training pair: a validation split is then made
// from them. The number of classes is the largest label plus one, and the
// class names are chosen by GuessClassNames from name, e.g. "Fashion-MNIST"
// gives FashionMNISTClasses; a label beyond the classes the labels declare
// (0 up to the first label no row has, and at least 0–9) is an error naming
// its row. Name and Source are set to name and source.
func LoadIDX(name, source string, trainImages, trainLabels io.Reader, testImages, testLabels io.Reader) (*Dataset, error) {
	if trainImages == nil || trainLabels == nil {
		return nil, errors.New("LoadIDX needs a training images reader and a training labels reader")
	}
	if (testImages == nil) != (testLabels == nil) {
		return nil, errors.New("LoadIDX needs both test readers (images and labels) or neither")
	}
	ds, maxLabel, err := readIDXDataset(
		idxSource{images: trainImages, labels: trainLabels, imagesName: "training images", labelsName: "training labels"},
		idxSource{images: testImages, labels: testLabels, imagesName: "test images", labelsName: "test labels"})
	if err != nil {
		return nil, err
	}
	if err := checkStrayLabels(labelPart{"training labels", ds.Train.Labels}, labelPart{"test labels", ds.Test.Labels}); err != nil {
		return nil, err
	}
	_, ds.Classes = GuessClassNames(name, maxLabel)
	ds.Name, ds.Source = name, source
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	return ds, nil
}

// IDX file roles in a folder, in the order of idxDirFiles.
const (
	trainImagesFile = iota
	trainLabelsFile
	testImagesFile
	testLabelsFile
)

// idxStandardNames are the base names of the four IDX files in the order
// of the roles above, as MNIST and Fashion-MNIST ship them.
var idxStandardNames = [4]string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}

// idxFileRole returns the role of a file named name (compared without
// case), accepting the standard names, the dotted variant some mirrors use
// ("train-images.idx3-ubyte") and either with a ".gz" suffix. It also
// reports whether the file is compressed by its name.
func idxFileRole(name string) (role int, gz, ok bool) {
	name = strings.ToLower(name)
	name, gz = strings.CutSuffix(name, ".gz")
	for role, std := range idxStandardNames {
		dotted := strings.Replace(std, "s-idx", "s.idx", 1)
		if name == std || name == dotted {
			return role, gz, true
		}
	}
	return 0, false, false
}

// idxDirFiles returns the paths of the IDX files in dir by role, empty
// where missing. Where a file exists both plain and gzip-compressed, the
// plain one is used.
func idxDirFiles(dir string) ([4]string, error) {
	var paths [4]string
	var plain [4]bool
	entries, err := os.ReadDir(dir)
	if err != nil {
		return paths, err
	}
	for _, e := range entries {
		role, gz, ok := idxFileRole(e.Name())
		if !ok || e.IsDir() || (paths[role] != "" && (plain[role] || gz)) {
			continue
		}
		paths[role], plain[role] = filepath.Join(dir, e.Name()), !gz
	}
	return paths, nil
}

// hasIDXFiles reports whether dir holds at least one standard IDX file.
func hasIDXFiles(dir string) bool {
	paths, err := idxDirFiles(dir)
	return err == nil && paths != [4]string{}
}

// LoadIDXDir reads the IDX data set in dir: train-images-idx3-ubyte and
// train-labels-idx1-ubyte as the training part and, when present,
// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte as the test part
// (names without case, with or without ".gz", also with a dot before
// "idx"). A folder with only the t10k pair, such as MNIST's test set, is
// read with that pair as the training part and no test part. Class names
// come from a classes.txt beside the files or from the folder's path (see
// GuessClassNames); without a classes.txt, a label beyond the classes the
// labels declare is an error naming its file and row (see LoadIDX). Both
// headers of a pair are checked (counts, limits, what the files can hold)
// before any pixel is read, and only regular files are read.
func LoadIDXDir(dir string) (*Dataset, error) {
	return loadIDXDir(context.Background(), dir, nil)
}

// loadIDXDir is LoadIDXDir with cancellation and progress in bytes read.
func loadIDXDir(ctx context.Context, dir string, onProgress func(done, total int)) (*Dataset, error) {
	paths, err := idxDirFiles(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot list the IDX folder: %w", err)
	}
	train, test := [2]string{paths[trainImagesFile], paths[trainLabelsFile]}, [2]string{paths[testImagesFile], paths[testLabelsFile]}
	if train == [2]string{} {
		train, test = test, [2]string{}
	}
	expect := fmt.Sprintf("expected %s(.gz) and %s(.gz), and optionally %s(.gz) and %s(.gz), in %s",
		idxStandardNames[0], idxStandardNames[1], idxStandardNames[2], idxStandardNames[3], dir)
	for i, pair := range [][2]string{train, test} {
		switch {
		case i == 0 && pair == [2]string{}:
			return nil, fmt.Errorf("no IDX files found: %s", expect)
		case pair[0] != "" && pair[1] == "":
			return nil, fmt.Errorf("found %s but no labels file beside it: %s", filepath.Base(pair[0]), expect)
		case pair[0] == "" && pair[1] != "":
			return nil, fmt.Errorf("found %s but no images file beside it: %s", filepath.Base(pair[1]), expect)
		}
	}
	var files []string
	for _, p := range append(train[:], test[:]...) {
		if p != "" {
			files = append(files, p)
		}
	}
	prog, err := newFileProgress(ctx, files, onProgress)
	if err != nil {
		return nil, err
	}
	defer prog.close()
	src := func(pair [2]string) idxSource {
		if pair[0] == "" {
			return idxSource{}
		}
		return idxSource{images: prog.open(pair[0]), labels: prog.open(pair[1]), imagesName: pair[0], labelsName: pair[1],
			imagesSize: prog.size(pair[0]), labelsSize: prog.size(pair[1])}
	}
	ds, maxLabel, err := readIDXDataset(src(train), src(test))
	if err != nil {
		return nil, err
	}
	ds.Name, ds.Classes, err = idxDirNames(dir, maxLabel, labelPart{train[1], ds.Train.Labels}, labelPart{test[1], ds.Test.Labels})
	if err != nil {
		return nil, err
	}
	ds.Source = dir
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return ds, nil
}
