package dataset

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestLoadCSVKaggle(t *testing.T) {
	path := filepath.Join("testdata", "fashion-mnist_small.csv")
	ds, err := LoadCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name != "Fashion-MNIST" || ds.Source != path || !ds.IsImage() || ds.Width != 28 || ds.Height != 28 || ds.Dim != 784 || ds.Train.N != 10 || ds.HasTest() || ds.FeatureNames != nil {
		t.Fatalf("unexpected data set: %q from %q, %d×%d, dim %d, %d rows", ds.Name, ds.Source, ds.Width, ds.Height, ds.Dim, ds.Train.N)
	}
	if !slices.Equal(ds.Classes, FashionMNISTClasses) {
		t.Errorf("classes %q", ds.Classes)
	}
	if want := []int{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}; !slices.Equal(ds.Train.Labels, want) {
		t.Errorf("labels %v, want %v", ds.Train.Labels, want)
	}
}

func TestLoadCSVIris(t *testing.T) {
	path := filepath.Join("testdata", "iris.csv")
	ds, err := LoadCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name != "iris" || ds.Source != path || ds.IsImage() || ds.Dim != 4 || ds.Train.N != 150 || ds.Train.Pixels != nil {
		t.Fatalf("unexpected data set: %q, dim %d, %d rows", ds.Name, ds.Dim, ds.Train.N)
	}
	if want := []string{"sepal_length", "sepal_width", "petal_length", "petal_width"}; !slices.Equal(ds.FeatureNames, want) {
		t.Errorf("feature names %q, want %q", ds.FeatureNames, want)
	}
	if want := []string{"setosa", "versicolor", "virginica"}; !slices.Equal(ds.Classes, want) {
		t.Errorf("classes %q, want %q", ds.Classes, want)
	}
	if got := ds.ClassCounts(&ds.Train); !slices.Equal(got, []int{50, 50, 50}) {
		t.Errorf("class counts %v", got)
	}
	if got, want := ds.Train.Values[:4], []float32{5.1, 3.5, 1.4, 0.2}; !slices.Equal(got, want) {
		t.Errorf("first row %v, want %v", got, want)
	}
	if got := ds.Train.Value(149, 3); got != 1.8 {
		t.Errorf("last petal width %v, want 1.8", got)
	}
}

// pixelHeader returns "label,pixel1,...,pixelD" with the given pixel name format.
func pixelHeader(d int, format func(i int) string) string {
	cells := []string{"label"}
	for i := range d {
		cells = append(cells, format(i))
	}
	return strings.Join(cells, ",")
}

func TestReadCSVKinds(t *testing.T) {
	type want struct {
		n, width, dim int
		classes       []string
		labels        []int
		features      []string
		first         []float32 // first row's features
	}
	headerless16 := func() string {
		var b strings.Builder
		for r := range 3 {
			b.WriteString(strconv.Itoa(r))
			for range 256 {
				b.WriteString(",7")
			}
			b.WriteString("\n")
		}
		return b.String()
	}()
	for _, tc := range []struct {
		name, in string
		want     want
	}{
		{"pixels zero-based, label in the middle", "pixel0,pixel1,Label,pixel3,pixel2\n1,2,3,4,5\n6,7,0,9,10\n",
			want{n: 2, width: 2, dim: 4, classes: NumberedClasses(4), labels: []int{3, 0}, first: []float32{1, 2, 5, 4}}},
		{"pixels RxC", pixelHeader(4, func(i int) string { return fmt.Sprintf("%dx%d", i/2+1, i%2+1) }) + "\n1,0,1,2,3\n",
			want{n: 1, width: 2, dim: 4, classes: NumberedClasses(2), labels: []int{1}, first: []float32{0, 1, 2, 3}}},
		{"pixels as floats", "label,pixel1\n0, 12.0\n", want{n: 1, width: 1, dim: 1, classes: NumberedClasses(1), labels: []int{0}, first: []float32{12}}},
		{"headerless pixels", headerless16, want{n: 3, width: 16, dim: 256, classes: NumberedClasses(3), labels: []int{0, 1, 2}, first: slices.Repeat([]float32{7}, 256)}},
		{"headerless UCI", "5.1,3.5,Iris-setosa\n\n7.0,3.2,Iris-versicolor\r\n",
			want{n: 2, dim: 2, classes: []string{"Iris-setosa", "Iris-versicolor"}, labels: []int{0, 1}, features: []string{"x1", "x2"}, first: []float32{5.1, 3.5}}},
		{"semicolons", "a;b;species\n1;2;x\n3;4;y\n",
			want{n: 2, dim: 2, classes: []string{"x", "y"}, labels: []int{0, 1}, features: []string{"a", "b"}, first: []float32{1, 2}}},
		{"tabs", "a\tb\tclass\n1\t2\tx\n",
			want{n: 1, dim: 2, classes: []string{"x"}, labels: []int{0}, features: []string{"a", "b"}, first: []float32{1, 2}}},
		{"dense numeric labels kept", "target,f\n2,1\n0,2\n1,3\n2,4\n",
			want{n: 4, dim: 1, classes: []string{"0", "1", "2"}, labels: []int{2, 0, 1, 2}, features: []string{"f"}, first: []float32{1}}},
		{"other numeric labels sorted by value", "f,y\n1,10\n2,9\n3,1\n4,9\n",
			want{n: 4, dim: 1, classes: []string{"1", "9", "10"}, labels: []int{2, 1, 0, 1}, features: []string{"f"}, first: []float32{1}}},
		{"string labels sorted", "f,g\n1,b\n2,c\n3,a\n4,b\n",
			want{n: 4, dim: 1, classes: []string{"a", "b", "c"}, labels: []int{1, 2, 0, 1}, features: []string{"f"}, first: []float32{1}}},
		{"label preferred to y", "y,x,label\n1,2,u\n", want{n: 1, dim: 2, classes: []string{"u"}, labels: []int{0}, features: []string{"y", "x"}, first: []float32{1, 2}}},
		{"quotes, spaces, exponent, empty header name", "\"a\", ,Class\n\" 1e3\",-0.5 , \"cat, black\"\n",
			want{n: 1, dim: 2, classes: []string{"cat, black"}, labels: []int{0}, features: []string{"a", "column 2"}, first: []float32{1000, -0.5}}},
		{"byte order mark", "\uFEFFlabel,v\n0,1\n", want{n: 1, dim: 1, classes: []string{"0"}, labels: []int{0}, features: []string{"v"}, first: []float32{1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := ReadCSV(strings.NewReader(tc.in), "mem.csv")
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			first := make([]float32, ds.Dim)
			for j := range first {
				first[j] = ds.Train.Value(0, j)
			}
			if ds.Train.N != w.n || ds.Width != w.width || ds.Height != w.width || ds.Dim != w.dim ||
				!slices.Equal(ds.Classes, w.classes) || !slices.Equal(ds.Train.Labels, w.labels) ||
				!slices.Equal(ds.FeatureNames, w.features) || !slices.Equal(first, w.first) {
				t.Errorf("got n=%d width=%d dim=%d classes=%q labels=%v features=%q first=%v\nwant %+v",
					ds.Train.N, ds.Width, ds.Dim, ds.Classes, ds.Train.Labels, ds.FeatureNames, first, w)
			}
			if ds.Name != "mem" {
				t.Errorf("name %q, want mem", ds.Name)
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	var many strings.Builder
	many.WriteString("f,label\n")
	for i := range maxCSVClasses + 1 {
		fmt.Fprintf(&many, "1,c%d\n", i)
	}
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"empty", "", []string{"bad.csv: empty file", "header row"}},
		{"blank lines only", "\n\n", []string{"empty file"}},
		{"header only", "a,b,label\n", []string{"header but no data rows"}},
		{"header only, unnamed label", "a,b,kind\n", []string{"header but no data rows"}},
		{"pixel header only", "label,pixel1\n", []string{"header but no data rows"}},
		{"one column", "label\n1\n", []string{"line 1: only one column"}},
		{"ragged", "a,b,species\n1,2,x\n1,2\n", []string{"bad.csv, line 3: 2 cells but the header has 3 columns"}},
		{"ragged first row", "a,b,kind\n1,2\n", []string{"line 2: 2 cells but the header has 3"}},
		{"ragged headerless", "1,2,x\n1,2,3,y\n", []string{"line 2: 4 cells but the first row has 3"}},
		{"not a number", "a,b,species\n1,2,x\n1,two,y\n", []string{`line 3, column "b": cell "two" is not a number`}},
		{"NaN", "a,b,species\nNaN,2,x\n", []string{`line 2, column "a": cell "NaN" is not a finite number`}},
		{"Inf", "a,b,species\n1,-Inf,x\n", []string{`cell "-Inf" is not a finite number`, `column "b"`}},
		{"float32 overflow", "a,b,species\n1,1e39,x\n", []string{`cell "1e39" is too large for a 32-bit float`}},
		{"float64 overflow", "a,b,species\n1,1e999,x\n", []string{`cell "1e999" is too large`}},
		{"empty cell", "a,b,species\n1,,x\n", []string{"line 2", "empty cell", `column "b"`}},
		{"empty label", "a,species\n1,x\n2, \n", []string{"line 3", "empty label", `column "species"`}},
		{"no label column", "a,b,c\n1,2,3\n", []string{"no label column", "label, class, target, species or y"}},
		{"headerless numbers", "1,2,3\n4,5,6\n", []string{"no label column", "numbers only"}},
		{"pixel out of range", "label,pixel1,pixel2,pixel3,pixel4\n1,0,256,0,0\n", []string{"line 2", `pixel value "256" in column "pixel2" is not a whole number 0..255`}},
		{"pixel fraction", "label,pixel1\n1,12.5\n", []string{`"12.5"`, "pixel1"}},
		{"pixel negative", "label,pixel1\n1,-1\n", []string{`"-1"`}},
		{"pixel label", "label,pixel1\n300,1\n", []string{`label "300" in column "label" is not a whole number 0..255`}},
		{"pixel ragged", "label,pixel1\n1,2\n1\n", []string{"line 3: 1 cells but the header has 2"}},
		{"bare quote", "a,label\n1,x\"y\n", []string{"line 2", "check the quoting"}},
		{"too many classes", many.String(), []string{fmt.Sprintf("line %d:", maxCSVClasses+2), "more than 1000 different labels"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tc.in), "bad.csv")
			wantErr(t, err, tc.want...)
		})
	}
	_, err := LoadCSV(filepath.Join(t.TempDir(), "missing.csv"))
	wantErr(t, err, "cannot open", "missing.csv")
}

func FuzzReadCSV(f *testing.F) {
	// The Kaggle-style file is cut to its first rows: large seeds make
	// the fuzzer minimise slowly.
	for name, lines := range map[string]int{"iris.csv": 200, "fashion-mnist_small.csv": 2} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		rows := bytes.SplitAfter(b, []byte("\n"))
		f.Add(bytes.Join(rows[:min(lines, len(rows))], nil))
	}
	for _, s := range []string{
		"pixel0,pixel1,Label,pixel3,pixel2\n1,2,3,4,5\n6,7,0,9,10\n",
		"label,1x1,1x2,2x1,2x2\n1,0,1,2,3\n",
		"label,pixel1,pixel2,pixel3,pixel4\n9,0,0,13,255\n0,1,2,3,4\n",
		"5.1,3.5,Iris-setosa\n\n7.0,3.2,Iris-versicolor\r\n",
		"a;b;species\n1;2;x\n3;4;y\n",
		"a\tb\tclass\n1\t2\tx\n",
		"target,f\n2,1\n0,2\n1,3\n2,4\n",
		"f,y\n1,10\n2,9\n3,1\n4,9\n",
		"\"a\", ,Class\n\" 1e3\",-0.5 , \"cat, black\"\n",
		"\uFEFFlabel,v\n0,1\n",
		"a,b,c\n1,NaN,x\n", "a,b,c\n1,2\n", "label,pixel1\n300,1\n", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := ReadCSV(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			if ds != nil {
				t.Fatalf("data set returned with error %v", err)
			}
			return
		}
		if err := ds.Validate(); err != nil {
			t.Fatal(err)
		}
		if ds.IsImage() {
			if ds.Width*ds.Height != ds.Dim || ds.Width != ds.Height || ds.FeatureNames != nil || len(ds.Train.Pixels) != ds.Train.N*ds.Dim {
				t.Fatalf("image table %d×%d, dim %d, %d pixels for %d rows", ds.Width, ds.Height, ds.Dim, len(ds.Train.Pixels), ds.Train.N)
			}
			return
		}
		if len(ds.FeatureNames) != ds.Dim || ds.Train.Values == nil || ds.Width != 0 {
			t.Fatalf("table with %d feature names for %d features", len(ds.FeatureNames), ds.Dim)
		}
		for _, v := range ds.Train.Values {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("value %v", v)
			}
		}
		seen := make(map[string]bool)
		for _, c := range ds.Classes {
			if seen[c] || c == "" {
				t.Fatalf("classes %q", ds.Classes)
			}
			seen[c] = true
		}
	})
}
