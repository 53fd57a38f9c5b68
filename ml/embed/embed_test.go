package embed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/blas32"
)

// TestTrainMLPOnFashion trains the MLP with the in-batch softmax scheme for
// two epochs on the 8,000 embedded training images: kNN(5) of the 2,000
// validation images in the 32-d embedding reaches 0.81 (seeds 1–4:
// 0.8085–0.8185); the floor leaves a margin for BLAS rounding.
func TestTrainMLPOnFashion(t *testing.T) {
	d := embeddedFashion(t)
	cfg := DefaultConfig(MLP, Softmax)
	cfg.Epochs = 2
	cfg.KNNEval = 500
	tr, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	var epochs []EpochStat
	tr.OnEpoch = func(e EpochStat) { epochs = append(epochs, e) }
	if err := tr.Run(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	acc, err := tr.Evaluate(context.Background(), d, 5)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.78 {
		t.Errorf("kNN(5) accuracy %.4f after 2 MLP epochs, want ≥ 0.78", acc)
	}
	s := tr.Snapshot()
	bpe := 8000 / 256
	if !s.Done || s.Running || s.Epoch != 2 || s.Batch != 0 || s.BatchesPerEpoch != bpe || s.Fraction != 1 || s.ETA != 0 {
		t.Errorf("snapshot position %+v", s)
	}
	if len(s.BatchLoss) != 2*bpe || len(s.SmoothLoss) != 2*bpe || s.LossStride != 1 || len(s.EpochStats) != 2 || len(epochs) != 2 {
		t.Fatalf("%d losses, %d smoothed, %d epoch stats (%d reported)", len(s.BatchLoss), len(s.SmoothLoss), len(s.EpochStats), len(epochs))
	}
	// The first smoothed value is the first loss (bias correction), and
	// losses fall.
	if s.SmoothLoss[0] != s.BatchLoss[0] || s.SmoothLoss[len(s.SmoothLoss)-1] >= s.SmoothLoss[0]/2 {
		t.Errorf("smoothed loss %v … %v from %v", s.SmoothLoss[0], s.SmoothLoss[len(s.SmoothLoss)-1], s.BatchLoss[0])
	}
	for i, e := range s.EpochStats {
		if e.Epoch != i+1 || !(e.TrainAcc > 0.5) || !(e.EvalAcc > 0.7) || !(e.KNN > 0.7) || !(e.Seconds > 0) ||
			!(e.ItemsPerSecond > 0) || !(e.Elapsed > 0) || !(e.EmbeddingStd > 0) || e != epochs[i] {
			t.Errorf("epoch stat %+v (reported %+v)", e, epochs[i])
		}
	}
	if len(s.Projections) != 2 || len(s.SampleIndex) != 2000 || len(s.SampleLabels) != 2000 {
		t.Fatalf("%d projections, sample %d", len(s.Projections), len(s.SampleIndex))
	}
	for i, r := range s.SampleIndex {
		if s.SampleLabels[i] != d.EvalLabels[r] {
			t.Fatal("sample labels do not match the sample rows")
		}
	}
	if p := s.Projections[1]; p.Epoch != 2 || p.Batch != 0 || len(p.X) != 2000 || len(p.Y) != 2000 {
		t.Errorf("projection %d/%d with %d points", p.Epoch, p.Batch, len(p.X))
	}
	if s.Collapse || s.Err != "" {
		t.Errorf("collapse %v, err %q", s.Collapse, s.Err)
	}
	emb, err := tr.Embed(context.Background(), d.Eval)
	if err != nil || emb.Rows != 2000 || emb.Cols != 32 {
		t.Fatalf("Embed: %v, %d×%d", err, emb.Rows, emb.Cols)
	}
	if err := tr.Run(context.Background(), d); err != nil {
		t.Errorf("Run when done: %v", err)
	}
}

// tiny returns a small slice of the embedded data for fast runs.
func tiny(t *testing.T, nTrain, nEval int) Data { return subset(embeddedFashion(t), nTrain, nEval) }

// weights returns the trainer's checkpoint bytes of its weights.
func weights(t *testing.T, tr *Trainer) []byte {
	t.Helper()
	b, err := tr.m.train.MarshalWeights()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPauseResume: a run cancelled after some batches and resumed — in the
// same trainer, or through a checkpoint file — ends with bit-for-bit the
// weights, losses, projections and (autoencoders) reconstructions of an
// uninterrupted run. The seed network (with noise
// and dropout streams to replay) runs unless -short.
func TestPauseResume(t *testing.T) {
	cases := []struct {
		arch Arch
		loss Loss
	}{{MLP, Siamese}, {MLP, Softmax}, {Small, Contrastive}, {ModernAE, MSE}, {ConvAE, BCE}}
	if !testing.Short() {
		cases = append(cases, struct {
			arch Arch
			loss Loss
		}{Seed, AllPairs})
	}
	for _, c := range cases {
		t.Run(string(c.arch)+"-"+string(c.loss), func(t *testing.T) {
			d := tiny(t, 256, 64)
			cfg := DefaultConfig(c.arch, c.loss)
			cfg.Epochs, cfg.Batch, cfg.ProjectionSample, cfg.ProjectEvery = 2, 48, 30, 3
			whole, err := New(cfg, d)
			if err != nil {
				t.Fatal(err)
			}
			if err := whole.Run(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			want := whole.Snapshot()

			paused, _ := New(cfg, d)
			stops := 0
			for {
				ctx, cancel := context.WithCancel(context.Background())
				k := 0
				paused.afterBatch = func() {
					if k++; k == 3 {
						cancel()
					}
				}
				err := paused.Run(ctx, d)
				cancel()
				if err == nil {
					break
				}
				if !errors.Is(err, context.Canceled) {
					t.Fatal(err)
				}
				stops++
				if stops == 2 { // continue from a file once
					path := t.TempDir() + "/m.esm"
					if err := paused.Save(path); err != nil {
						t.Fatal(err)
					}
					if paused, err = Load(path); err != nil {
						t.Fatal(err)
					}
				}
			}
			if stops < 3 {
				t.Fatalf("only %d pauses", stops)
			}
			got := paused.Snapshot()
			if !bytes.Equal(weights(t, whole), weights(t, paused)) {
				t.Error("weights differ from the uninterrupted run")
			}
			if !slices.Equal(got.BatchLoss, want.BatchLoss) || !slices.Equal(got.SmoothLoss, want.SmoothLoss) {
				t.Errorf("losses differ:\n%v\n%v", got.BatchLoss, want.BatchLoss)
			}
			if len(got.Projections) != len(want.Projections) || len(got.EpochStats) != 2 ||
				got.EpochStats[1].EvalLoss != want.EpochStats[1].EvalLoss {
				t.Errorf("%d projections (want %d), epoch stats %+v", len(got.Projections), len(want.Projections), got.EpochStats)
			}
			for i, p := range got.Projections {
				if q := want.Projections[i]; p.Epoch != q.Epoch || p.Batch != q.Batch || !slices.Equal(p.X, q.X) {
					t.Errorf("projection %d differs", i)
				}
			}
			if a, b := got.Reconstructions, want.Reconstructions; c.arch.Autoencoder() &&
				(a == nil || b == nil || a.Epoch != b.Epoch || a.Batch != b.Batch || !slices.Equal(a.Output, b.Output)) {
				t.Error("reconstructions differ")
			}
		})
	}
}

// TestDivergence forces a non-finite loss with a huge learning rate after
// one good epoch: Run stops with ErrDiverged naming the epoch and batch,
// and the trainer is back at the end of epoch 1 with usable weights.
func TestDivergence(t *testing.T) {
	d := tiny(t, 512, 128)
	cfg := DefaultConfig(MLP, Softmax)
	cfg.Epochs, cfg.OneCycle, cfg.LR, cfg.Batch = 3, false, 1e-3, 64
	tr, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetEpochs(1); err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	good := weights(t, tr)
	before := tr.Snapshot()
	if err := tr.SetEpochs(3); err != nil {
		t.Fatal(err)
	}
	if err := tr.SetLR(1e30); err != nil {
		t.Fatal(err)
	}
	err = tr.Run(context.Background(), d)
	if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "epoch 2, batch") ||
		!strings.Contains(err.Error(), "learning rate") || !strings.Contains(err.Error(), "after epoch 1") {
		t.Fatalf("Run with lr 1e30: %v", err)
	}
	s := tr.Snapshot()
	if s.Epoch != 1 || s.Batch != 0 || s.Err != err.Error() || s.Running || !slices.Equal(s.BatchLoss, before.BatchLoss) {
		t.Errorf("after divergence: epoch %d batch %d, err %q, %d losses", s.Epoch, s.Batch, s.Err, len(s.BatchLoss))
	}
	if !bytes.Equal(weights(t, tr), good) {
		t.Fatal("the weights of epoch 1 were not restored")
	}
	emb, err := tr.Embed(context.Background(), d.Eval)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range emb.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatal("non-finite embedding after restore")
		}
	}
	// A lower rate continues from there.
	if err := tr.SetLR(1e-3); err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if s := tr.Snapshot(); !s.Done || s.Err != "" || len(s.EpochStats) != 3 {
		t.Errorf("after a lower rate: %+v", s.EpochStats)
	}
}

// TestSnapshotWhileTraining polls Snapshot and tries the exclusive methods
// from other goroutines while Run trains (run with -race).
func TestSnapshotWhileTraining(t *testing.T) {
	d := tiny(t, 1024, 256)
	cfg := DefaultConfig(MLP, AllPairs)
	cfg.Epochs, cfg.Batch, cfg.ProjectionSample, cfg.ProjectEvery, cfg.KNNEval = 3, 64, 100, 2, 100
	cfg.CheckpointPath = t.TempDir() + "/ckpt.esm"
	tr, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	var once sync.Once
	tr.afterBatch = func() {
		once.Do(func() { close(started) })
		time.Sleep(time.Millisecond)
	}
	done := make(chan error)
	go func() { done <- tr.Run(context.Background(), d) }()
	<-started
	if err := tr.Save(t.TempDir() + "/x.esm"); !errors.Is(err, ErrRunning) {
		t.Errorf("Save while running: %v", err)
	}
	if _, err := tr.Embed(context.Background(), d.Eval); !errors.Is(err, ErrRunning) {
		t.Errorf("Embed while running: %v", err)
	}
	if err := tr.Run(context.Background(), d); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v", err)
	}
	polls := 0
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			s := tr.Snapshot()
			if !s.Done || len(s.EpochStats) != 3 || len(s.Projections) < 3 || polls == 0 {
				t.Errorf("after run: %d epochs, %d projections, %d polls", len(s.EpochStats), len(s.Projections), polls)
			}
			back, err := Load(cfg.CheckpointPath)
			if err != nil || back.Snapshot().Epoch != 3 {
				t.Errorf("checkpoint after the last epoch: %v", err)
			}
			return
		default:
		}
		s := tr.Snapshot()
		if s.Fraction < 0 || s.Fraction > 1 || len(s.SmoothLoss) != len(s.BatchLoss) {
			t.Fatalf("inconsistent snapshot %+v", s)
		}
		polls++
		time.Sleep(2 * time.Millisecond)
	}
}

// TestValidation checks the configuration and data errors of New.
func TestValidation(t *testing.T) {
	d := tiny(t, 300, 50)
	table := d
	table.Height, table.Width = 1, 784
	small := d
	small.Height, small.Width = 8, 98
	for _, c := range []struct {
		name string
		edit func(*Config)
		data Data
		want error
		msg  string
	}{
		{"batch too large", func(c *Config) { c.Batch = 400 }, d, ErrConfig, "larger than the 300 training items"},
		{"no epochs", func(c *Config) { c.Epochs = 0 }, d, ErrConfig, "0 epochs"},
		{"zero lr", func(c *Config) { c.LR = 0 }, d, ErrConfig, "learning rate"},
		{"NaN lr", func(c *Config) { c.LR = math.NaN() }, d, ErrConfig, "learning rate"},
		{"dim 0", func(c *Config) { c.Dim = 0 }, d, ErrConfig, "dimension 0"},
		{"arch", func(c *Config) { c.Arch = "resnet" }, d, ErrConfig, `unknown architecture "resnet"`},
		{"loss", func(c *Config) { c.Loss = "triplet" }, d, ErrConfig, `unknown loss "triplet"`},
		{"margin", func(c *Config) { c.Loss, c.Margin = AllPairs, 0 }, d, ErrConfig, "margin"},
		{"conv on table", func(c *Config) {}, table, ErrConfig, "not images: use the mlp"},
		{"seed on small images", func(c *Config) {}, small, ErrConfig, "at least 20×20"},
		{"labels", func(c *Config) {}, Data{Train: d.Train, TrainLabels: d.TrainLabels[:10], Height: 28, Width: 28, Channels: 1, Classes: 10}, ErrData, "10 training labels for 300 rows"},
		{"label range", func(c *Config) {}, func() Data { e := d; e.Classes = 3; return e }(), ErrData, "outside [0, 3)"},
		{"columns", func(c *Config) {}, func() Data { e := d; e.Width = 27; return e }(), ErrData, "784 values"},
	} {
		cfg := DefaultConfig(Seed, Softmax)
		c.edit(&cfg)
		_, err := New(cfg, c.data)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %v containing %q", c.name, err, c.want, c.msg)
		}
	}
	// MLP takes tables; Run refuses data of another shape or size.
	tr, err := New(DefaultConfig(MLP, Softmax), table)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background(), d); !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "model expects rows of 784 features, data has 28×28×1 images") {
		t.Errorf("Run on other shape: %v", err)
	}
	if err := tr.Run(context.Background(), subset(table, 100, 10)); !errors.Is(err, ErrData) {
		t.Errorf("Run on another training size: %v", err)
	}
	if _, err := tr.Embed(context.Background(), blas32.General{Rows: 1, Cols: 3, Stride: 3, Data: make([]float32, 3)}); !errors.Is(err, ErrShape) {
		t.Errorf("Embed of 3 columns: %v", err)
	}
	if err := tr.SetEpochs(0); err == nil {
		t.Error("SetEpochs(0) accepted")
	}
}

// TestEpochStatJSON: NaN statistics are null in JSON and come back as NaN.
func TestEpochStatJSON(t *testing.T) {
	e := EpochStat{Epoch: 2, TrainLoss: 0.5, TrainAcc: 0.75, EvalLoss: math.NaN(), EvalAcc: math.NaN(), KNN: math.NaN(), EmbeddingStd: 1}
	b, err := json.Marshal(e)
	if err != nil || !strings.Contains(string(b), `"knn":null`) {
		t.Fatalf("%s, %v", b, err)
	}
	var back EpochStat
	if err := json.Unmarshal(b, &back); err != nil || back.Epoch != 2 || back.TrainAcc != 0.75 || !math.IsNaN(back.KNN) || !math.IsNaN(back.EvalLoss) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}
