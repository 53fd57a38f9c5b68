package figures

import (
	"math"
	"testing"
)

// TestSmoothedLossSitsOnTheLosses: the bias-corrected moving average of
// a straight run of losses, drawn at its centre, lies on that line (not
// above it, as it does when drawn at the last batch).
//
// Hand-computed, β = 0.98: after 2 batches with losses 99 and 98 the
// average is (0.98·99 + 98)/1.98 = 98.494949…, its lag 0.98/1.98 =
// 0.494949…, so it is drawn at batch 1.505050…, where the line 100 − k is
// 98.494949….
func TestSmoothedLossSitsOnTheLosses(t *testing.T) {
	const beta = 0.98
	if got, want := emaLag(2, beta), 0.98/1.98; math.Abs(got-want) > 1e-12 {
		t.Errorf("lag after 2 batches %v, want %v", got, want)
	}
	if got, want := emaLag(100000, beta), beta/(1-beta); math.Abs(got-want) > 1e-9 {
		t.Errorf("lag in the limit %v, want %v", got, want)
	}
	// The losses 100 − k, k = 1 … 300, smoothed as ml/embed's history does.
	var ema float64
	smooth := make([]float32, 300)
	for k := 1; k <= 300; k++ {
		ema = beta*ema + (1-beta)*(100-float64(k))
		smooth[k-1] = float32(ema / (1 - math.Pow(beta, float64(k))))
	}
	if math.Abs(float64(smooth[1])-195.02/1.98) > 1e-4 {
		t.Fatalf("smoothed after 2 batches %v, want %v", smooth[1], 195.02/1.98)
	}
	for i, p := range smoothXY(smooth, 1, beta) {
		if line := 100 - p.X; math.Abs(p.Y-line) > 1e-3 {
			t.Fatalf("point %d at batch %.3f: %.4f, the losses' line there is %.4f", i, p.X, p.Y, line)
		}
	}
	// Drawn at the last batch, as before, it sat its lag (48.3 after 300
	// batches, 49 in the limit) above the line.
	if off := float64(smooth[299]) - (100 - 300); math.Abs(off-emaLag(300, beta)) > 0.01 || off < 48 {
		t.Errorf("the average after 300 batches is %.3f above the last loss, want %.3f", off, emaLag(300, beta))
	}
	// Decimated: entry i of stride 4 stands for batches 4i+1 … 4i+4.
	if got := lossXY([]float32{1, 2}, 4); got[0].X != 2.5 || got[1].X != 6.5 {
		t.Errorf("decimated losses at %v, %v; want 2.5, 6.5", got[0].X, got[1].X)
	}
}
