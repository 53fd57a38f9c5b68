package embed

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
)

// colourData returns nTrain + nEval RGB images of side×side drawn by
// dataset.SyntheticImage in 3 classes, scaled /255, flattened HWC.
func colourData(nTrain, nEval, side int) Data {
	rng := rand.New(rand.NewPCG(7, 8))
	f := side * side * 3
	make := func(n int) (blas32.General, []int) {
		x := blas32.General{Rows: n, Cols: f, Stride: f, Data: make([]float32, n*f)}
		labels := make([]int, n)
		for i := range n {
			labels[i] = i % 3
			img := dataset.SyntheticImage(labels[i], side, rng)
			for p := range side * side {
				for c := range 3 {
					x.Data[i*f+3*p+c] = float32(img.Pix[4*p+c]) / 255
				}
			}
		}
		return x, labels
	}
	d := Data{Height: side, Width: side, Channels: 3, Classes: 3}
	d.Train, d.TrainLabels = make(nTrain)
	d.Eval, d.EvalLabels = make(nEval)
	return d
}

// TestColourNetworks trains every architecture for two epochs on RGB
// images: the networks take three channels, the embeddings have Dim
// columns, and an autoencoder's outputs are RGB images of the input's
// size.
func TestColourNetworks(t *testing.T) {
	d := colourData(48, 12, 20)
	for _, tc := range []struct {
		arch Arch
		loss Loss
	}{{Seed, Softmax}, {Small, Siamese}, {MLP, AllPairs}, {DenseAE, MSE}, {ConvAE, BCE}, {ModernAE, MSE}} {
		t.Run(string(tc.arch), func(t *testing.T) {
			cfg := DefaultConfig(tc.arch, tc.loss)
			cfg.Dim, cfg.Epochs, cfg.Batch, cfg.ProjectionSample = 6, 2, 8, 6
			tr, err := New(cfg, d)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Run(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			snap := tr.Snapshot()
			if snap.Epoch != 2 || len(snap.EpochStats) != 2 || len(snap.BatchLoss) == 0 {
				t.Fatalf("%d epochs, %d losses", snap.Epoch, len(snap.BatchLoss))
			}
			e, err := tr.Embed(context.Background(), d.Eval)
			if err != nil || e.Rows != 12 || e.Cols != 6 {
				t.Fatalf("embeddings %d×%d, %v", e.Rows, e.Cols, err)
			}
			if !tc.arch.Autoencoder() {
				return
			}
			out, _, mse, err := tr.Reconstruct(context.Background(), d.Eval)
			if err != nil || out.Rows != 12 || out.Cols != 20*20*3 || !(mse > 0 && mse < 1) {
				t.Fatalf("reconstructions %d×%d, MSE %v, %v", out.Rows, out.Cols, mse, err)
			}
			if r := snap.Reconstructions; r == nil || len(r.Output) != len(r.Index)*1200 {
				t.Errorf("snapshot reconstructions %+v", r)
			}
			dec, err := tr.Decode(context.Background(), e)
			if err != nil || dec.Cols != 1200 {
				t.Errorf("decoded %d columns, %v", dec.Cols, err)
			}
		})
	}
}

// TestColourParamCounts: MemoryEstimate's formulas count the networks
// built for RGB inputs (the first convolution takes 3 channels, the conv
// autoencoder's last outputs 3).
func TestColourParamCounts(t *testing.T) {
	for _, s := range []Shape{{32, 32, 3, 10}, {20, 24, 3, 2}} {
		for _, arch := range Archs {
			loss := Softmax
			if arch.Autoencoder() {
				loss = MSE
			}
			cfg := DefaultConfig(arch, loss)
			cfg.Batch = 4
			m := buildModel(cfg, s)
			got := int64(m.net.NumParams())
			if m.head != nil {
				got += int64(m.head.NumParams())
			}
			if want, _ := cfg.MemoryEstimate(s); got != want {
				t.Errorf("%s on %s: %d parameters, MemoryEstimate says %d", arch, s, got, want)
			}
		}
	}
	// The seed network on RGB: 9·(3−1)·32 = 576 more than on greyscale.
	c := DefaultConfig(Seed, Softmax)
	grey, _ := c.MemoryEstimate(Shape{28, 28, 1, 10})
	rgb, _ := c.MemoryEstimate(Shape{28, 28, 3, 10})
	if rgb-grey != 576 {
		t.Errorf("seed network: %d parameters on RGB, %d on greyscale", rgb, grey)
	}
}

// TestModelFilesKeepChannels: a model file records its channels; LoadFor
// refuses data of other channels, New refuses channels the convolutional
// networks do not take, and a checkpoint header claiming them is refused.
func TestModelFilesKeepChannels(t *testing.T) {
	d := colourData(32, 8, 8)
	cfg := DefaultConfig(Small, Softmax)
	cfg.Dim, cfg.Epochs, cfg.Batch = 4, 1, 8
	tr, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rgb.esm")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadFor(path, Shape{8, 8, 3, 3})
	if err != nil || back.Shape() != (Shape{8, 8, 3, 3}) {
		t.Fatalf("LoadFor RGB: %v, %v", back, err)
	}
	_, err = LoadFor(path, Shape{8, 8, 1, 3})
	if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "model expects 8×8×3 images, data has 8×8×1 images") {
		t.Errorf("greyscale data: %v", err)
	}
	two := d
	two.Channels, two.Width = 2, 12 // the same values read as 8×12×2
	for _, arch := range []Arch{Seed, Small, ConvAE} {
		loss := Softmax
		if arch.Autoencoder() {
			loss = MSE
		}
		c := DefaultConfig(arch, loss)
		c.Batch = 8
		if _, err := New(c, two); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "RGB") {
			t.Errorf("%s on 2 channels: %v", arch, err)
		}
	}
	b, err := tr.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for ch, want := range map[int]string{2: "greyscale (1 channel) or RGB (3 channel) images", 1: "weights do not match the network"} {
		_, err := UnmarshalTrainer(editHeader(t, b, "shape.channels", ch))
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), want) {
			t.Errorf("header with %d channels: %v, want %q", ch, err, want)
		}
	}
}
