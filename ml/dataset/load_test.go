package dataset

import (
	"context"
	"errors"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	s := newIDXSet(20, 10, 3, 10)
	root := t.TempDir()
	png := encodePNG(t, uniform(4, 4, color.NRGBA{9, 9, 9, 255}))
	writeFiles(t, root, map[string][]byte{
		"idx/train-images-idx3-ubyte.gz": gz(s.trainImages), "idx/train-labels-idx1-ubyte.gz": gz(s.trainLabels),
		"idx/t10k-images-idx3-ubyte.gz": gz(s.testImages), "idx/t10k-labels-idx1-ubyte.gz": gz(s.testLabels),
		"extra/emnist-tiny-train-images-idx3-ubyte.gz": gz(s.trainImages), "extra/emnist-tiny-train-labels-idx1-ubyte": s.trainLabels,
		"extra/emnist-tiny-test-images-idx3-ubyte": s.testImages,
		"images/cat/1.png":                         png, "images/dog/1.png": png,
		"table.CSV":       []byte("a,b,label\n1,2,x\n3,4,y\n"),
		"notes.txt":       []byte("hello"),
		"empty-dir/.keep": nil,
		"csvs/t.csv":      []byte("a,label\n1,x\n"),
	})
	in := func(p string) string { return filepath.Join(root, p) }
	for _, tc := range []struct {
		path      string
		wantName  string
		wantTrain int
		wantTest  int
		image     bool
	}{
		{in("idx"), "idx", 20, 10, true},
		{in("idx/t10k-images-idx3-ubyte.gz"), "idx", 20, 10, true}, // a standard name: the whole folder
		{in("extra/emnist-tiny-train-images-idx3-ubyte.gz"), "emnist-tiny-train-images-idx3-ubyte", 20, 0, true},
		{in("images"), "images", 2, 0, true},
		{in("table.CSV"), "table", 2, 0, false},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			var calls int
			var last [2]int
			ds, err := Load(t.Context(), tc.path, func(done, total int) { calls++; last = [2]int{done, total} })
			if err != nil {
				t.Fatal(err)
			}
			if ds.Name != tc.wantName || ds.Train.N != tc.wantTrain || ds.Test.N != tc.wantTest || ds.IsImage() != tc.image || ds.Source != tc.path {
				t.Errorf("got %q: %d train, %d test, image %v, source %q", ds.Name, ds.Train.N, ds.Test.N, ds.IsImage(), ds.Source)
			}
			if calls == 0 || last[0] != last[1] || last[1] == 0 {
				t.Errorf("progress: %d calls, last %v", calls, last)
			}
		})
	}

	for _, tc := range []struct {
		path string
		want []string
	}{
		{in("missing"), []string{"cannot open the data set", "missing"}},
		{in("notes.txt"), []string{"notes.txt: unsupported file", "a .csv file"}},
		{in("csvs"), []string{"neither IDX files nor class sub-folders", "choose the file itself", filepath.Join("csvs", "t.csv")}},
		{in("empty-dir"), []string{"empty-dir is empty", "one sub-folder per class"}},
		{in("extra/emnist-tiny-test-images-idx3-ubyte"), []string{"no labels file beside it", "emnist-tiny-test-labels-idx1-ubyte(.gz)"}},
		{in("extra/emnist-tiny-train-labels-idx1-ubyte"), []string{"is an IDX labels file", "choose the images file"}},
	} {
		t.Run("error "+filepath.Base(tc.path), func(t *testing.T) {
			_, err := Load(t.Context(), tc.path, nil)
			wantErr(t, err, tc.want...)
		})
	}
}

func TestLoadCancelled(t *testing.T) {
	s := newIDXSet(20, 10, 3, 10)
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"idx/train-images-idx3-ubyte.gz": gz(s.trainImages), "idx/train-labels-idx1-ubyte.gz": gz(s.trainLabels),
		"t.csv": []byte("a,label\n1,x\n"),
	})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, p := range []string{"idx", "t.csv"} {
		if _, err := Load(ctx, filepath.Join(dir, p), nil); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: got %v, want context.Canceled", p, err)
		}
	}
}

func TestIDXLabelsNames(t *testing.T) {
	got := idxLabelsNames("emnist-train-images-idx3-ubyte.gz")
	want := []string{"emnist-train-labels-idx1-ubyte.gz", "emnist-train-labels-idx1-ubyte", "emnist-train-labels-idx1-ubyte.gz"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLoadNeverPanics(t *testing.T) {
	// Files of each kind with contents of the other kinds.
	dir := t.TempDir()
	contents := [][]byte{nil, {0x1f, 0x8b}, {0, 0, 8, 3}, []byte("label,pixel1\n"), gz([]byte("label\n")), []byte("\x00\x00\x08\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")}
	for i, c := range contents {
		for _, name := range []string{"x.csv", "train-images-idx3-ubyte", "x-images-idx3-ubyte"} {
			p := filepath.Join(dir, strings.Repeat("d", i+1), name)
			writeFiles(t, filepath.Dir(p), map[string][]byte{name: c, "x-labels-idx1-ubyte": c, "train-labels-idx1-ubyte": c})
			if _, err := Load(t.Context(), p, nil); err == nil {
				t.Errorf("%s holding %q: no error", name, c)
			}
		}
	}
	if err := os.Chmod(filepath.Join(dir, "d", "x.csv"), 0); err == nil && os.Geteuid() != 0 {
		_, err := Load(t.Context(), filepath.Join(dir, "d", "x.csv"), nil)
		wantErr(t, err, "cannot open")
	}
}
