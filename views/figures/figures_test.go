package figures_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/cmpimg"
	"gonum.org/v1/plot/vg"

	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/views/figures"
)

func embedded(t testing.TB) (*dataset.Dataset, dataset.Splits) {
	ds, err := workspace.Open(context.Background(), workspace.Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ds.Split(dataset.DefaultSplitOptions(ds))
	if err != nil {
		t.Fatal(err)
	}
	return ds, s
}

// ExampleClassCounts draws the Data panel's bar chart for the embedded set.
func ExampleClassCounts() {
	ds, s := embedded(nil)
	p, err := figures.ClassCounts(ds, s)
	if err != nil {
		panic(err)
	}
	if err := figures.Save(p, 8*vg.Inch, 5*vg.Inch, "testdata/class_counts.png"); err != nil {
		panic(err)
	}
}

// ExampleExamples draws the Data panel's gallery, 6 images per class.
func ExampleExamples() {
	ds, s := embedded(nil)
	p, err := figures.Examples(ds, s.Train, 6)
	if err != nil {
		panic(err)
	}
	w, h := figures.GridSize(10, 6, 12)
	if err := figures.Save(p, w, h, "testdata/examples.png"); err != nil {
		panic(err)
	}
}

func TestClassCountsGolden(t *testing.T) {
	cmpimg.CheckPlot(ExampleClassCounts, t, "class_counts.png")
}

func TestExamplesGolden(t *testing.T) {
	cmpimg.CheckPlot(ExampleExamples, t, "examples.png")
}

func TestSaveFormatsAndErrors(t *testing.T) {
	ds, s := embedded(t)
	p, err := figures.ClassCounts(ds, s)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, ext := range figures.Formats {
		path := filepath.Join(dir, "fig"+ext)
		if err := figures.Save(p, 4*vg.Inch, 3*vg.Inch, path); err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		b, err := os.ReadFile(path)
		if err != nil || len(b) < 100 {
			t.Fatalf("%s: %d bytes, %v", ext, len(b), err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "fig.png"))
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Dx(); got != 384 { // 4 in at 96 dpi
		t.Errorf("PNG is %d px wide, want 384", got)
	}
	if err := figures.Save(p, 4*vg.Inch, 3*vg.Inch, filepath.Join(dir, "fig.bmp")); err == nil {
		t.Error("saving as .bmp succeeded")
	}
	// An unwritable place: a missing folder. Nothing is left behind.
	if err := figures.Save(p, 4*vg.Inch, 3*vg.Inch, filepath.Join(dir, "no", "fig.png")); err == nil {
		t.Error("saving into a missing folder succeeded")
	}
	// A read-only folder (skipped when running as root, which may write anyway).
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o555)
	if f, err := os.CreateTemp(ro, "probe"); err == nil {
		f.Close()
		os.Remove(f.Name())
	} else if err := figures.Save(p, 4*vg.Inch, 3*vg.Inch, filepath.Join(ro, "fig.png")); err == nil {
		t.Error("saving into a read-only folder succeeded")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name()[0] == '.' {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestRenderSize(t *testing.T) {
	ds, s := embedded(t)
	p, _ := figures.ClassCounts(ds, s)
	img := figures.Render(p, 300, 200, 96)
	if b := img.Bounds(); b.Dx() != 300 || b.Dy() != 200 {
		t.Errorf("rendered %v, want 300×200", b)
	}
}

func TestImageGridEmpty(t *testing.T) {
	p := figures.ImageGrid("nothing", nil, nil)
	if err := figures.Save(p, 3*vg.Inch, 2*vg.Inch, filepath.Join(t.TempDir(), "e.png")); err != nil {
		t.Fatal(err)
	}
}

func TestNumericTableHasNoGallery(t *testing.T) {
	d := &dataset.Dataset{Name: "table", Classes: []string{"a", "b"}, Dim: 2}
	d.Train = dataset.Part{N: 2, Dim: 2, Values: []float32{1, 2, 3, 4}, Labels: []int{0, 1}}
	s, _ := d.Split(dataset.SplitOptions{})
	if _, err := figures.Examples(d, s.Train, 3); err == nil {
		t.Error("Examples of a numeric table succeeded")
	}
	if _, err := figures.ClassCounts(d, s); err != nil {
		t.Error(err)
	}
}
