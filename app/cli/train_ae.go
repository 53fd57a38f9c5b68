package cli

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/service"
	"embedscope/ml/embed"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "train-ae", Summary: "train an autoencoder (dense, conv or modern) and cluster its code with k-means", Run: runTrainAE})
}

// aeArchs maps the --arch names of train-ae to architectures.
var aeArchs = map[string]embed.Arch{"dense": embed.DenseAE, "conv": embed.ConvAE, "modern": embed.ModernAE}

// ClusterScores compare the k-means clusters of the training rows with
// their classes.
type ClusterScores struct {
	RunID          string  `json:"run_id"`
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
	RunID         string  `json:"run_id"`
	Name          string  `json:"name"`
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
	// KNN5 is kNN(5) accuracy in the code, of the eval split against the
	// training items.
	KNN5 float64 `json:"knn5"`
	// KMeans clusters the code of the training rows; TSNE, with --tsne,
	// their t-SNE map.
	KMeans ClusterScores  `json:"kmeans"`
	TSNE   *ClusterScores `json:"tsne_kmeans,omitempty"`
	// TrainSeconds is the time spent training, per-epoch evaluations
	// included (all sessions of a resumed model); TotalSeconds this
	// command's run after loading.
	TrainSeconds float64 `json:"train_seconds"`
	TotalSeconds float64 `json:"total_seconds"`
	Model        string  `json:"model,omitempty"` // the model file written with --out
}

const trainAEUsage = "train-ae [--data D] [--arch dense|conv|modern] [--dim d] [--epochs N] [--loss mse|bce] [--batch B] [--lr X] [--onecycle] [--out model.esm] [--resume RUN|model.esm] [--tsne] [--json]"

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
	out := fs.String("out", "", "also write the model to this file after every epoch (the run keeps its own checkpoint in the store)")
	resume := fs.String("resume", "", "continue training a run (its ID, from embedscope runs list) or a model file (.esm); with no more epochs: only evaluate it")
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
	if *withTSNE && (*tsneExag != 0 && (*tsneExag < 1 || *tsneExag > 100) || !(*tsnePerp > 0)) {
		return fmt.Errorf("--tsne-exaggeration must be 0 (standard) or from 1 to 100, and --tsne-perplexity above 0")
	}
	if *nInit < 1 {
		return fmt.Errorf("--n-init %d: k-means needs at least one restart", *nInit)
	}
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
			"arch": a != cfg.Arch, "loss": *loss != string(cfg.Loss), "dim": *dim != cfg.Dim, "batch": *batch != cfg.Batch,
			"model-seed": *modelSeed != cfg.Seed, "onecycle": *oneCycle != cfg.OneCycle, "knn-eval": *knnEval != cfg.KNNEval,
		}
	}, func() (embed.Config, error) {
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
			d, _, err := svc.TrainingData(c.Ctx)
			if err != nil {
				return cfg, err
			}
			cfg.Dim = embed.ConvCode(d.Shape())
		}
		if set["dim"] {
			cfg.Dim = *dim
		}
		overrideConfig(&cfg, set, *epochs, *batch, *lr, *oneCycle)
		return cfg, nil
	})
	if err != nil {
		return err
	}
	if cfg := t.Trainer.Config(); !cfg.Arch.Autoencoder() {
		return fmt.Errorf("%s holds the %s embedding network, not an autoencoder: use train-siamese --resume", *resume, cfg.Arch)
	}
	return trainAEAndReport(c, svc, t, *out, *nInit, *withTSNE, *tsnePerp, *tsneExag)
}

// trainAEAndReport runs t to its end with progress on stderr, prints every
// epoch, then publishes the code and reports the reconstruction error and
// the k-means scores of the code (and of its t-SNE map with withTSNE): the
// autoencoder → (t-SNE →) k-means route of the Clusters panel.
func trainAEAndReport(c *Context, svc *service.Service, t *service.Training, out string, nInit int, withTSNE bool, perplexity, exaggeration float64) error {
	cfg := t.Trainer.Config()
	start := time.Now()
	enc, dec := t.Trainer.NumParams()
	if !c.JSON {
		fmt.Fprintf(c.Stdout, "training %s (run %s): %d + %d parameters, on %d train items, evaluating on %d %s items\n",
			t.Record().Name, t.Record().ID, enc, dec, t.Data.Train.Rows, t.Data.Eval.Rows, t.EvalSplit)
	}
	err := runTraining(c, "train-ae", t, writeAEEpoch)
	if werr := writeOut(svc, t, out); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	tr := progress.New()
	stop := c.reportProgress("train-ae", tr)
	defer stop()
	pub, err := t.Publish(c.Ctx, service.PublishOptions{}, tr)
	if err != nil {
		return err
	}
	ev := pub.Space.Split(pub.EvalSplit)
	res := TrainAEResult{RunID: pub.Run.ID, Name: pub.Run.Name, Data: svc.WS.Data().Name, Arch: string(cfg.Arch), Loss: string(cfg.Loss), Dim: cfg.Dim,
		Epochs: cfg.Epochs, Batch: cfg.Batch, LR: cfg.LR, OneCycle: cfg.OneCycle, EncoderParams: enc, DecoderParams: dec,
		Train: t.Data.Train.Rows, EvalSplit: pub.EvalSplit, Eval: ev.Rows, TrainSeconds: t.Trainer.Snapshot().Elapsed.Seconds(), Model: out,
		EvalMSE: pub.ReconMSE, MeanImageMSE: pub.MeanMSE, KNN5: pub.KNN5Eval}
	_, _, _, evalFeat, err := evalFeatures(c, svc, pub.EvalSplit)
	if err != nil {
		return err
	}
	if _, res.EvalLoss, _, err = t.Trainer.Reconstruct(c.Ctx, evalFeat); err != nil {
		return err
	}
	k := len(svc.WS.Data().Classes)
	if res.KMeans, err = clusterScores(c, svc, pub.Run.ID, k, nInit, tr); err != nil {
		return err
	}
	if withTSNE {
		m, err := svc.MapTSNE(c.Ctx, service.TSNERequest{MapItems: service.MapItems{Input: pub.Run.ID, All: true}, Perplexity: perplexity,
			Iterations: 1000, Exaggeration: exaggeration}, tr, nil)
		if err != nil {
			return err
		}
		sc, err := clusterScores(c, svc, m.Run.ID, k, nInit, tr)
		if err != nil {
			return err
		}
		sc.Seconds += m.Seconds
		res.TSNE = &sc
	}
	stop()
	res.TotalSeconds = time.Since(start).Seconds()
	return c.emit(res, func(w io.Writer) {
		fmt.Fprintf(w, "reconstruction of the %d %s items: %s %.5f, MSE %.5f (mean image %.5f); kNN(5) in the code %.4f\n",
			res.Eval, res.EvalSplit, res.Loss, res.EvalLoss, res.EvalMSE, res.MeanImageMSE, res.KNN5)
		writeScores(w, fmt.Sprintf("k-means on the %d-d code of the %d train items", res.Dim, res.Train), res.KMeans)
		if res.TSNE != nil {
			writeScores(w, "k-means on the t-SNE map of the code", *res.TSNE)
		}
		fmt.Fprintf(w, "training %.1f s, total %.1f s; run %s (%s)", res.TrainSeconds, res.TotalSeconds, res.RunID, res.Name)
		if res.Model != "" {
			fmt.Fprintf(w, "; model saved to %s", res.Model)
		}
		fmt.Fprintln(w)
	})
}

// evalFeatures returns the scaled features of the named split.
func evalFeatures(c *Context, svc *service.Service, split string) (train, val, test, eval blas32.General, err error) {
	tr, v, te, err := svc.WS.Features(c.Ctx)
	if err != nil {
		return
	}
	eval = te.X
	if split == "validation" {
		eval = v.X
	}
	return tr.X, v.X, te.X, eval, nil
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

// clusterScores runs k-means (nInit seeded restarts) on the training rows
// of the space of run id, through the service, and returns its scores.
func clusterScores(c *Context, svc *service.Service, id string, k, nInit int, tr *progress.Tracker) (ClusterScores, error) {
	cl, err := svc.Cluster(c.Ctx, service.ClusterRequest{Space: id, K: k, NInit: nInit}, tr)
	if err != nil {
		return ClusterScores{}, err
	}
	q := cl.Quality
	return ClusterScores{RunID: cl.Run.ID, K: k, NInit: nInit, Inertia: cl.Model.Inertia, Seconds: cl.Seconds,
		PurityMean: q.PurityMean, PurityWeighted: q.PurityWeighted, NMI: q.NMI, ARI: q.ARI, Accuracy: q.Accuracy}, nil
}
