package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/embed"
	"embedscope/ml/kmeans"
	"embedscope/ml/metrics"
	"embedscope/ml/progress"
	"embedscope/ml/tsne"
)

func init() {
	register(command{Name: "train-ae", Summary: "train an autoencoder (dense, conv or modern) and cluster its code with k-means", Run: runTrainAE})
}

// aeArchs maps the --arch names of train-ae to architectures.
var aeArchs = map[string]embed.Arch{"dense": embed.DenseAE, "conv": embed.ConvAE, "modern": embed.ModernAE}

// ClusterScores compare the k-means clusters of the training rows with
// their classes.
type ClusterScores struct {
	K              int     `json:"k"`
	NInit          int     `json:"n_init"`
	Inertia        float64 `json:"inertia"`
	PurityMean     float64 `json:"purity_mean"`
	PurityWeighted float64 `json:"purity_weighted"`
	NMI            float64 `json:"nmi"`
	ARI            float64 `json:"ari"`
	Accuracy       float64 `json:"accuracy"` // Hungarian-matched
	Seconds        float64 `json:"seconds"`  // t-SNE (when mapped) and k-means
}

// TrainAEResult is the last line of `embedscope train-ae --json`; each
// epoch before it prints an embed.EpochStat (with the reconstruction loss
// as eval_loss).
type TrainAEResult struct {
	Data          string  `json:"data"`
	Arch          string  `json:"arch"`
	Loss          string  `json:"loss"`
	Dim           int     `json:"dim"`
	Epochs        int     `json:"epochs"`
	Batch         int     `json:"batch"`
	LR            float64 `json:"lr"`
	OneCycle      bool    `json:"one_cycle"`
	EncoderParams int     `json:"encoder_params"`
	DecoderParams int     `json:"decoder_params"`
	Train         int     `json:"train"`
	EvalSplit     string  `json:"eval_split"`
	Eval          int     `json:"eval"`
	// EvalLoss is the training loss (MSE or BCE, mean over all values) of
	// the reconstructions of the eval split, EvalMSE their mean squared
	// error, and MeanImageMSE that of the mean training item, the
	// baseline of reconstruction.
	EvalLoss     float64 `json:"eval_loss"`
	EvalMSE      float64 `json:"eval_mse"`
	MeanImageMSE float64 `json:"mean_image_mse"`
	// KMeans clusters the code of the training rows; TSNE, with --tsne,
	// their t-SNE map.
	KMeans ClusterScores  `json:"kmeans"`
	TSNE   *ClusterScores `json:"tsne_kmeans,omitempty"`
	// TrainSeconds is the time spent training, per-epoch evaluations
	// included (all sessions of a resumed model); TotalSeconds this
	// command's run after loading.
	TrainSeconds float64 `json:"train_seconds"`
	TotalSeconds float64 `json:"total_seconds"`
	Model        string  `json:"model"`
}

const trainAEUsage = "train-ae [--data D] [--arch dense|conv|modern] [--dim d] [--epochs N] [--loss mse|bce] [--batch B] [--lr X] [--onecycle] [--out model.esm] [--resume model.esm] [--tsne] [--json]"

func runTrainAE(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "train-ae", trainAEUsage)
	d.add(fs)
	arch := fs.String("arch", "dense", "autoencoder: dense (seed 004: sigmoid 784-64-32-d), conv (seed 003: conv 16-8-8 with pooling, 4×4×8 code) or modern (ReLU 512-256-d, linear code)")
	dim := fs.Int("dim", 0, "size of the code (default 32; for conv the 4×4×8 = 128 values of its last pooling)")
	loss := fs.String("loss", "", "reconstruction loss: mse or bce (default mse; bce for conv); bce needs features in [0, 1]")
	epochs := fs.Int("epochs", 0, "epochs (default 20 for dense, 10 for conv and modern; with --resume: train up to this many)")
	batch := fs.Int("batch", 0, "images per batch (default 256)")
	lr := fs.Float64("lr", 0, "Adam learning rate, the peak with --onecycle (default 1e-3 for dense, 2e-3 for conv, 3e-3 for modern)")
	oneCycle := fs.Bool("onecycle", false, "one-cycle learning rate (default on for modern only)")
	modelSeed := fs.Uint64("model-seed", 1, "seed of the weights and data order")
	knnEval := fs.Int("knn-eval", 0, "after each epoch, kNN(5) accuracy in the code of this many eval items against all train items")
	out := fs.String("out", "", "checkpoint written after every epoch (default: the --resume file, else embedscope/autoencoder-ARCH-DIM.esm in the user cache folder)")
	resume := fs.String("resume", "", "continue training the autoencoder in this checkpoint (with no more epochs: only evaluate it)")
	nInit := fs.Int("n-init", 3, "k-means restarts")
	withTSNE := fs.Bool("tsne", false, "also cluster a t-SNE map of the training code (autoencoder → t-SNE → k-means)")
	tsneExag := fs.Float64("tsne-exaggeration", 0, "with --tsne: exaggerate the affinities by this factor for the whole run (4 draws tighter, UMAP-like clusters that k-means separates better); 0: the standard 12 for the first 250 iterations")
	tsnePerp := fs.Float64("tsne-perplexity", 30, "with --tsne: the perplexity of the map")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	set := flagsSet(fs)
	a, ok := aeArchs[*arch]
	if !ok {
		a = embed.Arch(*arch)
		if !a.Autoencoder() {
			return fmt.Errorf("unknown autoencoder %q: use dense, conv or modern", *arch)
		}
	}
	ws, data, evalName, err := openEmbedData(c, &d)
	if err != nil {
		return err
	}
	var t *embed.Trainer
	if *resume != "" {
		t, err = resumeTrainer(*resume, data.Shape(), set, *epochs, *lr, func(cfg embed.Config) map[string]bool {
			return map[string]bool{
				"arch": a != cfg.Arch, "loss": *loss != string(cfg.Loss), "dim": *dim != cfg.Dim, "batch": *batch != cfg.Batch,
				"model-seed": *modelSeed != cfg.Seed, "onecycle": *oneCycle != cfg.OneCycle, "knn-eval": *knnEval != cfg.KNNEval,
			}
		})
		if err != nil {
			return err
		}
		if cfg := t.Config(); !cfg.Arch.Autoencoder() {
			return fmt.Errorf("%s holds the %s embedding network, not an autoencoder: use train-siamese --resume", *resume, cfg.Arch)
		}
		if *out == "" {
			*out = *resume
		}
	} else {
		l := embed.MSE
		if a == embed.ConvAE {
			l = embed.BCE
		}
		if set["loss"] {
			l = embed.Loss(*loss)
		}
		cfg := embed.DefaultConfig(a, l)
		cfg.Seed, cfg.KNNEval, cfg.ProjectionSample = *modelSeed, *knnEval, 0
		if a == embed.ConvAE {
			cfg.Dim = embed.ConvCode(data.Shape())
		}
		if set["dim"] {
			cfg.Dim = *dim
		}
		overrideConfig(&cfg, set, *epochs, *batch, *lr, *oneCycle)
		if t, err = embed.New(cfg, data); err != nil {
			return err
		}
		if *out == "" {
			name := fmt.Sprintf("autoencoder-%s-%d.esm", strings.TrimSuffix(string(a), "-ae"), cfg.Dim)
			if *out, err = cachePath(name); err != nil {
				return err
			}
		}
	}
	if err := t.SetCheckpointPath(*out); err != nil {
		return err
	}
	if *withTSNE && (*tsneExag != 0 && (*tsneExag < 1 || *tsneExag > 100) || !(*tsnePerp > 0)) {
		return fmt.Errorf("--tsne-exaggeration must be 0 (standard) or from 1 to 100, and --tsne-perplexity above 0")
	}
	tcfg := tsne.TSNE{Perplexity: *tsnePerp}
	if *tsneExag > 0 {
		tcfg.EarlyExaggeration, tcfg.ExaggerationIters = *tsneExag, 1<<30
	}
	return trainAEAndReport(c, ws, t, data, evalName, *out, *nInit, *withTSNE, tcfg)
}

// trainAEAndReport runs t to its end with progress on stderr, prints every
// epoch, then the reconstruction loss and the k-means scores of the code.
func trainAEAndReport(c *Context, ws *workspace.Workspace, t *embed.Trainer, data embed.Data, evalName, out string, nInit int, withTSNE bool, tcfg tsne.TSNE) error {
	cfg := t.Config()
	start := time.Now()
	enc, dec := t.NumParams()
	if !c.JSON {
		fmt.Fprintf(c.Stdout, "training the %s autoencoder (%d + %d parameters, %d-d code) with the %s loss on %d train items, evaluating on %d %s items\n",
			cfg.Arch, enc, dec, cfg.Dim, cfg.Loss, data.Train.Rows, data.Eval.Rows, evalName)
	}
	if err := runTraining(c, "train-ae", t, data, out, writeAEEpoch); err != nil {
		return err
	}
	s := t.Snapshot()
	res := TrainAEResult{Data: ws.Data().Name, Arch: string(cfg.Arch), Loss: string(cfg.Loss), Dim: cfg.Dim, Epochs: cfg.Epochs,
		Batch: cfg.Batch, LR: cfg.LR, OneCycle: cfg.OneCycle, EncoderParams: enc, DecoderParams: dec,
		Train: data.Train.Rows, EvalSplit: evalName, Eval: data.Eval.Rows, TrainSeconds: s.Elapsed.Seconds(), Model: out}
	var err error
	if _, res.EvalLoss, res.EvalMSE, err = t.Reconstruct(c.Ctx, data.Eval); err != nil {
		return err
	}
	res.MeanImageMSE = meanItemMSE(data.Train, data.Eval)
	code, err := t.Embed(c.Ctx, data.Train)
	if err != nil {
		return err
	}
	k := len(ws.Data().Classes)
	if res.KMeans, err = clusterScores(c, code, data.TrainLabels, k, nInit); err != nil {
		return err
	}
	if withTSNE {
		m, err := tsneMap(c, code, tcfg)
		if err != nil {
			return err
		}
		sc, err := clusterScores(c, m.Embedding, data.TrainLabels, k, nInit)
		if err != nil {
			return err
		}
		sc.Seconds += m.seconds
		res.TSNE = &sc
	}
	res.TotalSeconds = time.Since(start).Seconds()
	return c.emit(res, func(w io.Writer) {
		fmt.Fprintf(w, "reconstruction of the %d %s items: %s %.5f, MSE %.5f (mean image %.5f)\n",
			res.Eval, res.EvalSplit, res.Loss, res.EvalLoss, res.EvalMSE, res.MeanImageMSE)
		writeScores(w, fmt.Sprintf("k-means on the %d-d code of the %d train items", res.Dim, res.Train), res.KMeans)
		if res.TSNE != nil {
			writeScores(w, "k-means on the t-SNE map of the code", *res.TSNE)
		}
		fmt.Fprintf(w, "training %.1f s, total %.1f s; model saved to %s\n", res.TrainSeconds, res.TotalSeconds, res.Model)
	})
}

func writeAEEpoch(w io.Writer, e embed.EpochStat, epochs int) {
	line := fmt.Sprintf("epoch %d/%d  loss %.5f", e.Epoch, epochs, e.TrainLoss)
	if !math.IsNaN(e.EvalLoss) {
		line += fmt.Sprintf("  eval loss %.5f", e.EvalLoss)
	}
	if !math.IsNaN(e.KNN) {
		line += fmt.Sprintf("  kNN(5) %.4f", e.KNN)
	}
	fmt.Fprintf(w, "%s  %.1f s + %.1f s eval, %.0f images/s\n", line, e.Seconds, e.EvalSeconds, e.ItemsPerSecond)
}

func writeScores(w io.Writer, what string, s ClusterScores) {
	fmt.Fprintf(w, "%s (k=%d, %d restarts): purity %.3f mean / %.3f weighted, NMI %.3f, ARI %.3f, matched accuracy %.3f, %.1f s\n",
		what, s.K, s.NInit, s.PurityMean, s.PurityWeighted, s.NMI, s.ARI, s.Accuracy, s.Seconds)
}

// clusterScores runs k-means (nInit seeded restarts) on the rows of X and
// scores the clusters against labels.
func clusterScores(c *Context, X blas32.General, labels []int, k, nInit int) (ClusterScores, error) {
	if k < 1 || k > X.Rows {
		return ClusterScores{}, fmt.Errorf("k = %d clusters is impossible with %d rows", k, X.Rows)
	}
	tr := progress.New()
	stop := c.reportProgress("k-means", tr)
	start := time.Now()
	m, err := kmeans.KMeans{K: k, NInit: nInit, Progress: tr}.Fit(c.Ctx, X)
	stop()
	if err != nil {
		return ClusterScores{}, err
	}
	s := ClusterScores{K: k, NInit: nInit, Inertia: m.Inertia, Seconds: time.Since(start).Seconds()}
	s.PurityMean, s.PurityWeighted = metrics.Purity(m.Labels, labels)
	s.NMI, s.ARI = metrics.NMI(m.Labels, labels), metrics.ARI(m.Labels, labels)
	s.Accuracy, _ = metrics.ClusterAccuracy(m.Labels, labels)
	return s, nil
}

type timedMap struct {
	*tsne.Model
	seconds float64
}

// tsneMap returns the t-SNE map of the rows of X with the settings of cfg.
func tsneMap(c *Context, X blas32.General, cfg tsne.TSNE) (timedMap, error) {
	tr := progress.New()
	stop := c.reportProgress("t-SNE", tr)
	defer stop()
	start := time.Now()
	cfg.Progress = tr
	m, err := cfg.Fit(c.Ctx, X)
	if err != nil {
		return timedMap{}, err
	}
	return timedMap{m, time.Since(start).Seconds()}, nil
}

// meanItemMSE returns the mean squared error, over all values of the rows
// of eval, of the mean row of train.
func meanItemMSE(train, eval blas32.General) float64 {
	f := train.Cols
	mean := make([]float64, f)
	for r := range train.Rows {
		for j, v := range train.Data[r*train.Stride : r*train.Stride+f] {
			mean[j] += float64(v) / float64(train.Rows)
		}
	}
	var s float64
	for r := range eval.Rows {
		for j, v := range eval.Data[r*eval.Stride : r*eval.Stride+f] {
			d := float64(v) - mean[j]
			s += d * d
		}
	}
	return s / float64(max(1, eval.Rows*f))
}

// modelFeatures returns the codes (or embeddings) of the rows of X under
// the model in the checkpoint path, which must have been trained on data
// shaped as ws's; with needAE it must be an autoencoder.
func modelFeatures(ctx context.Context, ws *workspace.Workspace, path string, needAE bool, X blas32.General) (blas32.General, error) {
	if path == "" {
		return blas32.General{}, fmt.Errorf("--model F.esm is needed: a checkpoint written by train-ae or train-siamese")
	}
	ds := ws.Data()
	s := embed.Shape{Height: 1, Width: ds.Dim, Channels: 1, Classes: len(ds.Classes)}
	if ds.IsImage() {
		s.Height, s.Width = ds.Height, ds.Width
	}
	t, err := embed.LoadFor(path, s)
	if err != nil {
		return blas32.General{}, err
	}
	if cfg := t.Config(); needAE && !cfg.Arch.Autoencoder() {
		return blas32.General{}, fmt.Errorf("%s holds the %s embedding network, not an autoencoder: use --features embedding", path, cfg.Arch)
	}
	return t.Embed(ctx, X)
}

// cachePath returns embedscope/name in the user cache folder (created if
// needed), or name in the current folder when there is no cache folder.
func cachePath(name string) (string, error) {
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
