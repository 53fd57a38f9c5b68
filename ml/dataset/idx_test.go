package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// idxImages returns an IDX image file with the given header and pixels.
func idxImages(n, rows, cols uint32, pix []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, idxImagesMagic)
	b = binary.BigEndian.AppendUint32(b, n)
	b = binary.BigEndian.AppendUint32(b, rows)
	b = binary.BigEndian.AppendUint32(b, cols)
	return append(b, pix...)
}

// idxLabels returns an IDX label file holding labels.
func idxLabels(labels []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, idxLabelsMagic)
	b = binary.BigEndian.AppendUint32(b, uint32(len(labels)))
	return append(b, labels...)
}

// gz returns b gzip-compressed.
func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// counting returns n*d bytes 0, 1, 2, ... (mod 256).
func counting(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// wantErr checks that err is not nil and its message holds every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func TestReadIDXImages(t *testing.T) {
	pix := counting(3 * 4 * 5)
	file := idxImages(3, 4, 5, pix)
	for name, data := range map[string][]byte{
		"plain":    file,
		"gzip":     gz(file),
		"trailing": append(slices.Clone(file), 1, 2, 3),
	} {
		t.Run(name, func(t *testing.T) {
			n, rows, cols, got, err := ReadIDXImages(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if n != 3 || rows != 4 || cols != 5 {
				t.Errorf("got %d images of %d×%d, want 3 of 4×5", n, rows, cols)
			}
			if !bytes.Equal(got, pix) {
				t.Errorf("pixels differ")
			}
		})
	}
}

func TestReadIDXImagesLarge(t *testing.T) {
	// More than one read chunk, so that the buffer grows.
	const n, side = 3000, 28
	pix := counting(n * side * side)
	for _, data := range [][]byte{idxImages(n, side, side, pix), gz(idxImages(n, side, side, pix))} {
		gotN, _, _, got, err := ReadIDXImages(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if gotN != n || !bytes.Equal(got, pix) || cap(got) != len(pix) {
			t.Errorf("got %d images, %d pixels (cap %d), want %d, %d", gotN, len(got), cap(got), n, len(pix))
		}
	}
}

func TestReadIDXImagesErrors(t *testing.T) {
	good := idxImages(3, 4, 5, counting(60))
	badCRC := gz(good)
	badCRC[len(badCRC)-8] ^= 0xff
	badDeflate := gz(good)
	for i := 10; i < len(badDeflate)-8; i++ {
		badDeflate[i] = 0xff
	}
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"empty", nil, []string{"empty file", "IDX image"}},
		{"short header", good[:10], []string{"truncated", "header needs 16 bytes", "only 10"}},
		{"labels file", idxLabels([]byte{1, 2}), []string{"not an IDX image file", "0x00000801", "IDX label file", "expected 0x00000803"}},
		{"text", []byte("label,pixel1,pixel2\n1,2,3\n"), []string{"not an IDX image file", "magic number 0x6c616265"}},
		{"float idx", append([]byte{0, 0, 0x0d, 3}, good[4:]...), []string{"float32 data with 3 dimensions"}},
		{"truncated data", good[:16+25], []string{"truncated", "3 images of 4×5", "60 bytes", "after 25 bytes", "(1 complete images)"}},
		{"truncated gzip data", gz(good[:16+25]), []string{"truncated", "after 25 bytes"}},
		{"zero rows", idxImages(1, 0, 5, nil), []string{"0×5", "1..16384"}},
		{"huge side", idxImages(1, 1<<20, 1, nil), []string{"1048576×1"}},
		{"huge count", idxImages(1<<31, 1<<14, 1<<14, nil), []string{"more than"}},
		{"gzip header cut", gz(good)[:5], []string{"corrupt gzip data"}},
		{"gzip body cut", gz(good)[:20], []string{"truncated"}},
		{"gzip bad checksum", badCRC, []string{"corrupt gzip data", "checksum"}},
		{"gzip bad deflate", badDeflate, []string{"corrupt gzip data"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, pix, err := ReadIDXImages(bytes.NewReader(tc.data))
			wantErr(t, err, tc.want...)
			if pix != nil {
				t.Errorf("pixels returned with the error")
			}
		})
	}
}

// TestReadIDXImagesHugeClaim checks that a header claiming 2²⁴ images (the
// most MaxItems allows) in a 100-byte file fails at once without
// allocating for the claim, and that a claim of 2³¹ is refused by the limit.
func TestReadIDXImagesHugeClaim(t *testing.T) {
	_, _, _, _, err := ReadIDXImages(bytes.NewReader(idxImages(1<<31-1, 1, 1, counting(84))))
	wantErr(t, err, "2147483647 images", "limit of 16777216 items")
	data := idxImages(MaxItems, 1, 1, counting(84))
	if len(data) != 100 {
		t.Fatalf("test file has %d bytes, want 100", len(data))
	}
	for _, in := range [][]byte{data, gz(data)} {
		// "At once": nothing is allocated for the claim (16 MiB of pixels)
		// before the file is found short; no clock involved.
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, _, _, err := ReadIDXImages(bytes.NewReader(in))
		runtime.ReadMemStats(&after)
		wantErr(t, err, "truncated", "16777216 images", "after 84 bytes")
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
			t.Errorf("allocated %d bytes for a 100-byte file", alloc)
		}
	}
	labels := idxLabels(counting(92))
	binary.BigEndian.PutUint32(labels[4:], MaxItems)
	_, err = ReadIDXLabels(bytes.NewReader(labels))
	wantErr(t, err, "truncated IDX label file", "16777216 labels", "after 92")
	binary.BigEndian.PutUint32(labels[4:], 1<<31)
	_, err = ReadIDXLabels(bytes.NewReader(labels))
	wantErr(t, err, "2147483648 labels", "limit of 16777216 items")
}

func TestReadIDXLabels(t *testing.T) {
	labels := []byte{9, 0, 3, 3, 255}
	for _, data := range [][]byte{idxLabels(labels), gz(idxLabels(labels))} {
		got, err := ReadIDXLabels(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, labels) {
			t.Errorf("got %v, want %v", got, labels)
		}
	}
	empty, err := ReadIDXLabels(bytes.NewReader(idxLabels(nil)))
	if err != nil || len(empty) != 0 {
		t.Errorf("empty labels file: got %v, %v", empty, err)
	}
}

func TestReadIDXLabelsErrors(t *testing.T) {
	good := idxLabels([]byte{1, 2, 3, 4})
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"empty", nil, []string{"empty file", "IDX label file"}},
		{"short header", good[:6], []string{"truncated", "header needs 8 bytes", "only 6"}},
		{"images file", idxImages(1, 1, 1, []byte{0}), []string{"not an IDX label file", "IDX image file", "expected 0x00000801"}},
		{"truncated", good[:10], []string{"truncated", "4 labels", "after 2"}},
		{"truncated gzip", gz(good)[:len(gz(good))-3], []string{"corrupt gzip data"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadIDXLabels(bytes.NewReader(tc.data))
			wantErr(t, err, tc.want...)
		})
	}
}

// idxSet is a small IDX data set for the loader tests.
type idxSet struct {
	trainImages, trainLabels, testImages, testLabels []byte
}

func newIDXSet(nTrain, nTest, side int, classes int) idxSet {
	labels := func(n int) []byte {
		l := make([]byte, n)
		for i := range l {
			l[i] = byte(i % classes)
		}
		return l
	}
	return idxSet{
		trainImages: idxImages(uint32(nTrain), uint32(side), uint32(side), counting(nTrain*side*side)),
		trainLabels: idxLabels(labels(nTrain)),
		testImages:  idxImages(uint32(nTest), uint32(side), uint32(side), counting(nTest*side*side)),
		testLabels:  idxLabels(labels(nTest)),
	}
}

func TestLoadIDX(t *testing.T) {
	s := newIDXSet(20, 10, 3, 10)
	ds, err := LoadIDX("Fashion-MNIST", "embedded", bytes.NewReader(gz(s.trainImages)), bytes.NewReader(s.trainLabels), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name != "Fashion-MNIST" || ds.Source != "embedded" || ds.Train.N != 20 || ds.HasTest() || !ds.IsImage() || ds.Width != 3 || ds.Dim != 9 {
		t.Errorf("unexpected data set %+v", ds)
	}
	if !slices.Equal(ds.Classes, FashionMNISTClasses) {
		t.Errorf("classes %q, want Fashion-MNIST's", ds.Classes)
	}
	if ds.Train.Labels[13] != 3 || !bytes.Equal(ds.Train.RowPixels(1), counting(18)[9:]) {
		t.Errorf("rows differ")
	}

	ds, err = LoadIDX("toy", "mem", bytes.NewReader(s.trainImages), bytes.NewReader(s.trainLabels), bytes.NewReader(s.testImages), bytes.NewReader(gz(s.testLabels)))
	if err != nil {
		t.Fatal(err)
	}
	if ds.Test.N != 10 || !slices.Equal(ds.Classes, DigitClasses) {
		t.Errorf("test part %d rows, classes %q", ds.Test.N, ds.Classes)
	}

	// Labels up to 3 give 4 generic classes; the largest label of either part counts.
	small := newIDXSet(4, 5, 2, 3)
	small.testLabels = idxLabels([]byte{0, 1, 3, 0, 0})
	ds, err = LoadIDX("toy", "mem", bytes.NewReader(small.trainImages), bytes.NewReader(small.trainLabels), bytes.NewReader(small.testImages), bytes.NewReader(small.testLabels))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"class 0", "class 1", "class 2", "class 3"}; !slices.Equal(ds.Classes, want) {
		t.Errorf("classes %q, want %q", ds.Classes, want)
	}
}

func TestLoadIDXErrors(t *testing.T) {
	s := newIDXSet(20, 10, 3, 10)
	other := newIDXSet(5, 5, 4, 10)
	r := func(b []byte) io.Reader { return bytes.NewReader(b) }
	for _, tc := range []struct {
		name               string
		trI, trL, teI, teL io.Reader
		want               []string
	}{
		{"no train", nil, r(s.trainLabels), nil, nil, []string{"training images reader"}},
		{"one test reader", r(s.trainImages), r(s.trainLabels), r(s.testImages), nil, []string{"both test readers"}},
		{"count mismatch", r(s.trainImages), r(s.testLabels), nil, nil, []string{"training images holds 20 images", "training labels holds 10 labels"}},
		{"test dims", r(s.trainImages), r(s.trainLabels), r(other.testImages), r(other.testLabels), []string{"3×3", "4×4", "same size"}},
		{"no images", r(idxImages(0, 2, 2, nil)), r(idxLabels(nil)), nil, nil, []string{"no images"}},
		{"swapped", r(s.trainLabels), r(s.trainImages), nil, nil, []string{"training images: not an IDX image file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadIDX("x", "mem", tc.trI, tc.trL, tc.teI, tc.teL)
			wantErr(t, err, tc.want...)
		})
	}
}

// writeFiles writes files (name → content) into dir.
func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadIDXDir(t *testing.T) {
	s := newIDXSet(20, 10, 3, 10)
	for _, tc := range []struct {
		name      string
		folder    string
		files     map[string][]byte
		wantTrain int
		wantTest  int
		wantName  string
		wantClass string
	}{
		{"gz", "fashion", map[string][]byte{
			"train-images-idx3-ubyte.gz": gz(s.trainImages), "train-labels-idx1-ubyte.gz": gz(s.trainLabels),
			"t10k-images-idx3-ubyte.gz": gz(s.testImages), "t10k-labels-idx1-ubyte.gz": gz(s.testLabels),
		}, 20, 10, "Fashion-MNIST", "T-shirt/top"},
		{"plain dotted", "MNIST-data", map[string][]byte{
			"train-images.idx3-ubyte": s.trainImages, "train-labels.idx1-ubyte": s.trainLabels,
			"t10k-images.idx3-ubyte": s.testImages, "t10k-labels.idx1-ubyte": s.testLabels,
		}, 20, 10, "MNIST", "0"},
		{"t10k only", "digits", map[string][]byte{
			"t10k-images-idx3-ubyte.gz": gz(s.testImages), "T10K-LABELS-IDX1-UBYTE": s.testLabels, "README.md": []byte("hi"),
		}, 10, 0, "digits", "0"},
		{"plain wins over gz", "mixed", map[string][]byte{
			"train-images-idx3-ubyte": s.trainImages, "train-images-idx3-ubyte.gz": []byte("broken"),
			"train-labels-idx1-ubyte.gz": gz(s.trainLabels), "train-labels-idx1-ubyte": s.trainLabels,
		}, 20, 0, "mixed", "0"},
		{"classes.txt", "fashion-copy", map[string][]byte{
			"train-images-idx3-ubyte": s.trainImages, "train-labels-idx1-ubyte": s.trainLabels,
			"classes.txt": []byte("\uFEFFa\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n\n"),
		}, 20, 0, "fashion-copy", "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), tc.folder)
			writeFiles(t, dir, tc.files)
			ds, err := LoadIDXDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if ds.Train.N != tc.wantTrain || ds.Test.N != tc.wantTest || ds.Name != tc.wantName || ds.Classes[0] != tc.wantClass || ds.Source != dir {
				t.Errorf("got %d train, %d test, name %q, classes %q, source %q; want %d, %d, %q, %q",
					ds.Train.N, ds.Test.N, ds.Name, ds.Classes, ds.Source, tc.wantTrain, tc.wantTest, tc.wantName, tc.wantClass)
			}
		})
	}
}

func TestLoadIDXDirErrors(t *testing.T) {
	s := newIDXSet(20, 10, 3, 10)
	other := newIDXSet(5, 5, 4, 10)
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		want  []string
	}{
		{"empty", map[string][]byte{"notes.txt": nil}, []string{"no IDX files", "expected train-images-idx3-ubyte(.gz) and train-labels-idx1-ubyte(.gz)"}},
		{"no labels", map[string][]byte{"train-images-idx3-ubyte": s.trainImages}, []string{"found train-images-idx3-ubyte but no labels file"}},
		{"no test images", map[string][]byte{
			"train-images-idx3-ubyte": s.trainImages, "train-labels-idx1-ubyte": s.trainLabels, "t10k-labels-idx1-ubyte": s.testLabels,
		}, []string{"found t10k-labels-idx1-ubyte but no images file"}},
		{"count mismatch", map[string][]byte{
			"train-images-idx3-ubyte.gz": gz(s.trainImages), "train-labels-idx1-ubyte.gz": gz(s.testLabels),
		}, []string{"train-images-idx3-ubyte.gz holds 20 images", "train-labels-idx1-ubyte.gz holds 10 labels"}},
		{"test dims", map[string][]byte{
			"train-images-idx3-ubyte": s.trainImages, "train-labels-idx1-ubyte": s.trainLabels,
			"t10k-images-idx3-ubyte": other.testImages, "t10k-labels-idx1-ubyte": other.testLabels,
		}, []string{"3×3", "t10k-images-idx3-ubyte holds 4×4"}},
		{"truncated", map[string][]byte{
			"train-images-idx3-ubyte": s.trainImages[:100], "train-labels-idx1-ubyte": s.trainLabels,
		}, []string{"train-images-idx3-ubyte: truncated IDX image file", "20 images of 3×3", "after 84 bytes (9 complete images)"}},
		{"corrupt gzip", map[string][]byte{
			"train-images-idx3-ubyte.gz": append([]byte{0x1f, 0x8b}, "garbage garbage"...), "train-labels-idx1-ubyte": s.trainLabels,
		}, []string{"train-images-idx3-ubyte.gz: corrupt gzip data"}},
		{"short classes.txt", map[string][]byte{
			"train-images-idx3-ubyte": s.trainImages, "train-labels-idx1-ubyte": s.trainLabels, "classes.txt": []byte("a\nb\n"),
		}, []string{"classes.txt names 2 classes but the labels go up to 9"}},
		{"bad classes.txt", map[string][]byte{
			"train-images-idx3-ubyte": s.trainImages, "train-labels-idx1-ubyte": s.trainLabels, "classes.txt": []byte("a\n\nb\n"),
		}, []string{"classes.txt: line 2 is empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			_, err := LoadIDXDir(dir)
			wantErr(t, err, tc.want...)
		})
	}
	_, err := LoadIDXDir(filepath.Join(t.TempDir(), "missing"))
	wantErr(t, err, "cannot list")
}

// sharedDatasets returns the shared data set folder: shared/ beside the
// repository root, found from the package folder.
func sharedDatasets() string {
	return filepath.Join("..", "..", "..", "shared", "datasets")
}

func TestFashionMNISTFiles(t *testing.T) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("Fashion-MNIST not installed:", err)
	}
	ds, err := LoadIDXDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name != "Fashion-MNIST" || ds.Train.N != 60000 || ds.Test.N != 10000 || ds.Width != 28 || ds.Height != 28 || len(ds.Classes) != 10 {
		t.Fatalf("got %q: %d train, %d test, %d×%d, %d classes", ds.Name, ds.Train.N, ds.Test.N, ds.Width, ds.Height, len(ds.Classes))
	}
	for c, n := range ds.ClassCounts(&ds.Train) {
		if n != 6000 {
			t.Errorf("class %d has %d training rows, want 6000", c, n)
		}
	}
	for c, n := range ds.ClassCounts(&ds.Test) {
		if n != 1000 {
			t.Errorf("class %d has %d test rows, want 1000", c, n)
		}
	}
	if l := ds.Train.Labels[0]; l != 9 || ds.Classes[l] != "Ankle boot" {
		t.Errorf("first training label %d (%s), want 9 (Ankle boot)", l, ds.Classes[l])
	}
	if l := ds.Test.Labels[0]; l != 9 {
		t.Errorf("first test label %d, want 9", l)
	}

	// The Kaggle-style CSV in testdata holds the first test rows.
	csvDS, err := LoadCSV(filepath.Join("testdata", "fashion-mnist_small.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < csvDS.Train.N; i++ {
		if !bytes.Equal(csvDS.Train.RowPixels(i), ds.Test.RowPixels(i)) || csvDS.Train.Labels[i] != ds.Test.Labels[i] {
			t.Errorf("CSV row %d differs from test image %d", i, i)
		}
	}
}

func TestMNISTTestFiles(t *testing.T) {
	dir := filepath.Join(sharedDatasets(), "mnist-t10k")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("MNIST test files not found:", err)
	}
	ds, err := Load(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name != "MNIST" || ds.Train.N != 10000 || ds.HasTest() || !slices.Equal(ds.Classes, DigitClasses) || ds.Source != dir {
		t.Fatalf("got %q: %d train, %d test, classes %q, source %q", ds.Name, ds.Train.N, ds.Test.N, ds.Classes, ds.Source)
	}
	want := []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}
	if got := ds.ClassCounts(&ds.Train); !slices.Equal(got, want) {
		t.Errorf("class counts %v, want %v", got, want)
	}
}

// idxSeeds are valid and broken IDX files for the fuzz corpora.
func idxSeeds() [][]byte {
	s := newIDXSet(3, 2, 4, 10)
	return [][]byte{
		s.trainImages, gz(s.trainImages), s.trainLabels, gz(s.trainLabels),
		s.trainImages[:30], s.trainLabels[:9], idxImages(1<<31-1, 1, 1, counting(84)),
		idxImages(0, 28, 28, nil), idxLabels(nil), nil,
	}
}

func FuzzReadIDXImages(f *testing.F) {
	for _, b := range idxSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, rows, cols, pix, err := ReadIDXImages(bytes.NewReader(data))
		if err != nil {
			if pix != nil || n != 0 {
				t.Fatalf("data returned with error %v", err)
			}
			return
		}
		if rows <= 0 || cols <= 0 || n < 0 || len(pix) != n*rows*cols {
			t.Fatalf("%d images of %d×%d in %d bytes", n, rows, cols, len(pix))
		}
		if n == 0 {
			return
		}
		ds := &Dataset{Name: "fuzz", Classes: []string{"a"}, Width: cols, Height: rows, Dim: rows * cols,
			Train: Part{N: n, Dim: rows * cols, Pixels: pix, Labels: make([]int, n)}}
		if err := ds.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzReadIDXLabels(f *testing.F) {
	for _, b := range idxSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		labels, err := ReadIDXLabels(bytes.NewReader(data))
		if err != nil {
			if labels != nil {
				t.Fatalf("labels returned with error %v", err)
			}
			return
		}
		if len(data) < 8 {
			t.Fatalf("%d labels from %d bytes", len(labels), len(data))
		}
		if data[0] != 0x1f && binary.BigEndian.Uint32(data[4:]) != uint32(len(labels)) {
			t.Fatalf("%d labels, header says %d", len(labels), binary.BigEndian.Uint32(data[4:]))
		}
	})
}
