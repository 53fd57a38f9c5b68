package dataset

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// LoadOptions are the choices a user makes when opening data. The zero
// value gives Load's defaults.
type LoadOptions struct {
	// Images are the options of image folders (see LoadImages).
	Images ImageOptions `json:"images,omitzero"`
}

// Load reads the labelled data set at path with the default options; see
// LoadWith.
func Load(ctx context.Context, path string, onProgress func(done, total int)) (*Dataset, error) {
	return LoadWith(ctx, path, LoadOptions{}, onProgress)
}

// LoadWith reads the labelled data set at path, choosing the reader by
// what path is:
//   - a folder holding IDX files (see LoadIDXDir);
//   - a folder holding CIFAR-10 or CIFAR-100 binary batches, or a batch
//     file in such a folder (see LoadCIFARDir);
//   - a folder with sub-folders of images (see LoadImages, with
//     opts.Images);
//   - a ".csv" file (see ReadCSV);
//   - a ".tsv" vectors file of the TensorFlow projector with its metadata
//     file beside it (see LoadTSVPair);
//   - a NumPy ".npy" data matrix with its labels beside it, or a ".npz"
//     archive of both (see LoadNPY);
//   - an IDX images file whose labels file lies beside it, named alike with
//     "labels" and "idx1" for "images" and "idx3"; when its name is a
//     standard one the whole folder is read as by LoadIDXDir.
//
// onProgress, if not nil, is called from the calling goroutine with the
// work done and its total: steps per file for image folders, arrays for
// NumPy files, bytes read otherwise. Reading stops with ctx's error when
// ctx is cancelled. Source is set to path and the result is validated.
func LoadWith(ctx context.Context, path string, opts LoadOptions, onProgress func(done, total int)) (*Dataset, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open the data set: %w", err)
	}
	if !st.IsDir() && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, not a data file or folder: choose a folder of IDX files, CIFAR batches or images, or a .csv, .tsv, .npy or .npz file", path, fileKind(st.Mode()))
	}
	ext := strings.ToLower(filepath.Ext(path))
	var ds *Dataset
	switch {
	case st.IsDir() && hasIDXFiles(path):
		ds, err = loadIDXDir(ctx, path, onProgress)
	case st.IsDir() && cifarDir(path) != "":
		ds, err = LoadCIFARDir(ctx, path, onProgress)
	case st.IsDir():
		if csv := csvInFolder(path); csv != "" {
			return nil, fmt.Errorf("%s holds neither IDX files nor class sub-folders of images: to read a CSV table choose the file itself, e.g. %s", path, csv)
		}
		ds, err = LoadImages(ctx, path, opts.Images, onProgress)
	case ext == ".csv":
		ds, err = loadCSV(ctx, path, onProgress)
	case ext == ".tsv":
		ds, err = LoadTSVPair(ctx, path, "")
	case ext == ".npy" || ext == ".npz":
		ds, err = LoadNPY(ctx, path, onProgress)
	case ext == ".bin" && cifarDir(filepath.Dir(path)) == filepath.Dir(path):
		ds, err = LoadCIFARDir(ctx, filepath.Dir(path), onProgress)
	case isIDXFile(path):
		ds, err = loadIDXFile(ctx, path, onProgress)
	default:
		return nil, fmt.Errorf("%s: unsupported file: choose a folder of IDX files (train-images-idx3-ubyte.gz, ...), of CIFAR batches (data_batch_1.bin, ...), or with one sub-folder of images per class, a .csv file, a projector .tsv vectors file, a NumPy .npy or .npz file, or an IDX images file", path)
	}
	if err != nil {
		return nil, err
	}
	ds.Source, ds.Options = path, opts
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ds, nil
}

// String describes the options in a few words ("" for the defaults):
// "side 64, crop, grey".
func (o LoadOptions) String() string {
	var parts []string
	im := o.Images
	if im.Side != 0 {
		parts = append(parts, fmt.Sprintf("side %d", im.Side))
	}
	if im.Fit != FitLetterbox {
		parts = append(parts, im.Fit.String())
	}
	if im.Grey {
		parts = append(parts, "grey")
	}
	return strings.Join(parts, ", ")
}

// IsImageFolder reports whether LoadWith reads the folder at path as a
// folder of images (see LoadImages), so that the image options apply: a
// folder with sub-folders that holds neither IDX files nor CIFAR batches.
func IsImageFolder(path string) bool {
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() || hasIDXFiles(path) || cifarDir(path) != "" {
		return false
	}
	subdirs, _, err := listDir(path)
	return err == nil && len(subdirs) > 0
}

// csvInFolder returns the path of a CSV file in dir when dir has no
// visible sub-folders, else "".
func csvInFolder(dir string) string {
	subdirs, _, err := listDir(dir)
	if err != nil || len(subdirs) > 0 {
		return ""
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.[cC][sS][vV]"))
	if len(matches) == 0 {
		return ""
	}
	return matches[0]
}

// isIDXFile reports whether the file at path starts with an IDX magic
// number of unsigned bytes, possibly under gzip compression.
func isIDXFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	in, err := openMaybeGzip(f)
	if err != nil {
		return false
	}
	var magic [4]byte
	if _, err := io.ReadFull(in, magic[:]); err != nil {
		return false
	}
	m := binary.BigEndian.Uint32(magic[:])
	return m == idxImagesMagic || m == idxLabelsMagic
}

// idxLabelsNames returns the candidate names of the labels file that goes
// with the IDX images file named name.
func idxLabelsNames(name string) []string {
	r := strings.NewReplacer("images", "labels", "Images", "Labels", "IMAGES", "LABELS", "idx3", "idx1", "IDX3", "IDX1")
	labels := r.Replace(name)
	base := strings.TrimSuffix(labels, ".gz")
	return []string{labels, base, base + ".gz"}
}

// loadIDXFile reads the IDX images file at path and the labels file beside
// it, or the whole folder when path has a standard name.
func loadIDXFile(ctx context.Context, path string, onProgress func(done, total int)) (*Dataset, error) {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if _, _, ok := idxFileRole(name); ok {
		return loadIDXDir(ctx, dir, onProgress)
	}
	if err := checkIDXImagesFile(path); err != nil {
		return nil, err
	}
	labelsPath := ""
	for _, cand := range idxLabelsNames(name) {
		p := filepath.Join(dir, cand)
		if st, err := os.Stat(p); cand != name && err == nil && !st.IsDir() {
			labelsPath = p
			break
		}
	}
	if labelsPath == "" {
		return nil, fmt.Errorf("%s: no labels file beside it: expected %s(.gz) in %s", path, strings.TrimSuffix(idxLabelsNames(name)[0], ".gz"), dir)
	}
	prog, err := newFileProgress(ctx, []string{path, labelsPath}, onProgress)
	if err != nil {
		return nil, err
	}
	defer prog.close()
	ds, maxLabel, err := readIDXDataset(idxSource{images: prog.open(path), labels: prog.open(labelsPath), imagesName: path, labelsName: labelsPath,
		imagesSize: prog.size(path), labelsSize: prog.size(labelsPath)}, idxSource{})
	if err != nil {
		return nil, err
	}
	ds.Name, ds.Classes, err = idxDirNames(dir, maxLabel, labelPart{labelsPath, ds.Train.Labels})
	if err != nil {
		return nil, err
	}
	if abs, err := filepath.Abs(dir); err == nil && ds.Name == filepath.Base(abs) {
		// No better name than the folder's: use the file's.
		stem := strings.TrimSuffix(name, ".gz")
		ds.Name = strings.TrimSuffix(stem, filepath.Ext(stem))
	}
	return ds, nil
}

// checkIDXImagesFile returns an error when the IDX file at path is not an
// images file.
func checkIDXImagesFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot open the data set: %w", err)
	}
	defer f.Close()
	in, err := openMaybeGzip(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var hdr [4]byte
	if _, err := io.ReadFull(in, hdr[:]); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if binary.BigEndian.Uint32(hdr[:]) == idxLabelsMagic {
		return errors.New(path + " is an IDX labels file: choose the images file beside it, or the folder")
	}
	return nil
}

// fileProgress reports the bytes read from a set of files, which it opens
// all at once, and stops reading when its context is cancelled.
type fileProgress struct {
	ctx        context.Context
	onProgress func(done, total int)
	files      map[string]*os.File
	sizes      map[string]int64
	done       int64
	total      int64
	reported   int64
}

// newFileProgress opens paths for reading; each must be a regular file (a
// FIFO or a device would block or never end). onProgress may be nil.
func newFileProgress(ctx context.Context, paths []string, onProgress func(done, total int)) (*fileProgress, error) {
	p := &fileProgress{ctx: ctx, onProgress: onProgress, files: make(map[string]*os.File), sizes: make(map[string]int64)}
	for _, path := range paths {
		f, st, err := openRegular(path)
		if err != nil {
			p.close()
			return nil, err
		}
		p.files[path] = f
		p.sizes[path] = st.Size()
		p.total += st.Size()
	}
	return p, nil
}

// size returns the size of the file at path, one of those given to
// newFileProgress.
func (p *fileProgress) size(path string) int64 { return p.sizes[path] }

// openRegular opens the file at path for reading, without blocking on a
// FIFO, and returns it with its description when it is a regular file;
// anything else (a FIFO, a device, a socket, a folder) is an error that
// names what it is.
func openRegular(path string) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s is %s, not a regular file: choose a data file", path, fileKind(st.Mode()))
	}
	return f, st, nil
}

// fileKind names the kind of file of mode for messages: "a FIFO (named
// pipe)", "a device", ...
func fileKind(mode os.FileMode) string {
	switch {
	case mode&os.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case mode&os.ModeSocket != 0:
		return "a socket"
	case mode&os.ModeCharDevice != 0:
		return "a character device"
	case mode&os.ModeDevice != 0:
		return "a block device"
	case mode.IsDir():
		return "a folder"
	case mode&os.ModeSymlink != 0:
		return "a symbolic link"
	case mode.IsRegular():
		return "a regular file"
	}
	return "not a regular file"
}

// open returns a reader of the file at path, which must be one of those
// given to newFileProgress.
func (p *fileProgress) open(path string) io.Reader {
	return progressReader{p: p, f: p.files[path]}
}

// close closes all files.
func (p *fileProgress) close() {
	for _, f := range p.files {
		f.Close()
	}
}

// add records n more bytes read and reports progress at every percent.
func (p *fileProgress) add(n int) {
	p.done += int64(n)
	if p.onProgress == nil {
		return
	}
	if p.done-p.reported >= p.total/100 || p.done >= p.total {
		p.reported = p.done
		p.onProgress(int(min(p.done, p.total)), int(p.total))
	}
}

// progressReader reads one file of a fileProgress.
type progressReader struct {
	p *fileProgress
	f *os.File
}

func (r progressReader) Read(b []byte) (int, error) {
	if err := r.p.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.f.Read(b)
	r.p.add(n)
	return n, err
}
