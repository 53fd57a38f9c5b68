package cli

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"embedscope/app/service"
	"embedscope/ml/embed"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "train-siamese", Summary: "train an embedding network (siamese, contrastive or in-batch) and score kNN(5) on it", Run: runTrain})
}

// TrainResult is the last line of `embedscope train-siamese --json`; each
// epoch before it prints an embed.EpochStat.
type TrainResult struct {
	RunID     string  `json:"run_id"`
	Name      string  `json:"name"`
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
	EvalSplit string  `json:"eval_split"` // the split of knn5: test, else validation
	Eval      int     `json:"eval"`
	// KNN5 is the kNN(5) accuracy of the eval split's embeddings against
	// the training split's; KNN5Val and KNN5Test those of each split.
	KNN5     float64  `json:"knn5"`
	KNN5Val  *float64 `json:"knn5_val,omitempty"`
	KNN5Test *float64 `json:"knn5_test,omitempty"`
	// TrainSeconds is the time spent training, per-epoch evaluations
	// included (all sessions of a resumed model); EvalSeconds the final
	// evaluation; TotalSeconds this command's run after loading.
	TrainSeconds float64 `json:"train_seconds"`
	EvalSeconds  float64 `json:"eval_seconds"`
	TotalSeconds float64 `json:"total_seconds"`
	Model        string  `json:"model,omitempty"` // the model file written with --out
}

const trainUsage = "train-siamese [--data D] [--arch seed|small|mlp] [--loss siamese|contrastive|softmax|allpairs] [--epochs N] [--dim 32] [--batch B] [--lr X] [--onecycle] [--out model.esm] [--resume RUN|model.esm] [--json]"

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
	out := fs.String("out", "", "also write the model to this file after every epoch (the run keeps its own checkpoint in the store)")
	resume := fs.String("resume", "", "continue training a run (its ID, from embedscope runs list) or a model file (.esm)")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	set := flagsSet(fs)
	if *out == "" && strings.HasSuffix(*resume, ".esm") {
		*out = *resume // a resumed model file is written back
	}
	if err := checkOut(*out); err != nil {
		return err
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	t, err := openTraining(c, svc, *resume, set, *epochs, *lr, func(cfg embed.Config) map[string]bool {
		return map[string]bool{
			"arch": *arch != string(cfg.Arch), "loss": *loss != string(cfg.Loss), "dim": *dim != cfg.Dim,
			"batch": *batch != cfg.Batch, "margin": *margin != cfg.Margin, "model-seed": *modelSeed != cfg.Seed,
			"onecycle": *oneCycle != cfg.OneCycle, "knn-eval": *knnEval != cfg.KNNEval,
		}
	}, func() (embed.Config, error) {
		cfg := embed.DefaultConfig(embed.Arch(*arch), embed.Loss(*loss))
		if cfg.Arch.Autoencoder() {
			return cfg, fmt.Errorf("%s is an autoencoder: train it with train-ae", *arch)
		}
		cfg.Dim, cfg.Margin, cfg.Seed, cfg.KNNEval = *dim, *margin, *modelSeed, *knnEval
		cfg.ProjectionSample = 0
		overrideConfig(&cfg, set, *epochs, *batch, *lr, *oneCycle)
		return cfg, nil
	})
	if err != nil {
		return err
	}
	if t.Trainer.Config().Arch.Autoencoder() {
		return fmt.Errorf("%s is an autoencoder: continue it with train-ae --resume", t.Record().Name)
	}
	start := time.Now()
	cfg := t.Trainer.Config()
	if !c.JSON {
		net, _ := t.Trainer.NumParams()
		fmt.Fprintf(c.Stdout, "training %s (run %s): %d parameters, on %d train items, evaluating on %d %s items\n",
			t.Record().Name, t.Record().ID, net, t.Data.Train.Rows, t.Data.Eval.Rows, t.EvalSplit)
	}
	err = runTraining(c, "train-siamese", t, writeEpoch)
	if werr := writeOut(svc, t, *out); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	evalStart := time.Now()
	tr := progress.New()
	stop := c.reportProgress("train-siamese: kNN(5) on the embeddings", tr)
	pub, err := t.Publish(c.Ctx, service.PublishOptions{}, tr)
	stop()
	if err != nil {
		return err
	}
	rec := pub.Run
	res := TrainResult{RunID: rec.ID, Name: rec.Name, Data: svc.WS.Data().Name, Arch: string(cfg.Arch), Loss: string(cfg.Loss), Dim: cfg.Dim,
		Epochs: cfg.Epochs, Batch: cfg.Batch, LR: cfg.LR, OneCycle: cfg.OneCycle, Train: t.Data.Train.Rows,
		EvalSplit: pub.EvalSplit, Eval: pub.Space.Split(pub.EvalSplit).Rows, KNN5: pub.KNN5[pub.EvalSplit],
		TrainSeconds: t.Trainer.Snapshot().Elapsed.Seconds(), EvalSeconds: time.Since(evalStart).Seconds(), Model: *out}
	res.KNN5Val, res.KNN5Test = splitScore(pub.KNN5, "validation"), splitScore(pub.KNN5, "test")
	res.Params, _ = t.Trainer.NumParams()
	res.TotalSeconds = time.Since(start).Seconds()
	return c.emit(res, func(w io.Writer) {
		fmt.Fprintf(w, "kNN(5) accuracy of the %d-d embedding, %d %s items against %d train items: %.4f\n",
			res.Dim, res.Eval, res.EvalSplit, res.Train, res.KNN5)
		fmt.Fprintf(w, "training %.1f s, final evaluation %.1f s; run %s (%s)", res.TrainSeconds, res.EvalSeconds, res.RunID, res.Name)
		if res.Model != "" {
			fmt.Fprintf(w, "; model saved to %s", res.Model)
		}
		fmt.Fprintln(w)
	})
}

func splitScore(m map[string]float64, split string) *float64 {
	if v, ok := m[split]; ok {
		return &v
	}
	return nil
}

// openTraining returns the training to run: the run or model file named by
// resume (refusing a flag the user set (set) whose value differs from its
// configuration, per differs, and applying --epochs and --lr when set), or
// a new run of the configuration fresh returns.
func openTraining(c *Context, svc *service.Service, resume string, set map[string]bool, epochs int, lr float64,
	differs func(embed.Config) map[string]bool, fresh func() (embed.Config, error)) (*service.Training, error) {
	if resume == "" {
		cfg, err := fresh()
		if err != nil {
			return nil, err
		}
		return svc.NewTraining(c.Ctx, service.TrainRequest{Config: cfg})
	}
	var t *service.Training
	var err error
	if _, statErr := os.Stat(resume); statErr == nil || strings.HasSuffix(resume, ".esm") {
		t, err = svc.ImportModel(c.Ctx, resume)
	} else {
		r, rerr := svc.ResolveRun(resume)
		if rerr != nil {
			return nil, rerr
		}
		t, err = svc.ResumeTraining(c.Ctx, r.ID, 0)
	}
	if err != nil {
		return nil, err
	}
	for name, d := range differs(t.Trainer.Config()) {
		if set[name] && d {
			return nil, fmt.Errorf("--%s differs from the configuration of %s: a resumed model keeps its own (only --epochs and --lr may change)", name, resume)
		}
	}
	if set["epochs"] {
		if err := t.Trainer.SetEpochs(epochs); err != nil {
			return nil, err
		}
	}
	if set["lr"] {
		if err := t.Trainer.SetLR(lr); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// checkOut refuses an --out the model could not be written to, before
// any training.
func checkOut(path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("--out %s is a folder: give a file name, e.g. %s", path, filepath.Join(path, "model.esm"))
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("--out %s: the folder %s does not exist", path, dir)
	}
	return nil
}

// writeOut copies the run's model to --out (when given).
func writeOut(svc *service.Service, t *service.Training, path string) error {
	if path == "" {
		return nil
	}
	if svc.Store() == nil {
		return t.Trainer.Save(path)
	}
	_, err := svc.ExportModel(t.Record().ID, path)
	return err
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
// command), printing every epoch with write. Interrupted (Ctrl+C), the run
// is kept, paused, with its checkpoint, and the error says how to resume.
func runTraining(c *Context, command string, t *service.Training, write func(io.Writer, embed.EpochStat, int)) error {
	epochs := t.Trainer.Config().Epochs
	tr := progress.New()
	stop := c.reportProgress(command, tr)
	var emitErr error
	err := t.Run(c.Ctx, tr, func(e embed.EpochStat) {
		if err := c.emit(e, func(w io.Writer) { write(w, e, epochs) }); err != nil && emitErr == nil {
			emitErr = err
		}
	})
	stop()
	if err != nil {
		if c.Ctx.Err() != nil {
			s := t.Trainer.Snapshot()
			return fmt.Errorf("interrupted at epoch %d, batch %d of %d; the run is kept, paused: continue with %s --resume %s",
				s.Epoch+1, s.Batch, s.BatchesPerEpoch, command, t.Record().ID)
		}
		return err
	}
	return emitErr
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

// flagsSet returns the names of the flags given on the command line.
func flagsSet(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
