package embed

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// tableData returns n rows of f random features in k classes, as a
// numeric table (Height 1, Width f).
func tableData(n, f, k int) Data {
	rng := rand.New(rand.NewPCG(1, 2))
	x := blas32.General{Rows: n, Cols: f, Stride: f, Data: make([]float32, n*f)}
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64())
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % k
	}
	return Data{Train: x, TrainLabels: labels, Eval: x, EvalLabels: labels, Height: 1, Width: f, Channels: 1, Classes: k}
}

// smallCheckpoint returns the checkpoint of a fresh trainer of arch and
// loss on d.
func smallCheckpoint(t testing.TB, arch Arch, loss Loss, d Data) []byte {
	t.Helper()
	cfg := DefaultConfig(arch, loss)
	cfg.Dim, cfg.Batch, cfg.Epochs, cfg.ProjectionSample = 4, 16, 2, 8
	tr, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// splitCheckpoint returns the header JSON of checkpoint b and what follows it
// (without the checksum).
func splitCheckpoint(b []byte) (hdr, rest []byte) {
	hl := binary.LittleEndian.Uint32(b[8:])
	return b[12 : 12+hl], b[12+hl : len(b)-4]
}

// withHeader returns checkpoint b with its header replaced by hdr and the
// checksum recomputed: a well-formed file that says what hdr says.
func withHeader(b, hdr []byte) []byte {
	_, rest := splitCheckpoint(b)
	out := append([]byte(nil), b[:8]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(hdr)))
	out = append(out, hdr...)
	out = append(out, rest...)
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

// editHeader returns checkpoint b with one header field (a path of keys
// such as "shape.height") set to v, checksum recomputed.
func editHeader(t *testing.T, b []byte, path string, v any) []byte {
	t.Helper()
	hdr, _ := splitCheckpoint(b)
	var h map[string]any
	if err := json.Unmarshal(hdr, &h); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(path, ".")
	m := h
	for _, k := range keys[:len(keys)-1] {
		m = m[k].(map[string]any)
	}
	m[keys[len(keys)-1]] = v
	out, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	return withHeader(b, out)
}

// allocated returns the bytes allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestParamCountMatchesNetworks: the parameter counts of MemoryEstimate,
// computed from formulas so that a header is checked before anything is
// built, equal those of the networks built, for every architecture and
// head on images and tables.
func TestParamCountMatchesNetworks(t *testing.T) {
	shapes := []Shape{{28, 28, 1, 10}, {21, 33, 1, 3}, {8, 8, 1, 2}, {1, 7, 1, 4}}
	for _, arch := range Archs {
		for _, loss := range Losses {
			for _, s := range shapes {
				for _, dim := range []int{2, 32, 128} {
					cfg := DefaultConfig(arch, loss)
					cfg.Dim, cfg.Batch = dim, 4
					if cfg.validate(s, 100) != nil {
						continue
					}
					m := buildModel(cfg, s)
					got := int64(m.net.NumParams())
					if m.head != nil {
						got += int64(m.head.NumParams())
					}
					if want, _ := cfg.MemoryEstimate(s); got != want {
						t.Errorf("%s/%s dim %d on %s: the network has %d parameters, MemoryEstimate says %d", arch, loss, dim, s, got, want)
					}
				}
			}
		}
	}
}

// TestNewRefusesAbsurdModels: the training form's validation (New) refuses
// sizes past the limits and models past the memory budget, with the limit
// named, before anything is allocated.
func TestNewRefusesAbsurdModels(t *testing.T) {
	d := tableData(64, 784, 10)
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"dim 100000000", func(c *Config) { c.Dim = 100_000_000 }, "embed.MaxDim"},
		{"dim 2000000000", func(c *Config) { c.Dim = 2_000_000_000 }, "embed.MaxDim"},
		{"batch", func(c *Config) { c.Batch = 1 << 20 }, "larger than the 64 training items"},
		{"epochs", func(c *Config) { c.Epochs = 1 << 30 }, "embed.MaxEpochs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig(MLP, Softmax)
			cfg.Batch = 16
			tc.edit(&cfg)
			var err error
			if a := allocated(func() { _, err = New(cfg, d) }); a > 64<<20 {
				t.Errorf("allocated %d bytes before refusing", a)
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrConfig naming %s", err, tc.want)
			}
		})
	}
	// Within every size limit, but past the memory budget: 4096-d softmax
	// codes of 4096×4096 images for 65,536 classes.
	cfg := Config{Arch: MLP, Loss: Softmax, Dim: 4096, Batch: 4096, Epochs: 1, LR: 1e-3}
	err := cfg.validate(Shape{Height: 4096, Width: 4096, Channels: 1, Classes: 1 << 16}, 1<<20)
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "memory budget of 8.0 GiB (embed.MemoryBudget)") {
		t.Errorf("error %v, want the memory budget", err)
	}
	cfg = Config{Arch: MLP, Loss: Softmax, Dim: 32, Batch: 1 << 20, Epochs: 1, LR: 1e-3}
	if err := cfg.validate(Shape{Height: 1, Width: 4, Channels: 1, Classes: 3}, 1<<24); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "embed.MaxBatch") {
		t.Errorf("error %v, want embed.MaxBatch", err)
	}
}

// TestHostileCheckpointHeaders: a checkpoint with a valid checksum whose
// header claims absurd or inconsistent values is refused with ErrCorrupt
// and a message naming the field, without building the model it claims
// (a few MB allocated at most) and without panicking.
func TestHostileCheckpointHeaders(t *testing.T) {
	d := tableData(64, 4, 3)
	good := smallCheckpoint(t, MLP, Softmax, d)
	if _, err := UnmarshalTrainer(good); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		value any
		want  string
	}{
		{"shape.height", 100000, "embed.MaxSide"},
		{"shape.width", 100000, "embed.MaxSide"},
		{"shape.height", -1, "every size must be at least 1"},
		{"shape.channels", -784, "every size must be at least 1"},
		{"shape.channels", 0, "every size must be at least 1"},
		{"shape.classes", 2_000_000_000, "embed.MaxClasses"},
		{"config.dim", 2_000_000_000, "embed.MaxDim"},
		{"config.dim", 4000, "the file holds"}, // within the limits, but the weights are not there
		{"config.dim", 0, "embedding dimension 0"},
		{"config.batch", 1 << 30, "larger than the 64 training items"},
		{"config.epochs", 1 << 40, "embed.MaxEpochs"},
		{"config.arch", "seed", "convolutional"},
		{"state.train_rows", 1 << 40, "embed.MaxTrainRows"},
		{"state.steps", 1 << 40, "step"},
		{"state.epoch", -3, "position"},
		{"state.sample_index", []int{0, 1, 1 << 30}, "projection sample"},
		{"state.sample_labels", []int{0}, "projection sample"},
		{"history.batch_loss", []float64{1, 2}, "history"},
		{"history.projections", []any{map[string]any{"x": []float64{1}, "y": []float64{1}}}, "projection 0 has 1 and 1 coordinates"},
	} {
		t.Run(tc.field+"="+strings.ReplaceAll(strings.Trim(strings.ReplaceAll(string(mustJSON(t, tc.value)), "\"", ""), "[]"), ",", "_"), func(t *testing.T) {
			b := editHeader(t, good, tc.field, tc.value)
			var err error
			if a := allocated(func() { _, err = UnmarshalTrainer(b) }); a > 8<<20 {
				t.Errorf("allocated %d bytes for a %d-byte checkpoint", a, len(b))
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrCorrupt naming %q", err, tc.want)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLoadRefusesSpecialFiles: Load reads regular files only; a FIFO
// (which would block for ever) and a device (which would never end) are
// refused at once.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "model.esm")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	if _, err := Load(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("FIFO: %v", err)
	}
	zero := filepath.Join(dir, "zero.esm")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(zero); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("/dev/zero: %v", err)
	}
}

// FuzzCheckpointHeader fuzzes the fields of the header of small
// checkpoints (an MLP on a table, a small conv net and a conv autoencoder
// on 8×8 images) that size the model and its state, recomputing the
// checksum so that the header is what is tested: decoding must never
// panic nor allocate more than a few times the file, and a checkpoint that
// decodes must embed.
func FuzzCheckpointHeader(f *testing.F) {
	bases := fuzzBases(f)
	f.Add(uint8(0), uint8(2), uint8(2), int64(4), int64(16), int64(2), int64(1), int64(4), int64(1), int64(3), int64(64), int64(64), int64(0), int64(0))
	f.Add(uint8(1), uint8(1), uint8(0), int64(4), int64(16), int64(2), int64(8), int64(8), int64(1), int64(3), int64(64), int64(64), int64(0), int64(0))
	f.Add(uint8(2), uint8(4), uint8(4), int64(4), int64(16), int64(2), int64(8), int64(8), int64(1), int64(3), int64(64), int64(64), int64(0), int64(0))
	f.Add(uint8(0), uint8(2), uint8(2), int64(100_000_000), int64(16), int64(2), int64(100000), int64(100000), int64(-1), int64(2_000_000_000), int64(64), int64(64), int64(1<<40), int64(-1))
	f.Fuzz(func(t *testing.T, which, arch, loss uint8, dim, batch, epochs, height, width, channels, classes, trainRows, evalRows, steps, epoch int64) {
		base := bases[int(which)%len(bases)]
		hdr, _ := splitCheckpoint(base)
		var top map[string]any
		if err := json.Unmarshal(hdr, &top); err != nil {
			t.Fatal(err)
		}
		h := map[string]map[string]any{}
		for _, k := range []string{"config", "shape", "state"} {
			h[k] = top[k].(map[string]any)
		}
		name := func(i uint8, names []string) string {
			if int(i) < len(names) {
				return names[i]
			}
			return "x" + strconv.Itoa(int(i)) // unknown
		}
		num := func(v int64) json.Number { return json.Number(strconv.FormatInt(v, 10)) }
		h["config"]["arch"] = name(arch, []string{"seed", "small", "mlp", "dense-ae", "conv-ae", "modern-ae"})
		h["config"]["loss"] = name(loss, []string{"siamese", "contrastive", "softmax", "allpairs", "mse", "bce"})
		h["config"]["dim"], h["config"]["batch"], h["config"]["epochs"] = num(dim), num(batch), num(epochs)
		h["shape"]["height"], h["shape"]["width"], h["shape"]["channels"], h["shape"]["classes"] = num(height), num(width), num(channels), num(classes)
		h["state"]["train_rows"], h["state"]["eval_rows"], h["state"]["steps"], h["state"]["epoch"] = num(trainRows), num(evalRows), num(steps), num(epoch)
		edited, err := json.Marshal(top)
		if err != nil {
			t.Fatal(err)
		}
		b := withHeader(base, edited)
		var tr *Trainer
		if a := allocated(func() { tr, err = UnmarshalTrainer(b) }); a > 64<<20 {
			t.Fatalf("allocated %d bytes for a checkpoint of %d", a, len(b))
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v wraps neither ErrCorrupt nor ErrConfig", err)
			}
			return
		}
		s := tr.Shape()
		tr.Snapshot()
		x := blas32.General{Rows: 2, Cols: s.Features(), Stride: s.Features(), Data: make([]float32, 2*s.Features())}
		if _, err := tr.Embed(t.Context(), x); err != nil {
			t.Fatalf("a decoded checkpoint does not embed: %v", err)
		}
	})
}

// fuzzBases returns the checkpoints FuzzCheckpointHeader edits.
func fuzzBases(t testing.TB) [][]byte {
	table := tableData(64, 4, 3)
	img := tableData(64, 64, 3)
	img.Height, img.Width = 8, 8
	return [][]byte{
		smallCheckpoint(t, MLP, Softmax, table),
		smallCheckpoint(t, Small, Siamese, img),
		smallCheckpoint(t, ConvAE, MSE, img),
	}
}
