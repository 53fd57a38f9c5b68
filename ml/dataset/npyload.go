package dataset

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// npyPart is the data matrix of one part and its labels as read.
type npyPart struct {
	name   string // for messages, e.g. "x_train.npy" or "data.npz:x_train"
	data   *NPYArray
	labels labelColumn
}

// labelColumn is the labels of the rows of a part: numbers (ints) or texts.
type labelColumn struct {
	name  string // for messages
	ints  []int64
	texts []string
}

func (l labelColumn) len() int { return max(len(l.ints), len(l.texts)) }

// labelsFromArray returns the labels held by a: a vector (or a one-column
// matrix) of integers, of whole numbers as floats, or of strings.
func labelsFromArray(a *NPYArray, name string) (labelColumn, error) {
	if len(a.Shape) != 1 && !(len(a.Shape) == 2 && a.Shape[1] == 1) {
		return labelColumn{}, fmt.Errorf("%s: labels of shape %v: expected a vector of one label per row", name, a.Shape)
	}
	l := labelColumn{name: name}
	switch a.Kind {
	case NPYInt:
		l.ints = a.Ints
	case NPYUint8:
		l.ints = make([]int64, len(a.Bytes))
		for i, b := range a.Bytes {
			l.ints[i] = int64(b)
		}
	case NPYFloat:
		l.ints = make([]int64, len(a.Floats))
		for i, f := range a.Floats {
			if f != float32(int64(f)) {
				return labelColumn{}, fmt.Errorf("%s: label %d is %v, not a whole number: labels are class numbers or names", name, i, f)
			}
			l.ints[i] = int64(f)
		}
	case NPYString:
		l.texts = a.Strings
	}
	return l, nil
}

// LoadNPY reads a NumPy data set: a .npy file or a .npz archive.
//
// A .npy file holds the data: a matrix of one row per item (float32,
// float64, uint8 or integers; a numeric data set, features named v1, v2,
// ...), or uint8 images of shape N×H×W (greyscale) or N×H×W×C with C 1 or
// 3 (RGB), channels last; other arrays of more than two dimensions are
// flattened after the first. Its labels lie beside it: the first file of
// "y_…" for "x_…", "NAME_labels.npy", "NAME_y.npy", "NAME_targets.npy",
// "labels.npy", "y.npy" (a vector of integers, whole numbers or strings,
// one per row), then "NAME_metadata.tsv", "NAME_labels.tsv",
// "NAME_metadata.csv", "NAME_labels.csv", "metadata.tsv", "labels.tsv",
// "metadata.csv", "labels.csv" (a table under a header row whose label
// column is chosen as for CSV tables; a TSV file of one column without
// header is one label per line, as the projector's). When the file's name
// contains "train" and the same name with "test" lies beside it, that is
// the test part, with its labels found the same way.
//
// A .npz archive (numpy.savez) holds x_train, y_train and optionally
// x_test, y_test (Keras' layout), or one data array named x, data,
// embeddings, embedding, features, vectors or arr_0 with its labels named
// y, labels, label, targets, target or arr_1.
//
// Class names: a vector of strings named classes, class_names,
// label_names or names in the archive, or a classes.txt beside a .npy
// file, indexed by the (numeric) labels; without one, labels that are the
// whole numbers 0..K-1 keep their value and others are sorted, as in CSV
// tables. Every array is checked by ReadNPY before its values are read;
// onProgress, if not nil, gets the arrays read and their total.
func LoadNPY(ctx context.Context, path string, onProgress func(done, total int)) (*Dataset, error) {
	if strings.EqualFold(filepath.Ext(path), ".npz") {
		return loadNPZ(ctx, path, onProgress)
	}
	return loadNPYFile(ctx, path, onProgress)
}

// npzEntries are the names (without ".npy", without case) of the arrays
// of a .npz archive read as data, labels and class names.
var (
	npzData    = []string{"x", "data", "embeddings", "embedding", "features", "vectors", "arr_0"}
	npzLabels  = []string{"y", "labels", "label", "targets", "target", "arr_1"}
	npzClasses = []string{"classes", "class_names", "label_names", "names"}
)

// npzMaxEntries bounds the arrays of a .npz archive read: a data set is a
// handful (data, labels, names; train and test).
const npzMaxEntries = 64

// loadNPZ reads the .npz archive at path: x_train, y_train and x_test,
// y_test (Keras' layout), or one data array (x, data, embeddings,
// features, vectors or arr_0) with its labels (y, labels, targets or
// arr_1), and optionally class names (classes, class_names, label_names).
func loadNPZ(ctx context.Context, path string, onProgress func(done, total int)) (*Dataset, error) {
	f, st, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := readNPZ(f, st.Size(), path)
	if err != nil {
		return nil, err
	}
	find := func(names ...string) string {
		for _, n := range names {
			for k := range z.entries {
				if strings.EqualFold(k, n) {
					return k
				}
			}
		}
		return ""
	}
	var parts []npyPart
	read := func(data, labels string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		d, err := z.array(data)
		if err != nil {
			return err
		}
		l, err := z.array(labels)
		if err != nil {
			return err
		}
		lc, err := labelsFromArray(l, path+":"+labels)
		if err != nil {
			return err
		}
		parts = append(parts, npyPart{name: path + ":" + data, data: d, labels: lc})
		if onProgress != nil {
			onProgress(len(parts), len(parts))
		}
		return nil
	}
	if xt, yt := find("x_train"), find("y_train"); xt != "" && yt != "" {
		if err := read(xt, yt); err != nil {
			return nil, err
		}
		if xs, ys := find("x_test"), find("y_test"); xs != "" && ys != "" {
			if err := read(xs, ys); err != nil {
				return nil, err
			}
		}
	} else {
		x, y := find(npzData...), find(npzLabels...)
		if x == "" || y == "" {
			return nil, fmt.Errorf("%s holds the arrays %s: expected x_train and y_train (and x_test, y_test), or a data array named %s with its labels named %s (numpy.savez(f, x=data, y=labels))",
				path, strings.Join(slices.Sorted(mapKeys(z.entries)), ", "), strings.Join(npzData, ", "), strings.Join(npzLabels, ", "))
		}
		if err := read(x, y); err != nil {
			return nil, err
		}
	}
	var classes []string
	if c := find(npzClasses...); c != "" {
		a, err := z.array(c)
		if err != nil {
			return nil, err
		}
		if a.Kind != NPYString || len(a.Shape) != 1 {
			return nil, fmt.Errorf("%s:%s: class names of %s and shape %v: expected a vector of strings", path, c, a.Descr, a.Shape)
		}
		classes = a.Strings
	}
	return npyDataset(path, parts, classes)
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// loadNPYFile reads the .npy data matrix at path with its labels beside
// it (see npyLabelsFor) and, when its name says train and a file named
// alike with test lies beside it, that file as the test part.
func loadNPYFile(ctx context.Context, path string, onProgress func(done, total int)) (*Dataset, error) {
	paths := []string{path}
	if test := npyTestFile(path); test != "" {
		paths = append(paths, test)
	}
	var parts []npyPart
	for i, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a, err := readNPYFile(p)
		if err != nil {
			return nil, err
		}
		labels, err := npyLabelsFor(p, a.Shape[0:min(1, len(a.Shape))])
		if err != nil {
			return nil, err
		}
		parts = append(parts, npyPart{name: p, data: a, labels: labels})
		if onProgress != nil {
			onProgress(i+1, len(paths))
		}
	}
	names, err := readClassNamesFile(filepath.Join(filepath.Dir(path), ClassNamesFile), -1)
	if err != nil {
		return nil, err
	}
	return npyDataset(path, parts, names)
}

// readNPYFile reads the .npy file at path, a regular file.
func readNPYFile(path string) (*NPYArray, error) {
	f, st, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := ReadNPY(bufio.NewReaderSize(f, 1<<16), st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// npyTestFile returns the test file that goes with the training file
// path ("x_train.npy" → "x_test.npy"), or "".
func npyTestFile(path string) string {
	dir, base := filepath.Split(path)
	i := strings.Index(strings.ToLower(base), "train")
	if i < 0 {
		return ""
	}
	test := filepath.Join(dir, base[:i]+"test"+base[i+5:])
	if st, err := os.Stat(test); err == nil && st.Mode().IsRegular() {
		return test
	}
	return ""
}

// npyLabelCandidates returns the files, in order of preference, that may
// hold the labels of the .npy data file path: .npy vectors named like it
// ("x_train" → "y_train", "emb" → "emb_labels", "emb_y"; "labels.npy",
// "y.npy"), then metadata tables ("emb_metadata.tsv", "metadata.tsv",
// "emb_labels.csv", "labels.csv", ...).
func npyLabelCandidates(path string) []string {
	dir, base := filepath.Split(path)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	var c []string
	if len(stem) > 0 && (stem[0] == 'x' || stem[0] == 'X') && (len(stem) == 1 || stem[1] == '_' || stem[1] == '-') {
		c = append(c, string(stem[0]+'y'-'x')+stem[1:]+".npy")
	}
	for _, s := range []string{"_labels", "-labels", "_y", "_targets"} {
		c = append(c, stem+s+".npy")
	}
	c = append(c, "labels.npy", "y.npy")
	for _, s := range []string{"_metadata.tsv", "-metadata.tsv", "_labels.tsv", "_metadata.csv", "_labels.csv"} {
		c = append(c, stem+s)
	}
	c = append(c, "metadata.tsv", "labels.tsv", "metadata.csv", "labels.csv")
	for i := range c {
		c[i] = filepath.Join(dir, c[i])
	}
	return c
}

// npyLabelsFor reads the labels of the .npy data file path, of n[0] rows,
// from the first file of npyLabelCandidates that exists.
func npyLabelsFor(path string, n []int) (labelColumn, error) {
	if len(n) == 0 {
		return labelColumn{}, fmt.Errorf("%s holds a single number: the data must be a matrix of one row per item (N×D) or images (N×H×W×C)", path)
	}
	cands := npyLabelCandidates(path)
	for _, c := range cands {
		if st, err := os.Stat(c); err != nil || st.IsDir() || c == path {
			continue
		}
		if strings.EqualFold(filepath.Ext(c), ".npy") {
			a, err := readNPYFile(c)
			if err != nil {
				return labelColumn{}, err
			}
			return labelsFromArray(a, c)
		}
		f, _, err := openRegular(c)
		if err != nil {
			return labelColumn{}, err
		}
		defer f.Close()
		var texts []string
		if strings.EqualFold(filepath.Ext(c), ".csv") {
			texts, err = readCSVLabels(f, c, n[0])
		} else {
			texts, _, _, err = readMetadata(f, c, n[0])
		}
		if err != nil {
			return labelColumn{}, err
		}
		return labelColumn{name: c, texts: texts}, nil
	}
	return labelColumn{}, fmt.Errorf("%s: no labels beside it: save one label per row as %s (numpy.save) or as a table %s with a label column (one of %s)",
		path, filepath.Base(cands[0]), strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+"_metadata.tsv", strings.Join(labelColumnNames, ", "))
}

// readCSVLabels reads the label column (see findLabelColumn; else the
// first column) of a CSV table with a header row and at most n rows,
// named name in messages.
func readCSVLabels(r io.Reader, name string, n int) ([]string, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if err := prepareCSV(br, name); err != nil {
		return nil, err
	}
	cr := csv.NewReader(newCSVGuard(br, name, ',', true))
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("%s: empty file: expected a header row and one row per item", name)
		}
		return nil, csvReadError(name, err)
	}
	head[0] = strings.TrimPrefix(head[0], "\uFEFF")
	col := max(0, findLabelColumn(head))
	var labels []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvReadError(name, err)
		}
		if len(labels) == n {
			return nil, fmt.Errorf("%s has more than %d rows for the %d rows of the data: the two files must list the same items in the same order", name, n, n)
		}
		labels = append(labels, strings.TrimSpace(rec[col]))
	}
	return labels, nil
}

// npyDataset makes the data set of parts (training, then maybe test)
// with class names (nil: from the labels).
func npyDataset(path string, parts []npyPart, names []string) (*Dataset, error) {
	base := filepath.Base(path)
	ds := &Dataset{Name: strings.TrimSuffix(base, filepath.Ext(base))}
	for i, p := range parts {
		part, err := npyRows(ds, p, i == 0)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			ds.Train = part
		} else {
			ds.Test = part
		}
	}
	if err := npyClasses(ds, parts, names); err != nil {
		return nil, err
	}
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ds, nil
}

// npyRows makes the part of p: images from uint8 arrays of shape N×H×W
// or N×H×W×C (C 1 or 3), rows of values from any other array of two or
// more dimensions (flattened after the first). The first part sets the
// data set's shape, which the second must have.
func npyRows(ds *Dataset, p npyPart, first bool) (Part, error) {
	a := p.data
	sh := a.Shape
	if len(sh) < 2 {
		return Part{}, fmt.Errorf("%s: an array of shape %v: the data must be a matrix of one row per item (N×D) or images (N×H×W×C); labels go in a file of their own", p.name, sh)
	}
	if a.Kind == NPYString {
		return Part{}, fmt.Errorf("%s: an array of strings: the data must be numbers", p.name)
	}
	n, dim := sh[0], a.Len()/max(1, sh[0])
	if n == 0 || dim == 0 {
		return Part{}, fmt.Errorf("%s: an array of shape %v holds no data", p.name, sh)
	}
	if n > MaxItems {
		return Part{}, fmt.Errorf("%s: %d rows, more than the limit of %d (dataset.MaxItems)", p.name, n, MaxItems)
	}
	if p.labels.len() != n {
		return Part{}, fmt.Errorf("%s has %d labels for the %d rows of %s: the two must list the same items in the same order", p.labels.name, p.labels.len(), n, p.name)
	}
	w, h, c := 0, 0, 0
	image := a.Kind == NPYUint8 && (len(sh) == 3 || len(sh) == 4)
	if image && len(sh) == 4 && sh[3] != 1 && sh[3] != 3 {
		if sh[1] == 1 || sh[1] == 3 {
			return Part{}, fmt.Errorf("%s: images of shape %v have their channels first: save them as N×H×W×C (x.transpose(0, 2, 3, 1))", p.name, sh)
		}
		return Part{}, fmt.Errorf("%s: images of shape %v with %d channels: only greyscale (1) and RGB (3) are read (for RGBA, save x[..., :3])", p.name, sh, sh[3])
	}
	if image {
		h, w, c = sh[1], sh[2], 1
		if len(sh) == 4 {
			c = sh[3]
		}
		if h > maxIDXImageSide || w > maxIDXImageSide {
			return Part{}, fmt.Errorf("%s: images of %d×%d pixels: at most %d a side", p.name, h, w, maxIDXImageSide)
		}
	} else if dim > MaxColumns {
		return Part{}, fmt.Errorf("%s: rows of %d values, more than the limit of %d (dataset.MaxColumns) this program reads", p.name, dim, MaxColumns)
	}
	if first {
		ds.Width, ds.Height, ds.Channels, ds.Dim = w, h, c, dim
		if !image {
			ds.FeatureNames = make([]string, dim)
			for j := range dim {
				ds.FeatureNames[j] = "v" + strconv.Itoa(j+1)
			}
			if len(sh) > 2 {
				ds.Warnings = append(ds.Warnings, fmt.Sprintf("%s: shape %v of %s read as rows of %d values (only uint8 arrays are read as images)", p.name, sh, a.Descr, dim))
			}
		}
	} else if ds.Width != w || ds.Height != h || ds.Channels != c || ds.Dim != dim {
		return Part{}, fmt.Errorf("%s: shape %v, unlike the training data's: both parts must have the same shape after their first dimension", p.name, sh)
	}
	part := Part{N: n, Dim: dim}
	switch {
	case image:
		part.Pixels = a.Bytes
	case a.Kind == NPYFloat:
		part.Values = a.Floats
	case a.Kind == NPYUint8:
		part.Values = make([]float32, len(a.Bytes))
		for i, b := range a.Bytes {
			part.Values[i] = float32(b)
		}
	default:
		part.Values = make([]float32, len(a.Ints))
		for i, v := range a.Ints {
			part.Values[i] = float32(v)
		}
	}
	return part, nil
}

// npyClasses sets the classes of ds and the labels of its parts from the
// parts' label columns: numbers index names when there are names, and are
// otherwise numbered as a CSV table's labels are (see orderLabels), as are
// texts.
func npyClasses(ds *Dataset, parts []npyPart, names []string) error {
	dst := []*Part{&ds.Train, &ds.Test}
	if names != nil {
		for i, p := range parts {
			if p.labels.ints == nil {
				return fmt.Errorf("%s: labels are texts, so they cannot index the class names given: drop the class names, or save the labels as numbers", p.labels.name)
			}
			dst[i].Labels = make([]int, len(p.labels.ints))
			for r, v := range p.labels.ints {
				if v < 0 || v >= int64(len(names)) {
					return fmt.Errorf("%s: label %d at row %d (counting from 0); there are %d class names", p.labels.name, v, r, len(names))
				}
				dst[i].Labels[r] = int(v)
			}
		}
		ds.Classes = slices.Clone(names)
		return nil
	}
	ids := map[string]int{}
	var texts []string
	for i, p := range parts {
		n := p.labels.len()
		dst[i].Labels = make([]int, n)
		for r := range n {
			var t string
			if p.labels.ints != nil {
				t = strconv.FormatInt(p.labels.ints[r], 10)
			} else {
				t = p.labels.texts[r]
			}
			id, ok := ids[t]
			if !ok {
				if len(texts) == maxCSVClasses {
					return fmt.Errorf("%s: more than %d different labels: they look like measurements, not classes", p.labels.name, maxCSVClasses)
				}
				id = len(texts)
				ids[t] = id
				texts = append(texts, t)
			}
			dst[i].Labels[r] = id
		}
	}
	var classOf []int
	ds.Classes, classOf = orderLabels(texts)
	for _, p := range dst[:len(parts)] {
		for r, id := range p.Labels {
			p.Labels[r] = classOf[id]
		}
	}
	return nil
}
