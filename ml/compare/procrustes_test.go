package compare

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

func rowsOf(v [][]float32) blas32.General {
	g := blas32.General{Rows: len(v), Cols: len(v[0]), Stride: len(v[0])}
	for _, r := range v {
		g.Data = append(g.Data, r...)
	}
	return g
}

// TestAlignScipy compares with scipy 1.10.1:
//
//	from scipy.spatial import procrustes
//	a = np.array([[1, 3], [1, 2], [1, 1], [2, 1], [4, 0.5]], float)
//	b = np.array([[4, -2], [4, -4], [4, -6], [2, -6], [-1, -7.5]], float)
//	m1, m2, disparity = procrustes(a, b)
//
// m2 is the aligned b in the standardised frame of a (centred, unit
// Frobenius norm): ours, mapped back to a's frame, is a's mean plus m2
// times the norm of centred a.
func TestAlignScipy(t *testing.T) {
	A := rowsOf([][]float32{{1, 3}, {1, 2}, {1, 1}, {2, 1}, {4, 0.5}})
	B := rowsOf([][]float32{{4, -2}, {4, -4}, {4, -6}, {2, -6}, {-1, -7.5}})
	m2 := [][]float64{{-0.2796379129746369, 0.47799614161361403}, {-0.24546627391459983, 0.1541791809970721}, {-0.21129463485456274, -0.1696377796194699}, {0.11252232576197933, -0.13546614055943285}, {0.6238764959818203, -0.32707140243178373}}
	p, got, err := Align(A, B, blas32.General{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p.Disparity-0.008665082194493953) > 1e-12 {
		t.Errorf("disparity %.16g, scipy 0.008665082194493953", p.Disparity)
	}
	// Centred a: mean (1.8, 1.5); norm √(0.64·3+0.04+4.84 + 2.25+0.25+0.25+0.25+1) = √10.8.
	mean, norm := []float64{1.8, 1.5}, math.Sqrt(10.8)
	for i, r := range m2 {
		for j, v := range r {
			if want := mean[j] + norm*v; math.Abs(float64(got.Data[i*2+j])-want) > 1e-5 {
				t.Errorf("aligned B[%d][%d] = %v, want %v", i, j, got.Data[i*2+j], want)
			}
		}
	}
}

func TestAlignRecoversSimilarity(t *testing.T) {
	// B is A reflected, rotated by 30°, scaled by 2 and shifted: Align
	// must undo it exactly (scale 1/2, disparity 0).
	A := randomRows(50, 2, 0, 21)
	c, s := math.Cos(math.Pi/6), math.Sin(math.Pi/6)
	B := blas32.General{Rows: 50, Cols: 2, Stride: 2, Data: make([]float32, 100)}
	for i := 0; i < 50; i++ {
		x, y := float64(A.Data[2*i]), -float64(A.Data[2*i+1])
		B.Data[2*i] = float32(2*(c*x-s*y) + 10)
		B.Data[2*i+1] = float32(2*(s*x+c*y) - 3)
	}
	dst := blas32.General{Rows: 50, Cols: 2, Stride: 2, Data: make([]float32, 100)}
	p, got, err := Align(A, B, dst)
	if err != nil {
		t.Fatal(err)
	}
	if &got.Data[0] != &dst.Data[0] {
		t.Error("the aligned view is not in dst")
	}
	if math.Abs(p.Scale-0.5) > 1e-6 || p.Disparity > 1e-12 {
		t.Errorf("scale %v, disparity %v; want 0.5 and 0", p.Scale, p.Disparity)
	}
	for i, v := range got.Data {
		if math.Abs(float64(v-A.Data[i])) > 1e-5 {
			t.Fatalf("aligned value %d: %v, want %v", i, v, A.Data[i])
		}
	}
	// Apply in place gives the same.
	p.Apply(B, B)
	for i, v := range B.Data {
		if v != got.Data[i] {
			t.Fatalf("Apply in place: value %d is %v, Align gave %v", i, v, got.Data[i])
		}
	}
}

func TestAlignErrors(t *testing.T) {
	A := rowsOf([][]float32{{0, 0}, {1, 0}, {0, 1}})
	if _, _, err := Align(A, rowsOf([][]float32{{0, 0}, {1, 0}}), blas32.General{}); err == nil {
		t.Error("no error for views of different sizes")
	}
	if _, _, err := Align(A, rowsOf([][]float32{{2, 2}, {2, 2}, {2, 2}}), blas32.General{}); err == nil {
		t.Error("no error for a view with all points equal")
	}
	if _, _, err := Align(A, rowsOf([][]float32{{0, 0}, {1, float32(math.Inf(1))}, {0, 1}}), blas32.General{}); err == nil {
		t.Error("no error for an infinite value")
	}
}
