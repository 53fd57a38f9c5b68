package tsne

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

func column(v ...float32) blas32.General {
	return blas32.General{Rows: len(v), Cols: 1, Stride: 1, Data: v}
}

func TestTrustworthinessHand(t *testing.T) {
	// X on a line with gaps 1, 2, 3, 4, 5; the map swaps the two ends.
	// With k = 1 the map's nearest neighbours are 0→4, 1→5, 2→1, 3→2,
	// 4→3, 5→1, of ranks 4, 5, 1, 1, 1, 4 in X: penalties 3 + 4 + 3 = 10
	// and T = 1 − 2·10/(6·1·(12 − 3 − 1)) = 1 − 20/48 (sklearn gives
	// 0.5833333333333334 too).
	X := column(0, 1, 3, 6, 10, 15)
	Y := column(15, 1, 3, 6, 10, 0)
	got, err := Trustworthiness(context.Background(), X, Y, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 - 20.0/48; math.Abs(got-want) > 1e-15 {
		t.Errorf("trustworthiness %v, want %v", got, want)
	}
	if got, _ := Trustworthiness(context.Background(), X, X, 2); got != 1 {
		t.Errorf("trustworthiness of the identity map %v, want 1", got)
	}
}

// TestTrustworthinessSklearn compares with sklearn 1.2.1 on data without
// distance ties:
//
//	def data(n, d, a, c):
//	    h = np.arange(n * d, dtype=np.int64).reshape(n, d)
//	    return (((h * a) ^ (h * h * c + 17)) % 10007) / 1024.0
//	X, Y = data(60, 5, 7919, 31), data(60, 2, 3571, 17)
//	for k in (1, 5, 10): print(trustworthiness(X, Y, n_neighbors=k))
func TestTrustworthinessSklearn(t *testing.T) {
	X := hashData(60, 5, 7919, 31)
	Y := hashData(60, 2, 3571, 17)
	for k, want := range map[int]float64{1: 0.4905172413793103, 5: 0.5396794871794872, 10: 0.5465917602996255} {
		got, err := Trustworthiness(context.Background(), X, Y, k)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("k = %d: trustworthiness %.16g, sklearn %.16g", k, got, want)
		}
	}
}

func TestTrustworthinessErrors(t *testing.T) {
	X := column(0, 1, 3, 6, 10, 15)
	ctx := context.Background()
	if _, err := Trustworthiness(ctx, X, column(1, 2, 3), 1); err == nil {
		t.Error("no error for maps of different sizes")
	}
	if _, err := Trustworthiness(ctx, X, X, 3); err == nil {
		t.Error("no error for k = n/2")
	}
	if _, err := Trustworthiness(ctx, column(0, 1, float32(math.NaN()), 6, 10, 15), X, 1); err == nil {
		t.Error("no error for NaN")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Trustworthiness(cancelled, X, X, 1); err == nil {
		t.Error("no error for a cancelled context")
	}
}

func TestLeaveOneOutKNN(t *testing.T) {
	// Points 0, 1, 2, 10, 11, 12, 13 with labels a a b b b b a and k = 3:
	// the votes are 0: {1:a, 2:b, 10:b} → b, 1: {0:a, 2:b, 10:b} → b,
	// 2: {1:a, 0:a, 10:b} → a, 10: {11, 12, 13} → b, 11: {10, 12, 13} → b,
	// 12: {11, 13, 10} → b, 13: {12, 11, 10} → b; right for 10, 11, 12.
	Y := column(0, 1, 2, 10, 11, 12, 13)
	labels := []int{0, 0, 1, 1, 1, 1, 0}
	got, err := LeaveOneOutKNN(context.Background(), Y, labels, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got != 3.0/7 {
		t.Errorf("accuracy %v, want 3/7", got)
	}
	if _, err := LeaveOneOut5NN(context.Background(), Y, labels[:3]); err == nil {
		t.Error("no error for too few labels")
	}
	if _, err := LeaveOneOutKNN(context.Background(), Y, labels, 7); err == nil {
		t.Error("no error for k = n")
	}
}
