package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The CIFAR-10 and CIFAR-100 binary versions
// (https://www.cs.toronto.edu/~kriz/cifar.html): each batch file is a
// sequence of records of one label byte (CIFAR-10) or two (CIFAR-100: the
// coarse, then the fine label) followed by the 3,072 bytes of a 32×32 RGB
// image: the red plane, then the green, then the blue, each row by row.
const (
	// CIFARSide is the side of a CIFAR image.
	CIFARSide = 32
	// cifarImageBytes is the size of a CIFAR image: 32×32 pixels, 3 planes.
	cifarImageBytes = CIFARSide * CIFARSide * 3
	// cifar10Classes and cifar100Classes are the labels each format
	// declares (fine labels for CIFAR-100).
	cifar10Classes  = 10
	cifar100Classes = 100
)

// CIFAR-10's files: data_batch_1.bin … data_batch_5.bin, test_batch.bin,
// batches.meta.txt (class names). CIFAR-100's: train.bin, test.bin,
// fine_label_names.txt (and coarse_label_names.txt, not read).
const (
	cifar10Meta  = "batches.meta.txt"
	cifar10Test  = "test_batch.bin"
	cifar100Meta = "fine_label_names.txt"
)

// CIFAR10Classes are the class names of CIFAR-10, indexed by label, as
// its batches.meta.txt gives them.
var CIFAR10Classes = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// ReadCIFARBatch reads a CIFAR batch of size bytes from r, with
// labelBytes label bytes a record (1 for CIFAR-10, 2 for CIFAR-100). It
// returns the number of images, their pixels in the layout of a
// Dataset's rows (32×32, RGB interleaved) and each record's last label
// byte (CIFAR-100's fine label). size must be a whole number of records,
// within MaxItems and MaxDataBytes; it is checked before anything is
// allocated, and the data must then be all there.
func ReadCIFARBatch(r io.Reader, size int64, labelBytes int) (n int, pix []uint8, labels []int, err error) {
	if labelBytes != 1 && labelBytes != 2 {
		panic(fmt.Sprintf("dataset: ReadCIFARBatch with %d label bytes", labelBytes))
	}
	rec := int64(labelBytes + cifarImageBytes)
	switch {
	case size <= 0:
		return 0, nil, nil, errors.New("the file is empty")
	case size%rec != 0:
		return 0, nil, nil, fmt.Errorf("%d bytes are not a whole number of records of %d bytes (%d label byte(s) and a 32×32 RGB image): not a CIFAR binary batch, or a truncated one", size, rec, labelBytes)
	case size/rec > MaxItems || size/rec*cifarImageBytes > MaxDataBytes:
		return 0, nil, nil, fmt.Errorf("%d images, more than the limits of %d images (dataset.MaxItems) and %s of pixels (dataset.MaxDataBytes) this program reads", size/rec, MaxItems, humanBytes(MaxDataBytes))
	}
	n = int(size / rec)
	pix = make([]uint8, n*cifarImageBytes)
	labels = make([]int, n)
	if err := readCIFARRecords(r, labelBytes, pix, labels); err != nil {
		return 0, nil, nil, err
	}
	return n, pix, labels, nil
}

// readCIFARRecords reads len(labels) records of labelBytes label bytes
// from r into pix (the images, as Dataset rows) and labels (each record's
// last label byte), in chunks of about idxReadChunk bytes.
func readCIFARRecords(r io.Reader, labelBytes int, pix []uint8, labels []int) error {
	n, rec := len(labels), labelBytes+cifarImageBytes
	buf := make([]byte, min(idxReadChunk/rec+1, n)*rec)
	for i := 0; i < n; {
		k := min(len(buf)/rec, n-i)
		if got, err := io.ReadFull(r, buf[:k*rec]); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				err = fmt.Errorf("the file ends within record %d of %d", i+got/rec+1, n)
			}
			return err
		}
		for j := range k {
			b := buf[j*rec:]
			labels[i+j] = int(b[labelBytes-1])
			planarToInterleaved(pix[(i+j)*cifarImageBytes:(i+j+1)*cifarImageBytes], b[labelBytes:rec])
		}
		i += k
	}
	return nil
}

// planarToInterleaved writes the three planes of src into dst as
// interleaved RGB pixels.
func planarToInterleaved(dst, src []uint8) {
	const plane = CIFARSide * CIFARSide
	for p := range plane {
		dst[3*p], dst[3*p+1], dst[3*p+2] = src[p], src[plane+p], src[2*plane+p]
	}
}

// cifarFiles are the batch files of a CIFAR folder.
type cifarFiles struct {
	train, test []string // paths, train batches in order
	labelBytes  int
	meta        string // the class names file's name
	classes     int    // the labels the format declares
}

// findCIFARFiles returns the CIFAR batches in dir, or ok false when
// there are none. CIFAR-10's data_batch_N.bin files are sorted by N.
func findCIFARFiles(dir string) (f cifarFiles, ok bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return cifarFiles{}, false
	}
	var batches []int
	names := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		names[name] = true
		if num, ok := strings.CutPrefix(name, "data_batch_"); ok {
			if k, err := strconv.Atoi(strings.TrimSuffix(num, ".bin")); err == nil && k >= 0 && strings.HasSuffix(num, ".bin") {
				batches = append(batches, k)
			}
		}
	}
	slices.Sort(batches)
	if len(batches) > 0 || names[cifar10Test] {
		f = cifarFiles{labelBytes: 1, meta: cifar10Meta, classes: cifar10Classes}
		for _, k := range batches {
			f.train = append(f.train, filepath.Join(dir, fmt.Sprintf("data_batch_%d.bin", k)))
		}
		if names[cifar10Test] {
			f.test = []string{filepath.Join(dir, cifar10Test)}
		}
		if len(f.train) == 0 { // only the test batch: it is the training part
			f.train, f.test = f.test, nil
		}
		return f, true
	}
	if names["train.bin"] && (names[cifar100Meta] || names["coarse_label_names.txt"]) {
		f = cifarFiles{labelBytes: 2, meta: cifar100Meta, classes: cifar100Classes, train: []string{filepath.Join(dir, "train.bin")}}
		if names["test.bin"] {
			f.test = []string{filepath.Join(dir, "test.bin")}
		}
		return f, true
	}
	return cifarFiles{}, false
}

// cifarSubfolders are the folders the CIFAR archives unpack to, accepted
// inside the folder chosen.
var cifarSubfolders = []string{"cifar-10-batches-bin", "cifar-100-binary"}

// cifarDir returns the folder holding CIFAR batches: dir itself, or one
// of cifarSubfolders inside it; "" when there is none.
func cifarDir(dir string) string {
	if _, ok := findCIFARFiles(dir); ok {
		return dir
	}
	for _, sub := range cifarSubfolders {
		if _, ok := findCIFARFiles(filepath.Join(dir, sub)); ok {
			return filepath.Join(dir, sub)
		}
	}
	return ""
}

// LoadCIFARDir reads the CIFAR-10 or CIFAR-100 binary batches in dir (or
// in its cifar-10-batches-bin or cifar-100-binary folder): data_batch_N.bin
// (in the order of N) as the training part and test_batch.bin as the test
// part, or CIFAR-100's train.bin and test.bin with its fine labels; a
// folder with only test_batch.bin has it as its training part. Class names
// come from batches.meta.txt (fine_label_names.txt), else from a
// classes.txt, else they are CIFAR10Classes for CIFAR-10 and numbered for
// CIFAR-100; a label beyond them is an error naming the file and record.
// Images are 32×32 RGB. Every file's size is checked (whole records, the
// limits, all files together) before anything is allocated; only regular
// files are read; onProgress, if not nil, gets the bytes read and their
// total.
func LoadCIFARDir(ctx context.Context, dir string, onProgress func(done, total int)) (*Dataset, error) {
	root := cifarDir(dir)
	if root == "" {
		return nil, fmt.Errorf("%s holds no CIFAR binary batches: expected data_batch_1.bin … data_batch_5.bin and test_batch.bin (CIFAR-10) or train.bin, test.bin and fine_label_names.txt (CIFAR-100)", dir)
	}
	files, _ := findCIFARFiles(root)
	prog, err := newFileProgress(ctx, append(slices.Clone(files.train), files.test...), onProgress)
	if err != nil {
		return nil, err
	}
	defer prog.close()
	rec := int64(files.labelBytes + cifarImageBytes)
	var total int64
	for _, p := range append(slices.Clone(files.train), files.test...) {
		if size := prog.size(p); size%rec != 0 || size == 0 {
			_, _, _, err := ReadCIFARBatch(nil, size, files.labelBytes)
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		total += prog.size(p) / rec
	}
	if total > MaxItems || total*cifarImageBytes > MaxDataBytes {
		return nil, fmt.Errorf("%s: the batches hold %d images of 32×32×3 bytes, more than the limits of %d images (dataset.MaxItems) and %s of pixels (dataset.MaxDataBytes) this program reads", root, total, MaxItems, humanBytes(MaxDataBytes))
	}
	ds := &Dataset{Name: cifarName(root, files), Width: CIFARSide, Height: CIFARSide, Channels: 3, Dim: cifarImageBytes}
	type batch struct {
		path   string
		labels []int
	}
	var batches []batch
	maxLabel := 0
	for i, paths := range [][]string{files.train, files.test} {
		part := &ds.Train
		if i == 1 {
			part = &ds.Test
		}
		for _, p := range paths {
			part.N += int(prog.size(p) / rec)
		}
		part.Dim = ds.Dim
		part.Pixels = make([]uint8, part.N*cifarImageBytes)
		part.Labels = make([]int, part.N)
		row := 0
		for _, p := range paths {
			n := int(prog.size(p) / rec)
			labels := part.Labels[row : row+n]
			if err := readCIFARRecords(prog.open(p), files.labelBytes, part.Pixels[row*cifarImageBytes:(row+n)*cifarImageBytes], labels); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			batches = append(batches, batch{p, labels})
			maxLabel = max(maxLabel, slices.Max(labels))
			row += n
		}
	}
	if ds.Test.N == 0 {
		ds.Test = Part{}
	}
	if ds.Classes, err = cifarClasses(root, files, maxLabel); err != nil {
		return nil, err
	}
	for _, b := range batches {
		for r, l := range b.labels {
			if l >= len(ds.Classes) {
				return nil, fmt.Errorf("%s: record %d (counting from 0) has label %d; classes are 0–%d: not a CIFAR batch of this kind, or name every class in %s", b.path, r, l, len(ds.Classes)-1, filepath.Join(root, files.meta))
			}
		}
	}
	ds.Source = dir
	return ds, ds.Validate()
}

// cifarClasses returns the class names of the CIFAR folder dir whose
// largest label is maxLabel: those of its names file, or of a
// classes.txt, which must name maxLabel+1 classes at least; else the
// format's (see LoadCIFARDir).
func cifarClasses(dir string, f cifarFiles, maxLabel int) ([]string, error) {
	for _, name := range []string{f.meta, ClassNamesFile} {
		names, err := readClassNamesFile(filepath.Join(dir, name), maxLabel)
		if err != nil {
			return nil, err
		}
		if names != nil {
			return names, nil
		}
	}
	if f.labelBytes == 1 {
		return slices.Clone(CIFAR10Classes), nil
	}
	return NumberedClasses(f.classes), nil
}

// cifarName names the data set: "CIFAR-10" or "CIFAR-100" with the
// folder's name when that is not the archive's.
func cifarName(dir string, f cifarFiles) string {
	kind := "CIFAR-10"
	if f.labelBytes == 2 {
		kind = "CIFAR-100"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	base := filepath.Base(abs)
	if slices.Contains(cifarSubfolders, base) {
		return kind
	}
	return kind + " (" + base + ")"
}
