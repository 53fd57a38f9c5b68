package cli

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"embedscope/app/workspace"
	"embedscope/ml/embed"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "train-siamese", Summary: "train an embedding network (siamese, contrastive or in-batch) and score kNN(5) on it", Run: runTrain})
}

// TrainResult is the last line of `embedscope train-siamese --json`; each
// epoch before it prints an embed.EpochStat.
type TrainResult struct {
	Data      string  `json:"data"`
	Arch      string  `json:"arch"`
	Loss      string  `json:"loss"`
	Dim       int     `json:"dim"`
	Epochs    int     `json:"epochs"`
	Batch     int     `json:"batch"`
	LR        float64 `json:"lr"`
	OneCycle  bool    `json:"one_cycle"`
	Params    int     `json:"params"` // of the embedding network
	Train     int     `json:"train"`
	EvalSplit string  `json:"eval_split"`
	Eval      int     `json:"eval"`
	// KNN5 is the kNN(5) accuracy of the eval split's embeddings against
	// the training split's.
	KNN5 float64 `json:"knn5_accuracy"`
	// TrainSeconds is the time spent training, per-epoch evaluations
	// included (all sessions of a resumed model); EvalSeconds the final
	// kNN evaluation; TotalSeconds this command's run after loading.
	TrainSeconds float64 `json:"train_seconds"`
	EvalSeconds  float64 `json:"eval_seconds"`
	TotalSeconds float64 `json:"total_seconds"`
	Model        string  `json:"model"`
}

const trainUsage = "train-siamese [--data D] [--arch seed|small|mlp] [--loss siamese|contrastive|softmax|allpairs] [--epochs N] [--dim 32] [--batch B] [--lr X] [--onecycle] [--out model.esm] [--resume model.esm] [--json]"

func runTrain(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "train-siamese", trainUsage)
	d.add(fs)
	arch := fs.String("arch", string(embed.Seed), "embedding network: seed (the seed notebook's conv net), small (small conv net) or mlp (any input)")
	loss := fs.String("loss", string(embed.Softmax), "training scheme: siamese (the seed's pairs, BCE), contrastive (same pairs, margin loss), softmax or allpairs (in-batch)")
	epochs := fs.Int("epochs", 0, "epochs (default 8 for softmax/allpairs, 10 for siamese/contrastive; with --resume: train up to this many)")
	dim := fs.Int("dim", 32, "embedding dimension")
	batch := fs.Int("batch", 0, "batch: pairs for siamese/contrastive (default 300), images for softmax/allpairs (default 256)")
	lr := fs.Float64("lr", 0, "Adam learning rate, the peak with --onecycle (default 3e-3 for softmax/allpairs, 1e-3 for siamese/contrastive)")
	oneCycle := fs.Bool("onecycle", false, "one-cycle learning rate (default on for softmax/allpairs, off for siamese/contrastive; --onecycle=false turns it off)")
	margin := fs.Float64("margin", 1, "margin of the contrastive losses")
	modelSeed := fs.Uint64("model-seed", 1, "seed of the weights, noise and data order")
	knnEval := fs.Int("knn-eval", 0, "after each epoch, kNN(5) accuracy of this many eval items against all train items (0: only at the end)")
	out := fs.String("out", "", "checkpoint written after every epoch (default: the --resume file, else embedscope/embedding-ARCH-LOSS.esm in the user cache folder)")
	resume := fs.String("resume", "", "continue training the model in this checkpoint")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	set := flagsSet(fs)
	ws, data, evalName, err := openEmbedData(c, &d)
	if err != nil {
		return err
	}
	var t *embed.Trainer
	if *resume != "" {
		t, err = resumeTrainer(*resume, data.Shape(), set, *epochs, *lr, func(cfg embed.Config) map[string]bool {
			return map[string]bool{
				"arch": *arch != string(cfg.Arch), "loss": *loss != string(cfg.Loss), "dim": *dim != cfg.Dim,
				"batch": *batch != cfg.Batch, "margin": *margin != cfg.Margin, "model-seed": *modelSeed != cfg.Seed,
				"onecycle": *oneCycle != cfg.OneCycle, "knn-eval": *knnEval != cfg.KNNEval,
			}
		})
		if err != nil {
			return err
		}
		if *out == "" {
			*out = *resume
		}
	} else {
		cfg := embed.DefaultConfig(embed.Arch(*arch), embed.Loss(*loss))
		cfg.Dim, cfg.Margin, cfg.Seed, cfg.KNNEval = *dim, *margin, *modelSeed, *knnEval
		cfg.ProjectionSample = 0
		overrideConfig(&cfg, set, *epochs, *batch, *lr, *oneCycle)
		if t, err = embed.New(cfg, data); err != nil {
			return err
		}
		if *out == "" {
			if *out, err = defaultModelPath(cfg); err != nil {
				return err
			}
		}
	}
	if err := t.SetCheckpointPath(*out); err != nil {
		return err
	}
	return trainAndReport(c, ws, t, data, evalName, *out)
}

// resumeTrainer loads the checkpoint at path for data of shape s. It
// refuses a flag the user set (set) whose value differs from the
// checkpoint's configuration (differs maps flag names to that), and
// applies --epochs and --lr when set.
func resumeTrainer(path string, s embed.Shape, set map[string]bool, epochs int, lr float64, differs func(embed.Config) map[string]bool) (*embed.Trainer, error) {
	t, err := embed.LoadFor(path, s)
	if err != nil {
		return nil, err
	}
	for name, d := range differs(t.Config()) {
		if set[name] && d {
			return nil, fmt.Errorf("--%s differs from the checkpoint's configuration: a resumed model keeps its own (only --epochs and --lr may change)", name)
		}
	}
	if set["epochs"] {
		if err := t.SetEpochs(epochs); err != nil {
			return nil, err
		}
	}
	if set["lr"] {
		if err := t.SetLR(lr); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// overrideConfig applies the training flags the user set to cfg.
func overrideConfig(cfg *embed.Config, set map[string]bool, epochs, batch int, lr float64, oneCycle bool) {
	if set["epochs"] {
		cfg.Epochs = epochs
	}
	if set["batch"] {
		cfg.Batch = batch
	}
	if set["lr"] {
		cfg.LR = lr
	}
	if set["onecycle"] {
		cfg.OneCycle = oneCycle
	}
}

// runTraining runs t to its end with progress on stderr (named by
// command), printing every epoch with write. Interrupted (Ctrl+C), it
// saves the checkpoint to out and says how to resume.
func runTraining(c *Context, command string, t *embed.Trainer, data embed.Data, out string, write func(io.Writer, embed.EpochStat, int)) error {
	epochs := t.Config().Epochs
	tr := progress.New()
	t.Progress = tr
	stop := c.reportProgress(command, tr)
	var emitErr error
	t.OnEpoch = func(e embed.EpochStat) {
		if err := c.emit(e, func(w io.Writer) { write(w, e, epochs) }); err != nil && emitErr == nil {
			emitErr = err
		}
	}
	err := t.Run(c.Ctx, data)
	stop()
	if err != nil {
		s := t.Snapshot()
		if c.Ctx.Err() != nil {
			if serr := t.Save(out); serr != nil {
				return fmt.Errorf("interrupted, and the checkpoint could not be written: %v", serr)
			}
			return fmt.Errorf("interrupted at epoch %d, batch %d of %d: continue with %s --resume %s", s.Epoch+1, s.Batch, s.BatchesPerEpoch, command, out)
		}
		return err
	}
	return emitErr
}

// trainAndReport runs t to its end with progress on stderr, prints every
// epoch and then the final kNN(5) accuracy.
func trainAndReport(c *Context, ws *workspace.Workspace, t *embed.Trainer, data embed.Data, evalName, out string) error {
	cfg := t.Config()
	start := time.Now()
	if !c.JSON {
		net, _ := t.NumParams()
		fmt.Fprintf(c.Stdout, "training the %s network (%d parameters, %d-d embedding) with the %s scheme on %d train items, evaluating on %d %s items\n",
			cfg.Arch, net, cfg.Dim, cfg.Loss, data.Train.Rows, data.Eval.Rows, evalName)
	}
	if err := runTraining(c, "train-siamese", t, data, out, writeEpoch); err != nil {
		return err
	}
	s := t.Snapshot()
	res := TrainResult{Data: ws.Data().Name, Arch: string(cfg.Arch), Loss: string(cfg.Loss), Dim: cfg.Dim, Epochs: cfg.Epochs,
		Batch: cfg.Batch, LR: cfg.LR, OneCycle: cfg.OneCycle, Train: data.Train.Rows, EvalSplit: evalName, Eval: data.Eval.Rows,
		TrainSeconds: s.Elapsed.Seconds(), Model: out}
	res.Params, _ = t.NumParams()
	evalStart := time.Now()
	if n := len(s.EpochStats); n > 0 && cfg.KNNEval >= data.Eval.Rows && !math.IsNaN(s.EpochStats[n-1].KNN) {
		res.KNN5 = s.EpochStats[n-1].KNN // the last epoch measured it on every eval item
	} else {
		tr := progress.New()
		tr.Stage("kNN(5) on the embeddings", 0)
		stop := c.reportProgress("train-siamese", tr)
		var err error
		res.KNN5, err = t.Evaluate(c.Ctx, data, 5)
		stop()
		if err != nil {
			return err
		}
	}
	res.EvalSeconds = time.Since(evalStart).Seconds()
	res.TotalSeconds = time.Since(start).Seconds()
	return c.emit(res, func(w io.Writer) {
		fmt.Fprintf(w, "kNN(5) accuracy of the %d-d embedding, %d %s items against %d train items: %.4f\n",
			res.Dim, res.Eval, res.EvalSplit, res.Train, res.KNN5)
		fmt.Fprintf(w, "training %.1f s, final evaluation %.1f s; model saved to %s\n", res.TrainSeconds, res.EvalSeconds, res.Model)
	})
}

func writeEpoch(w io.Writer, e embed.EpochStat, epochs int) {
	line := fmt.Sprintf("epoch %d/%d  loss %.4f  acc %.4f", e.Epoch, epochs, e.TrainLoss, e.TrainAcc)
	if !math.IsNaN(e.EvalLoss) {
		line += fmt.Sprintf("  eval loss %.4f  acc %.4f", e.EvalLoss, e.EvalAcc)
	}
	if !math.IsNaN(e.KNN) {
		line += fmt.Sprintf("  kNN(5) %.4f", e.KNN)
	}
	fmt.Fprintf(w, "%s  %.1f s + %.1f s eval, %.0f images/s\n", line, e.Seconds, e.EvalSeconds, e.ItemsPerSecond)
}

// openEmbedData opens the data of d and returns it as embed.Data (see
// embedData) with the workspace and the name of the evaluation split.
func openEmbedData(c *Context, d *dataFlags) (*workspace.Workspace, embed.Data, string, error) {
	ws, err := d.open(c)
	if err != nil {
		return nil, embed.Data{}, "", err
	}
	data, evalName, err := embedData(c, ws)
	return ws, data, evalName, err
}

// flagsSet returns the names of the flags given on the command line.
func flagsSet(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// embedData turns the workspace's features into training data: the train
// split, and the test split to evaluate on (the validation split when there
// is no test part). It also returns the name of the evaluation split.
func embedData(c *Context, ws *workspace.Workspace) (embed.Data, string, error) {
	train, val, test, err := ws.Features(c.Ctx)
	if err != nil {
		return embed.Data{}, "", err
	}
	eval := test
	if eval.Split.Len() == 0 {
		eval = val
	}
	ds := ws.Data()
	if eval.Split.Len() == 0 {
		return embed.Data{}, "", fmt.Errorf("%s has neither a test part nor a validation split to evaluate on: use --val 0.2", ds.Name)
	}
	d := embed.Data{Train: train.X, Eval: eval.X, TrainLabels: train.Split.Labels(), EvalLabels: eval.Split.Labels(),
		Height: 1, Width: ds.Dim, Channels: 1, Classes: len(ds.Classes)}
	if ds.IsImage() {
		d.Height, d.Width = ds.Height, ds.Width
	}
	return d, eval.Split.Name, nil
}

// defaultModelPath returns embedscope/embedding-ARCH-LOSS.esm in the user
// cache folder (created if needed), or in the current folder when there is
// no cache folder.
func defaultModelPath(cfg embed.Config) (string, error) {
	name := fmt.Sprintf("embedding-%s-%s.esm", cfg.Arch, cfg.Loss)
	dir, err := os.UserCacheDir()
	if err != nil {
		return name, nil
	}
	dir = filepath.Join(dir, "embedscope")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cannot create %s for the model: %v (use --out)", dir, err)
	}
	return filepath.Join(dir, name), nil
}
