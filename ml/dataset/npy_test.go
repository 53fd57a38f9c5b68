package dataset

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// npyBytes returns a version 1.0 .npy file with the given header dict and
// data, the header padded to 64 bytes as numpy pads it.
func npyBytes(dict string, data []byte) []byte {
	h := dict
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.WriteString(npyMagic + "\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

// f32s returns the little-endian bytes of vs as float32.
func f32s(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// i64s returns the little-endian bytes of vs as int64.
func i64s(vs ...int64) []byte {
	b := make([]byte, 8*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return b
}

func readNPYBytes(t *testing.T, b []byte) (*NPYArray, error) {
	t.Helper()
	return ReadNPY(bytes.NewReader(b), int64(len(b)))
}

func TestReadNPYHandMade(t *testing.T) {
	a, err := readNPYBytes(t, npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f32s(1, 2, 3, 4, 5, -6.5)))
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != NPYFloat || !slices.Equal(a.Shape, []int{2, 3}) || !slices.Equal(a.Floats, []float32{1, 2, 3, 4, 5, -6.5}) {
		t.Errorf("got %+v", a)
	}
	// Signed integers of 2 bytes, sign-extended; double quotes; no trailing comma.
	a, err = readNPYBytes(t, npyBytes(`{"descr": "<i2", "fortran_order": False, "shape": (3,)}`, []byte{1, 0, 0xff, 0xff, 0, 0x80}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Ints, []int64{1, -1, -32768}) {
		t.Errorf("ints %v", a.Ints)
	}
	// Unicode strings, NUL-padded to 3 characters.
	u := []byte{'a', 0, 0, 0, 0xe9, 0, 0, 0, 0, 0, 0, 0, 'z', 0, 0, 0, 'z', 0, 0, 0, 'z', 0, 0, 0}
	a, err = readNPYBytes(t, npyBytes("{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", u))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Strings, []string{"aé", "zzz"}) {
		t.Errorf("strings %q", a.Strings)
	}
	// A scalar and an empty array.
	if a, err = readNPYBytes(t, npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", []byte{7})); err != nil || a.Len() != 1 || a.Bytes[0] != 7 {
		t.Errorf("scalar: %+v, %v", a, err)
	}
	if a, err = readNPYBytes(t, npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 5), }", nil)); err != nil || a.Len() != 0 {
		t.Errorf("empty: %+v, %v", a, err)
	}
}

func TestReadNPYErrors(t *testing.T) {
	hdr := func(descr, shape string) string {
		return fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"not npy", []byte("PK\x03\x04 a zip"), "not a NumPy .npy file"},
		{"version 9", []byte(npyMagic + "\x09\x00\x10\x00"), "format version 9.0"},
		{"truncated header", npyBytes(hdr("<f4", "(2,)"), nil)[:30], "a header of 118 bytes"},
		{"huge header", []byte(npyMagic + "\x02\x00\xff\xff\xff\x7f"), "more than the limit of 65536 (maxNPYHeader)"},
		{"truncated data", npyBytes(hdr("<f4", "(2, 3)"), f32s(1, 2, 3)), "the file holds 12 bytes after its header: truncated"},
		{"lying shape", npyBytes(hdr("<f4", "(1000000000, 1000000000)"), nil), "the limit (dataset.MaxDataBytes)"},
		{"just past the limit", npyBytes(hdr("<f8", "(268435457,)"), nil), "1.0 GiB in memory, more than the limit of 1 GiB"},
		{"NaN", npyBytes(hdr("<f4", "(2, 2)"), f32s(1, 2, float32(math.NaN()), 4)), "value 2 (row 1, column 0) is NaN"},
		{"float64 beyond float32", npyBytes(hdr("<f8", "(1,)"), binary.LittleEndian.AppendUint64(nil, math.Float64bits(1e300))), "within float32's range"},
		{"big-endian", npyBytes(hdr(">f4", "(1,)"), f32s(1)), "big-endian values are not read"},
		{"fortran", npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", f32s(1)), "Fortran order"},
		{"objects", npyBytes(hdr("|O", "(1,)"), []byte{0}), "Python objects (pickles)"},
		{"complex", npyBytes(hdr("<c8", "(1,)"), f32s(1, 2)), `dtype "<c8": not read`},
		{"structured", npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", f32s(1)), "structured arrays are not read"},
		{"negative shape", npyBytes(hdr("<f4", "(-1,)"), nil), "shape is not a tuple"},
		{"unknown key", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", f32s(1)), `unknown key "x"`},
		{"missing key", npyBytes("{'descr': '<f4', 'shape': (1,)}", f32s(1)), "all needed"},
		{"long strings", npyBytes(hdr("<U5000", "(1,)"), nil), "strings of more than 1024 characters"},
		{"bad code point", npyBytes(hdr("<U1", "(1,)"), []byte{0, 0, 0x20, 0}), "string 0: code point 0x200000 is not a character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := readNPYBytes(t, tc.b)
			if a != nil {
				t.Errorf("got an array with error %v", err)
			}
			wantErr(t, err, tc.want)
		})
	}
}

// TestNPYFiles reads the files written by numpy in testdata/npy (see
// make.py there for the Python that wrote them).
func TestNPYFiles(t *testing.T) {
	dir := filepath.Join("testdata", "npy")
	ds, err := Load(t.Context(), filepath.Join(dir, "emb.npy"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name != "emb" || ds.IsImage() || ds.Dim != 3 || ds.Train.N != 4 || ds.HasTest() || !slices.Equal(ds.FeatureNames, []string{"v1", "v2", "v3"}) {
		t.Errorf("emb.npy: %+v", ds)
	}
	if !slices.Equal(ds.Train.Values, []float32{0.5, -1.25, 3, 2, 0, -0.75, 1e-3, 4.5, 6.25, -2.5, 1.5, 0.125}) {
		t.Errorf("values %v", ds.Train.Values)
	}
	if !slices.Equal(ds.Classes, []string{"bird", "cat", "dog"}) || !slices.Equal(ds.Train.Labels, []int{1, 2, 1, 0}) {
		t.Errorf("classes %q, labels %v", ds.Classes, ds.Train.Labels)
	}

	// x_train.npy: RGB images 2×3 with y_train.npy, and the test pair beside.
	ds, err = Load(t.Context(), filepath.Join(dir, "x_train.npy"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ds.IsImage() || ds.Height != 2 || ds.Width != 3 || ds.NumChannels() != 3 || ds.Dim != 18 || ds.Train.N != 2 || ds.Test.N != 1 {
		t.Fatalf("x_train.npy: %d×%d×%d, %d + %d rows", ds.Height, ds.Width, ds.Channels, ds.Train.N, ds.Test.N)
	}
	if !slices.Equal(ds.Train.Pixels[:6], []uint8{0, 1, 2, 3, 4, 5}) || ds.Test.Pixels[17] != 200 {
		t.Errorf("pixels %v, test %v", ds.Train.Pixels[:6], ds.Test.Pixels)
	}
	if !slices.Equal(ds.Classes, []string{"0", "1"}) || !slices.Equal(ds.Train.Labels, []int{1, 0}) || !slices.Equal(ds.Test.Labels, []int{1}) {
		t.Errorf("classes %q, labels %v / %v", ds.Classes, ds.Train.Labels, ds.Test.Labels)
	}
	// The second image's pixel (row 1, column 2) is 9·1 + 3·(3·1+2) + c.
	img := ds.Image(&ds.Train, 1)
	if r, g, b, _ := img.At(2, 1).RGBA(); r>>8 != 33 || g>>8 != 34 || b>>8 != 35 {
		t.Errorf("pixel (2, 1) of image 1: %d %d %d", r>>8, g>>8, b>>8)
	}

	// keras.npz: greyscale 2×2 images with class names.
	ds, err = Load(t.Context(), filepath.Join(dir, "keras.npz"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ds.IsImage() || ds.NumChannels() != 1 || ds.Dim != 4 || ds.Train.N != 3 || ds.Test.N != 2 ||
		!slices.Equal(ds.Classes, []string{"zero", "one", "two"}) || !slices.Equal(ds.Train.Labels, []int{2, 0, 1}) || !slices.Equal(ds.Test.Labels, []int{0, 2}) {
		t.Errorf("keras.npz: %+v", ds)
	}
	if !slices.Equal(ds.Train.Pixels, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}) {
		t.Errorf("pixels %v", ds.Train.Pixels)
	}

	// table.npz (deflated): float64 values, labels as whole floats.
	ds, err = Load(t.Context(), filepath.Join(dir, "table.npz"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.IsImage() || !slices.Equal(ds.Train.Values, []float32{1, 2, 3, 4, 5, 6}) || !slices.Equal(ds.Classes, []string{"0", "1"}) || !slices.Equal(ds.Train.Labels, []int{1, 0, 1}) {
		t.Errorf("table.npz: %+v", ds)
	}

	f, err := os.ReadFile(filepath.Join(dir, "v2.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if a, err := readNPYBytes(t, f); err != nil || !slices.Equal(a.Floats, []float32{1, 2, 3, 4}) {
		t.Errorf("v2.npy: %+v, %v", a, err)
	}
	for name, want := range map[string]string{
		"fortran.npy":   "Fortran order",
		"bigendian.npy": "big-endian",
		"objects.npy":   "Python objects",
		"v2.npy":        "v2.npy: no labels beside it: save one label per row as v2_labels.npy (numpy.save) or as a table v2_metadata.tsv",
	} {
		_, err := Load(t.Context(), filepath.Join(dir, name), nil)
		wantErr(t, err, name, want)
	}
}

// zipBytes returns a zip archive of the named files, stored.
func zipBytes(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range slices.Sorted(mapKeys(files)) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestLoadNPYErrors(t *testing.T) {
	mat := npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f32s(1, 2, 3, 4))
	ints := func(vs ...int64) []byte {
		return npyBytes(fmt.Sprintf("{'descr': '<i8', 'fortran_order': False, 'shape': (%d,), }", len(vs)), i64s(vs...))
	}
	rgba := npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2, 4), }", make([]byte, 16))
	chw := npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3, 5, 5), }", make([]byte, 75))
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		path  string
		want  []string
	}{
		{"labels count", map[string][]byte{"a.npy": mat, "a_labels.npy": ints(0, 1, 1)}, "a.npy", []string{"a_labels.npy has 3 labels for the 2 rows of", "a.npy"}},
		{"labels not a vector", map[string][]byte{"a.npy": mat, "labels.npy": mat}, "a.npy", []string{"labels of shape [2 2]: expected a vector"}},
		{"fractional labels", map[string][]byte{"a.npy": mat, "y.npy": npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", f32s(0, 0.5))}, "a.npy", []string{"label 1 is 0.5, not a whole number"}},
		{"vector data", map[string][]byte{"a.npy": ints(1, 2), "a_labels.npy": ints(0, 1)}, "a.npy", []string{"an array of shape [2]: the data must be a matrix"}},
		{"RGBA", map[string][]byte{"a.npy": rgba, "a_labels.npy": ints(0)}, "a.npy", []string{"with 4 channels", "x[..., :3]"}},
		{"channels first", map[string][]byte{"a.npy": chw, "a_labels.npy": ints(0)}, "a.npy", []string{"have their channels first", "transpose(0, 2, 3, 1)"}},
		{"label beyond names", map[string][]byte{"a.npy": mat, "a_labels.npy": ints(0, 3), "classes.txt": []byte("p\nq\nr\n")}, "a.npy", []string{"label 3 at row 1", "there are 3 class names"}},
		{"metadata rows", map[string][]byte{"a.npy": mat, "a_metadata.tsv": []byte("x\ny\nz\n")}, "a.npy", []string{"a_metadata.tsv has 3 labels for the 2 rows of"}},
		{"csv rows", map[string][]byte{"a.npy": mat, "labels.csv": []byte("id,label\n1,x\n2,y\n3,z\n")}, "a.npy", []string{"labels.csv has more than 2 rows"}},
		{"npz names", map[string][]byte{"z.npz": zipBytes(t, map[string][]byte{"foo.npy": mat, "bar.npy": ints(1, 2)})}, "z.npz", []string{"holds the arrays bar, foo: expected x_train and y_train"}},
		{"npz not zip", map[string][]byte{"z.npz": mat}, "z.npz", []string{"not a NumPy .npz archive"}},
		{"npz test shape", map[string][]byte{"z.npz": zipBytes(t, map[string][]byte{"x_train.npy": mat, "y_train.npy": ints(0, 1),
			"x_test.npy": npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }", f32s(1, 2, 3)), "y_test.npy": ints(0)})}, "z.npz", []string{"z.npz:x_test: shape [1 3], unlike the training data's"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			_, err := Load(t.Context(), filepath.Join(dir, tc.path), nil)
			wantErr(t, err, tc.want...)
		})
	}

	// Labels from a CSV table and from projector metadata.
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"a.npy": mat, "labels.csv": []byte("id,species\n1,setosa\n2,virginica\n"),
		"b.npy": mat, "b_metadata.tsv": []byte("x\ny\n")})
	for name, want := range map[string][]string{"a.npy": {"setosa", "virginica"}, "b.npy": {"x", "y"}} {
		ds, err := Load(t.Context(), filepath.Join(dir, name), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ds.Classes, want) || !slices.Equal(ds.Train.Labels, []int{0, 1}) {
			t.Errorf("%s: classes %q, labels %v", name, ds.Classes, ds.Train.Labels)
		}
	}
}

// TestNPZBomb: an entry claiming more than deflate can expand to, or more
// than the limits, is refused from the archive's directory.
func TestNPZBomb(t *testing.T) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "x.npy", Method: zip.Deflate})
	w.Write(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", f32s(1)))
	zw.Close()
	data := b.Bytes()
	// Patch the central directory's uncompressed size of the entry.
	i := bytes.LastIndex(data, []byte("PK\x01\x02"))
	binary.LittleEndian.PutUint32(data[i+24:], 1<<30)
	_, err := readNPZ(bytes.NewReader(data), int64(len(data)), "bomb.npz")
	wantErr(t, err, "bomb.npz:x: claims 1073741824 bytes from", "more than deflate expands to")
	if !strings.Contains(err.Error(), "damaged") {
		t.Error(err)
	}
}

// npySeeds are valid and broken .npy files for the fuzz corpus.
func npySeeds() [][]byte {
	hdr := func(descr, shape string) string {
		return fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	}
	return [][]byte{
		npyBytes(hdr("<f4", "(2, 2)"), f32s(1, 2, 3, 4)),
		npyBytes(hdr("<f8", "(1,)"), make([]byte, 8)),
		npyBytes(hdr("|u1", "(1, 2, 2, 3)"), make([]byte, 12)),
		npyBytes(hdr("<i4", "(3,)"), make([]byte, 12)),
		npyBytes(hdr("<U2", "(1,)"), []byte{'a', 0, 0, 0, 'b', 0, 0, 0}),
		npyBytes(hdr("|S3", "(1,)"), []byte("abc")),
		npyBytes(hdr("<f4", "(100000000, 100000000)"), nil),
		[]byte(npyMagic + "\x02\x00\x10\x00\x00\x00{}"),
		nil,
	}
}

func FuzzReadNPY(f *testing.F) {
	for _, b := range npySeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ReadNPY(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if a != nil {
				t.Fatalf("array returned with error %v", err)
			}
			return
		}
		n := a.Len()
		if got := len(a.Floats) + len(a.Bytes) + len(a.Ints) + len(a.Strings); got != n {
			t.Fatalf("shape %v holds %d values, got %d", a.Shape, n, got)
		}
		if n > len(data) {
			t.Fatalf("%d values from %d bytes", n, len(data))
		}
		for _, v := range a.Floats {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("value %v", v)
			}
		}
	})
}
