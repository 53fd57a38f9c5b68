package embed

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// trained returns a small MLP trainer paused in its second epoch, and its
// data.
func trained(t *testing.T) (*Trainer, Data) {
	t.Helper()
	d := tiny(t, 512, 128)
	cfg := DefaultConfig(MLP, Siamese)
	cfg.Epochs, cfg.Batch, cfg.ProjectionSample, cfg.KNNEval = 3, 64, 50, 128
	tr, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr.afterBatch = func() {
		if s := tr.Snapshot(); s.Epoch == 1 && s.Batch == 3 {
			cancel()
		}
	}
	if err := tr.Run(ctx, d); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	tr.afterBatch = nil
	return tr, d
}

// TestCheckpointRoundTrip: a loaded checkpoint has the configuration,
// state, history and weights of the saved trainer, embeds the same, and
// a second save gives the same bytes.
func TestCheckpointRoundTrip(t *testing.T) {
	tr, d := trained(t)
	path := filepath.Join(t.TempDir(), "model.esm")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadFor(path, d.Shape())
	if err != nil {
		t.Fatal(err)
	}
	if back.Config() != tr.Config() || back.Shape() != tr.Shape() {
		t.Errorf("config %+v, want %+v", back.Config(), tr.Config())
	}
	a, b := tr.Snapshot(), back.Snapshot()
	a.Elapsed, b.Elapsed, a.ETA, b.ETA = 0, 0, 0, 0
	if !reflect.DeepEqual(stripNaN(a), stripNaN(b)) {
		t.Errorf("snapshot after load:\n%+v\nwant\n%+v", b, a)
	}
	if b.Epoch != 1 || b.Batch != 3 || len(b.EpochStats) != 1 || len(b.Projections) != 1 {
		t.Errorf("position %d/%d, %d epoch stats", b.Epoch, b.Batch, len(b.EpochStats))
	}
	if n1, h1 := tr.NumParams(); true {
		if n2, h2 := back.NumParams(); n1 != n2 || h1 != h2 || h1 != 33 {
			t.Errorf("params %d+%d vs %d+%d", n2, h2, n1, h1)
		}
	}
	e1, _ := tr.Embed(context.Background(), d.Eval)
	e2, _ := back.Embed(context.Background(), d.Eval)
	if !slices.Equal(e1.Data, e2.Data) {
		t.Error("embeddings differ after load")
	}
	path2 := filepath.Join(t.TempDir(), "again.esm")
	if err := back.Save(path2); err != nil {
		t.Fatal(err)
	}
	b1, _ := os.ReadFile(path)
	b2, _ := os.ReadFile(path2)
	if !bytes.Equal(b1, b2) {
		t.Error("saving a loaded checkpoint changes its bytes")
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// stripNaN replaces NaN statistics (which never compare equal) by -1,
// and drops the sample's embeddings (not saved in checkpoints).
func stripNaN(s Snapshot) Snapshot {
	s.SampleEmbedding, s.SampleEpoch = blas32.General{}, 0
	s.EpochStats = slices.Clone(s.EpochStats)
	for i := range s.EpochStats {
		for _, p := range []*float64{&s.EpochStats[i].TrainAcc, &s.EpochStats[i].EvalLoss, &s.EpochStats[i].EvalAcc, &s.EpochStats[i].KNN} {
			if math.IsNaN(*p) {
				*p = -1
			}
		}
	}
	return s
}

// TestCheckpointErrors: truncated, altered, foreign and newer files and a
// model for other inputs are refused with clear errors.
func TestCheckpointErrors(t *testing.T) {
	tr, d := trained(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "model.esm")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	write := func(b []byte) string {
		p := filepath.Join(dir, "bad.esm")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, n := range []int{0, 2, 4, 11, 16, 100, len(good) / 2, len(good) - 4, len(good) - 1} {
		if _, err := Load(write(good[:n])); !errors.Is(err, ErrCorrupt) {
			t.Errorf("truncated to %d bytes: %v", n, err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		b := slices.Clone(good)
		i := rng.IntN(len(b))
		b[i] ^= 1 << rng.IntN(8)
		_, err := Load(write(b))
		if i < 4 {
			if !errors.Is(err, ErrNotModel) {
				t.Errorf("magic byte %d flipped: %v", i, err)
			}
		} else if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
			t.Errorf("byte %d flipped: %v", i, err)
		}
	}
	if _, err := Load(write([]byte("PK\x03\x04 a zip file"))); !errors.Is(err, ErrNotModel) {
		t.Errorf("foreign file: %v", err)
	}
	// A newer version with a valid checksum.
	b := slices.Clone(good)
	binary.LittleEndian.PutUint32(b[4:], checkpointVersion+1)
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
	if _, err := Load(write(b)); !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), "newer") {
		t.Errorf("newer version: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.esm")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	other := d.Shape()
	other.Height, other.Width = 8, 8
	_, err := LoadFor(path, other)
	if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "model expects 28×28×1 images, data has 8×8×1 images") {
		t.Errorf("other shape: %v", err)
	}
	more := d.Shape()
	more.Classes = 12
	if _, err := LoadFor(path, more); !errors.Is(err, ErrShape) {
		t.Errorf("more classes: %v", err)
	}
}

// TestProjectionAlignment: the projection of rotated embeddings is aligned
// back onto the previous projection.
func TestProjectionAlignment(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n, dim := 300, 8
	E := blas32.General{Rows: n, Cols: dim, Stride: dim, Data: make([]float32, n*dim)}
	for i := range E.Data {
		E.Data[i] = float32(rng.NormFloat64() * float64(1+i%dim)) // distinct variances
	}
	tr := &Trainer{}
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	x0, y0 := tr.project(E, rows)
	tr.hist.Proj = []Projection{{X: x0, Y: y0}}
	// Rotate the embedding by a random orthogonal map (Gram–Schmidt).
	q := make([][]float64, dim)
	for i := range q {
		q[i] = make([]float64, dim)
		for j := range q[i] {
			q[i][j] = rng.NormFloat64()
		}
		for k := range i {
			var dot float64
			for j := range dim {
				dot += q[i][j] * q[k][j]
			}
			for j := range dim {
				q[i][j] -= dot * q[k][j]
			}
		}
		var norm float64
		for _, v := range q[i] {
			norm += v * v
		}
		for j := range q[i] {
			q[i][j] /= math.Sqrt(norm)
		}
	}
	R := blas32.General{Rows: n, Cols: dim, Stride: dim, Data: make([]float32, n*dim)}
	for r := range n {
		for j := range dim {
			var s float64
			for k := range dim {
				s += float64(E.Data[r*dim+k]) * q[k][j]
			}
			R.Data[r*dim+j] = float32(s)
		}
	}
	x1, y1 := tr.project(R, rows)
	var maxDiff, scale float64
	for i := range n {
		maxDiff = math.Max(maxDiff, math.Max(math.Abs(float64(x1[i]-x0[i])), math.Abs(float64(y1[i]-y0[i]))))
		scale = math.Max(scale, math.Abs(float64(x0[i])))
	}
	if maxDiff > 1e-4*scale {
		t.Errorf("aligned projection differs by %g (scale %g)", maxDiff, scale)
	}
	// The first axis carries the larger variance.
	if spreadOf(x0) < spreadOf(y0) {
		t.Error("first axis has the smaller variance")
	}
}

func spreadOf(v []float32) float64 {
	var s, s2 float64
	for _, x := range v {
		s += float64(x)
		s2 += float64(x) * float64(x)
	}
	n := float64(len(v))
	return s2/n - (s/n)*(s/n)
}

// TestLossDecimation: beyond MaxLossPoints the loss history halves, each
// entry the mean of its batches, the smoothed loss that after the last.
func TestLossDecimation(t *testing.T) {
	var h history
	n := MaxLossPoints + 10
	for i := range n {
		h.addLoss(float64(i))
	}
	if h.LossStride != 2 || len(h.BatchLoss) != MaxLossPoints/2+5 || h.Batches != n {
		t.Fatalf("stride %d, %d points for %d batches", h.LossStride, len(h.BatchLoss), h.Batches)
	}
	if h.BatchLoss[0] != 0.5 || h.BatchLoss[10] != 20.5 || h.BatchLoss[len(h.BatchLoss)-1] != float32(n-2)+0.5 {
		t.Errorf("decimated means %v %v %v", h.BatchLoss[0], h.BatchLoss[10], h.BatchLoss[len(h.BatchLoss)-1])
	}
	// Bias-corrected EMA of 0, 1: (0.98·0.02·0 + 0.02·1)/(1 − 0.98²).
	if want := float32(0.02 / (1 - 0.98*0.98)); math.Abs(float64(h.SmoothLoss[0]-want)) > 1e-6 {
		t.Errorf("smoothed %v, want %v", h.SmoothLoss[0], want)
	}
}
