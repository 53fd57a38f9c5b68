package dataset

import (
	"math"
	"testing"
)

// tinyImages returns a data set of n 2×2 images whose label is i % classes
// and whose pixels are all i % 256.
func tinyImages(n, classes int) *Dataset {
	d := &Dataset{Name: "tiny", Width: 2, Height: 2, Dim: 4}
	for c := 0; c < classes; c++ {
		d.Classes = append(d.Classes, string(rune('a'+c)))
	}
	d.Train = Part{N: n, Dim: 4, Pixels: make([]uint8, 4*n), Labels: make([]int, n)}
	for i := 0; i < n; i++ {
		d.Train.Labels[i] = i % classes
		for j := 0; j < 4; j++ {
			d.Train.Pixels[4*i+j] = uint8(i)
		}
	}
	return d
}

func TestSplitIsStratifiedSeededAndComplete(t *testing.T) {
	d := tinyImages(1000, 4) // 250 per class
	s, err := d.Split(SplitOptions{ValFraction: 0.2, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 800 || s.Val.Len() != 200 || s.Test.Len() != 0 {
		t.Fatalf("sizes %d/%d/%d, want 800/200/0", s.Train.Len(), s.Val.Len(), s.Test.Len())
	}
	perClass := make([]int, 4)
	for _, l := range s.Val.Labels() {
		perClass[l]++
	}
	for c, n := range perClass {
		if n != 50 {
			t.Errorf("class %d has %d validation rows, want 50", c, n)
		}
	}
	seen := make([]int, 1000)
	for _, sp := range []Split{s.Train, s.Val} {
		for i, r := range sp.Index {
			seen[r]++
			if i > 0 && sp.Index[i-1] >= r {
				t.Fatalf("%s indices not increasing at %d", sp.Name, i)
			}
		}
	}
	for r, n := range seen {
		if n != 1 {
			t.Fatalf("row %d appears %d times across train and validation", r, n)
		}
	}
	again, _ := d.Split(SplitOptions{ValFraction: 0.2, Seed: 7})
	other, _ := d.Split(SplitOptions{ValFraction: 0.2, Seed: 8})
	same, differs := true, false
	for i := range s.Val.Index {
		same = same && again.Val.Index[i] == s.Val.Index[i]
		differs = differs || other.Val.Index[i] != s.Val.Index[i]
	}
	if !same {
		t.Error("the same seed gave a different split")
	}
	if !differs {
		t.Error("another seed gave the same split")
	}
}

func TestSplitOptionsAndErrors(t *testing.T) {
	d := tinyImages(10, 2)
	if o := DefaultSplitOptions(d); o.ValFraction != DefaultValFraction {
		t.Errorf("no test part: default validation %v, want %v", o.ValFraction, DefaultValFraction)
	}
	d.Test = Part{N: 2, Dim: 4, Pixels: make([]uint8, 8), Labels: []int{0, 1}}
	if o := DefaultSplitOptions(d); o.ValFraction != 0 {
		t.Errorf("with a test part: default validation %v, want 0", o.ValFraction)
	}
	s, err := d.Split(SplitOptions{})
	if err != nil || s.Train.Len() != 10 || s.Val.Len() != 0 || s.Test.Len() != 2 {
		t.Errorf("no validation: %d/%d/%d, %v", s.Train.Len(), s.Val.Len(), s.Test.Len(), err)
	}
	if s.Eval().Name != "test" {
		t.Errorf("Eval() = %s, want test", s.Eval().Name)
	}
	for _, f := range []float64{-0.1, 1, 1.5, math.NaN()} {
		if _, err := d.Split(SplitOptions{ValFraction: f}); err == nil {
			t.Errorf("validation fraction %v accepted", f)
		}
	}
	// A class with a single row keeps it for training.
	one := tinyImages(3, 3)
	s, err = one.Split(SplitOptions{ValFraction: 0.9})
	if err != nil || s.Train.Len() != 3 {
		t.Errorf("single-row classes: train %d, err %v; want all 3 kept for training", s.Train.Len(), err)
	}
}

func TestScalers(t *testing.T) {
	// Two features over three rows: feature 0 = 0, 51, 255; feature 1 constant 10.
	d := &Dataset{Name: "t", Classes: []string{"x"}, Dim: 2, Width: 2, Height: 1}
	d.Train = Part{N: 3, Dim: 2, Pixels: []uint8{0, 10, 51, 10, 255, 10}, Labels: []int{0, 0, 0}}
	s, _ := d.Split(SplitOptions{})
	mean0 := (0 + 51 + 255) / 3.0
	std0 := math.Sqrt(((0-mean0)*(0-mean0) + (51-mean0)*(51-mean0) + (255-mean0)*(255-mean0)) / 3)
	cases := []struct {
		kind Scaling
		want []float64 // row 1 (51, 10) after scaling
	}{
		{ScaleNone, []float64{51, 10}},
		{ScaleDiv255, []float64{0.2, 10.0 / 255}},
		// x/255 / (std(x/255) + 0.1); feature 1 has std 0.
		{ScalePixelStd, []float64{0.2 / (std0/255 + 0.1), (10.0 / 255) / 0.1}},
		// (x − mean)/std; a constant feature is only centred.
		{ScaleStandardize, []float64{(51 - mean0) / std0, 0}},
	}
	for _, c := range cases {
		sc, err := FitScaler(c.kind, s.Train)
		if err != nil {
			t.Fatal(err)
		}
		x := sc.Transform(s.Train)
		if x.Rows != 3 || x.Cols != 2 {
			t.Fatalf("%v: %d×%d matrix", c.kind, x.Rows, x.Cols)
		}
		for j, w := range c.want {
			if got := float64(x.Data[2+j]); math.Abs(got-w) > 1e-5*math.Max(1, math.Abs(w)) {
				t.Errorf("%v: feature %d = %v, want %v", c.kind, j, got, w)
			}
		}
		back := make([]float32, 2)
		sc.Inverse(back, x.Data[2:4])
		if math.Abs(float64(back[0])-51) > 1e-3 || math.Abs(float64(back[1])-10) > 1e-3 {
			t.Errorf("%v: inverse gave %v, want [51 10]", c.kind, back)
		}
	}
	if _, err := FitScaler(ScalePixelStd, Split{Name: "empty", Part: &d.Train}); err == nil {
		t.Error("fitting on an empty split succeeded")
	}
	for i, name := range []string{"none", "div255", "pixelstd", "standardize"} {
		if s, err := ParseScaling(name); err != nil || s != Scaling(i) || s.String() != name {
			t.Errorf("ParseScaling(%q) = %v, %v", name, s, err)
		}
		if s, err := ParseScaling(ScalingLabels[i]); err != nil || s != Scaling(i) {
			t.Errorf("ParseScaling(label %q) = %v, %v", ScalingLabels[i], s, err)
		}
	}
	if _, err := ParseScaling("log"); err == nil {
		t.Error("unknown scaling accepted")
	}
}

func TestFindDuplicates(t *testing.T) {
	d := tinyImages(6, 2)
	// Rows 0..5 have pixels 0..5. Make train rows 1 and 4 copies of row 0
	// (a group of three), and test rows equal to train row 2 and to each other.
	for j := 0; j < 4; j++ {
		d.Train.Pixels[4*1+j] = 0
		d.Train.Pixels[4*4+j] = 0
	}
	d.Test = Part{N: 3, Dim: 4, Pixels: []uint8{2, 2, 2, 2, 2, 2, 2, 2, 9, 9, 9, 9}, Labels: []int{0, 0, 1}}
	got := d.FindDuplicates()
	if got.WithinTrain != 2 || got.WithinTest != 1 || got.Between != 1 || len(got.Groups) != 2 {
		t.Fatalf("got %+v, want 2 within train, 1 within test, 1 between, 2 groups", got)
	}
	g := got.Groups[0]
	if len(g.Train) != 3 || g.Train[0] != 0 || g.Train[1] != 1 || g.Train[2] != 4 || len(g.Test) != 0 {
		t.Errorf("first group %+v, want train rows 0, 1, 4", g)
	}
	g = got.Groups[1]
	if len(g.Train) != 1 || g.Train[0] != 2 || len(g.Test) != 2 {
		t.Errorf("second group %+v, want train row 2 and test rows 0, 1", g)
	}
	// Numeric tables compare values bit for bit.
	n := &Dataset{Name: "n", Classes: []string{"a"}, Dim: 2}
	n.Train = Part{N: 3, Dim: 2, Values: []float32{1.5, 2, 1.5, 2, 1.5, 2.0001}, Labels: []int{0, 0, 0}}
	if r := n.FindDuplicates(); r.WithinTrain != 1 {
		t.Errorf("numeric duplicates: %+v, want 1 within train", r)
	}
}
