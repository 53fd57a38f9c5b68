package metrics

import (
	"math"
	"testing"
)

func TestConfusionByHand(t *testing.T) {
	truth := []int{0, 0, 0, 1, 1, 2}
	pred := []int{0, 0, 1, 1, 0, 1}
	// Counts: row 0 = [2 1 0], row 1 = [1 1 0], row 2 = [0 1 0].
	c, err := NewConfusion(pred, truth, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{2, 1, 0}, {1, 1, 0}, {0, 1, 0}}
	for i := range want {
		for j := range want[i] {
			if c.Counts[i][j] != want[i][j] {
				t.Fatalf("counts %v, want %v", c.Counts, want)
			}
		}
	}
	if got := c.Accuracy(); got != 0.5 || Accuracy(pred, truth) != 0.5 {
		t.Errorf("accuracy %v, want 0.5", got)
	}
	rec, prec := c.Recall(), c.Precision()
	wantRec := []float64{2.0 / 3, 0.5, 0}
	wantPrec := []float64{2.0 / 3, 1.0 / 3, math.NaN()}
	for k := 0; k < 3; k++ {
		if math.Abs(rec[k]-wantRec[k]) > 1e-12 {
			t.Errorf("recall[%d] = %v, want %v", k, rec[k], wantRec[k])
		}
		if !(math.IsNaN(wantPrec[k]) && math.IsNaN(prec[k])) && math.Abs(prec[k]-wantPrec[k]) > 1e-12 {
			t.Errorf("precision[%d] = %v, want %v", k, prec[k], wantPrec[k])
		}
	}
	if c.Total() != 6 {
		t.Errorf("total %d", c.Total())
	}
	if _, err := NewConfusion([]int{3}, []int{0}, 3); err == nil {
		t.Error("out-of-range prediction accepted")
	}
	if Accuracy(nil, nil) != 0 {
		t.Error("accuracy of nothing is not 0")
	}
}
