package figures

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/cmpimg"
	"gonum.org/v1/plot/vg"
)

var syntheticClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// syntheticBlobs returns perClass seeded Gaussian points around each of 10 class
// centres on a circle, some classes wider than others and overlapping.
func syntheticBlobs(perClass int) Projection {
	r := rand.New(rand.NewPCG(7, 11))
	d := Projection{Classes: syntheticClasses, Title: "t-SNE of 3,000 synthetic points", XLabel: "t-SNE 1", YLabel: "t-SNE 2"}
	for c := range 10 {
		a := 2 * math.Pi * float64(c) / 10
		cx, cy := 6*math.Cos(a), 4*math.Sin(a)
		s := 0.7 + 0.15*float64(c%4)
		for range perClass {
			d.X = append(d.X, float32(cx+s*r.NormFloat64()))
			d.Y = append(d.Y, float32(cy+s*r.NormFloat64()))
			d.Labels = append(d.Labels, c)
		}
	}
	return d
}

// ExampleClassScatter draws 10 classes × 300 points.
func ExampleClassScatter() {
	p := ClassScatter(syntheticBlobs(300), ScatterOptions{})
	if err := Save(p, 7*vg.Inch, 4.5*vg.Inch, "testdata/projection_scatter.png"); err != nil {
		panic(err)
	}
}

// ExampleClassScatter_view zooms in, hides two classes and marks the
// class centroids, as the app's Export does for what is on screen.
func ExampleClassScatter_view() {
	d := syntheticBlobs(300)
	visible := []bool{true, false, true, true, false}
	var marks []Mark
	for c := range 10 {
		var sx, sy float32
		for i := c * 300; i < (c+1)*300; i++ {
			sx += d.X[i]
			sy += d.Y[i]
		}
		marks = append(marks, Mark{X: sx / 300, Y: sy / 300, Label: d.Classes[c]})
	}
	p := ClassScatter(d, ScatterOptions{Visible: visible, View: &Rect{-2, 8, -2, 6}, Marks: marks})
	if err := Save(p, 7*vg.Inch, 4.5*vg.Inch, "testdata/projection_view.png"); err != nil {
		panic(err)
	}
}

// ExampleDensity draws the 2-D histogram with every 5th point on top.
func ExampleDensity() {
	p := Density(syntheticBlobs(300), 40, 5)
	if err := Save(p, 7*vg.Inch, 4.5*vg.Inch, "testdata/projection_density.png"); err != nil {
		panic(err)
	}
}

// ExampleHexbin colours hexagons by median class.
func ExampleHexbin() {
	p := Hexbin(syntheticBlobs(300), 30, 2)
	if err := Save(p, 7*vg.Inch, 4.5*vg.Inch, "testdata/projection_hexbin.png"); err != nil {
		panic(err)
	}
}

// ExampleCumulativeVariance draws a PCA-like spectrum of 100 components.
func ExampleCumulativeVariance() {
	ratios := make([]float64, 100)
	sum := 0.0
	for k := range ratios {
		ratios[k] = math.Pow(float64(k+1), -1.3)
		sum += ratios[k]
	}
	for k := range ratios {
		ratios[k] /= sum * 1.02 // the first 100 of more components
	}
	p := CumulativeVariance(ratios, 12)
	if err := Save(p, 7*vg.Inch, 4.5*vg.Inch, "testdata/projection_variance.png"); err != nil {
		panic(err)
	}
}

func TestProjectionGolden(t *testing.T) {
	cmpimg.CheckPlot(ExampleClassScatter, t, "projection_scatter.png")
	cmpimg.CheckPlot(ExampleClassScatter_view, t, "projection_view.png")
	cmpimg.CheckPlot(ExampleDensity, t, "projection_density.png")
	cmpimg.CheckPlot(ExampleHexbin, t, "projection_hexbin.png")
	cmpimg.CheckPlot(ExampleCumulativeVariance, t, "projection_variance.png")
	for _, name := range []string{"scatter", "view", "density", "hexbin", "variance"} {
		if st, err := os.Stat(filepath.Join("testdata", "projection_"+name+"_golden.png")); err == nil && st.Size() > 150<<10 {
			t.Errorf("golden %s is %d KB, keep it under 150 KB", name, st.Size()>>10)
		}
	}
}

// synthetic70k returns 70,000 points in 10 classes, as for Fashion-MNIST.
func synthetic70k() Projection {
	d := syntheticBlobs(7000)
	d.Title = "70,000 points"
	return d
}

func TestLargeProjectionRenders(t *testing.T) {
	d := synthetic70k()
	dir := t.TempDir()
	for name, p := range map[string]func() error{
		"scatter": func() error {
			return Save(ClassScatter(d, ScatterOptions{}), 10*vg.Inch, 20*vg.Inch/3, filepath.Join(dir, "s.png"))
		},
		"density": func() error { return Save(Density(d, 80, 20), 10*vg.Inch, 20*vg.Inch/3, filepath.Join(dir, "d.png")) },
		"hexbin":  func() error { return Save(Hexbin(d, 50, 3), 10*vg.Inch, 20*vg.Inch/3, filepath.Join(dir, "h.png")) },
		"svg": func() error {
			return Save(ClassScatter(d, ScatterOptions{}), 6*vg.Inch, 4*vg.Inch, filepath.Join(dir, "s.svg"))
		},
		"pdf": func() error {
			return Save(ClassScatter(d, ScatterOptions{}), 6*vg.Inch, 4*vg.Inch, filepath.Join(dir, "s.pdf"))
		},
	} {
		start := time.Now()
		if err := p(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s of 70,000 points: %v", name, time.Since(start))
	}
	for _, f := range []string{"s.png", "s.svg", "s.pdf"} {
		st, _ := os.Stat(filepath.Join(dir, f))
		t.Logf("%s: %d KB", f, st.Size()>>10)
	}
}

// A small projection goes out as vector dots in SVG and PDF.
func TestSmallProjectionVector(t *testing.T) {
	dir := t.TempDir()
	d := syntheticBlobs(20)
	for _, ext := range Formats {
		for _, p := range []*plot.Plot{ClassScatter(d, ScatterOptions{}), Density(d, 10, 1), Hexbin(d, 8, 1), CumulativeVariance([]float64{0.5, 0.3, 0.2}, 2)} {
			if err := Save(p, 5*vg.Inch, 3*vg.Inch, filepath.Join(dir, "f"+ext)); err != nil {
				t.Fatalf("%s: %v", ext, err)
			}
		}
	}
}

func TestDegenerateProjections(t *testing.T) {
	nan := float32(math.NaN())
	cases := map[string]Projection{
		"empty":      {},
		"one point":  {X: []float32{1}, Y: []float32{2}, Labels: []int{0}, Classes: []string{"a"}},
		"mismatched": {X: []float32{1, 2, 3}, Y: []float32{2}, Labels: []int{0, 5, -1}, Classes: []string{"a"}},
		"nan":        {X: []float32{nan, 1, 2}, Y: []float32{0, nan, 2}},
		"same":       {X: []float32{3, 3, 3}, Y: []float32{3, 3, 3}, Labels: []int{0, 1, 1}, Classes: []string{"a", "b"}},
	}
	dir := t.TempDir()
	for name, d := range cases {
		for _, p := range []*plot.Plot{ClassScatter(d, ScatterOptions{View: &Rect{1, 1, 0, 0}}), Density(d, 0, 0), Hexbin(d, 0, 0)} {
			if err := Save(p, 4*vg.Inch, 3*vg.Inch, filepath.Join(dir, "x.png")); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	for _, r := range [][]float64{nil, {1}, {0.5, math.NaN(), 0.2}, {0.7, 0.2, 0.1}} {
		for _, cut := range []int{-1, 0, 1, 3, 5} {
			if err := Save(CumulativeVariance(r, cut), 4*vg.Inch, 3*vg.Inch, filepath.Join(dir, "v.png")); err != nil {
				t.Errorf("variance %v cut %d: %v", r, cut, err)
			}
		}
	}
}

func TestBoundsAndOrder(t *testing.T) {
	b := Bounds(Projection{X: []float32{0, 10, float32(math.Inf(1))}, Y: []float32{-5, 5, 0}})
	if math.Abs(b.XMin+0.4) > 1e-9 || math.Abs(b.XMax-10.4) > 1e-9 || math.Abs(b.YMin+5.4) > 1e-9 {
		t.Errorf("Bounds = %+v", b)
	}
	o := DrawOrder(1000)
	seen := make([]bool, 1000)
	inPlace := 0
	for k, i := range o {
		seen[i] = true
		if int(i) == k {
			inPlace++
		}
	}
	for i, s := range seen {
		if !s {
			t.Fatalf("DrawOrder misses %d", i)
		}
	}
	if inPlace > 20 {
		t.Errorf("DrawOrder leaves %d of 1000 in place: not shuffled", inPlace)
	}
	if o2 := DrawOrder(1000); o2[0] != o[0] || o2[999] != o[999] {
		t.Error("DrawOrder is not deterministic")
	}
}

func TestRasterizePoints(t *testing.T) {
	d := Projection{X: []float32{0.25, 0.75}, Y: []float32{0.75, 0.25}, Labels: []int{0, 1}, Classes: []string{"a", "b"}}
	img := image.NewRGBA(image.Rect(0, 0, 40, 40))
	RasterizePoints(img, d, DrawOrder(2), Rect{0, 1, 0, 1}, []bool{true, false}, 4, 1)
	at := func(x, y int) color.RGBA { return img.RGBAAt(x, y) }
	// Class 0 at (0.25, 0.75) → pixel (10, 10) (y down); class 1 is hidden.
	if c := at(10, 10); c.A != 255 || c.R != Palette[0].R || c.B != Palette[0].B {
		t.Errorf("pixel of point 0 = %v, want %v", c, Palette[0])
	}
	if c := at(30, 30); c.A != 0 {
		t.Errorf("hidden point drawn: %v", c)
	}
	if c := at(20, 20); c.A != 0 {
		t.Errorf("empty pixel drawn: %v", c)
	}
	DrawCircle(img, 20, 20, 6, 1.5, color.NRGBA{0, 0, 0, 255})
	if at(26, 20).A == 0 || at(20, 20).A != 0 {
		t.Error("ring drawn wrong")
	}
}

func TestHexBinsMedian(t *testing.T) {
	// Four points near the centre (0,0) of lattice 0 and one near (0.5, 0.5)
	// of lattice 1; step 1×1.
	d := Projection{X: []float32{0, 0.1, -0.1, 0.05, 0.5}, Y: []float32{0, 0.05, -0.05, 0, 0.45}, Labels: []int{2, 0, 2, 1, 1}, Classes: []string{"a", "b", "c"}}
	cells := hexBins(d, 0, 0, 1, 1, 3)
	if len(cells) != 2 {
		t.Fatalf("%d cells, want 2: %v", len(cells), cells)
	}
	c, n := medianClass(cells[hexCell{0, 0, 0}])
	if n != 4 || c != 1 { // classes 0,1,2,2: lower median is 1
		t.Errorf("cell (0,0): median %d of %d, want 1 of 4", c, n)
	}
	if c, n := medianClass(cells[hexCell{1, 0, 0}]); n != 1 || c != 1 {
		t.Errorf("cell (1,0,0): median %d of %d", c, n)
	}
}
