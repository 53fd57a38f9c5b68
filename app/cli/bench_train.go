package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/embed"
	"embedscope/ml/nn"
)

// The training jobs: one epoch of the MLP classifier (scikit-learn's
// MLPClassifier and PyTorch beside it), and the speed of the seed and the
// small convolutional embedding networks (PyTorch beside them, see
// torch_bench.py).
func init() {
	benchJobs = append(benchJobs,
		benchJob{Name: "mlp_epoch", Label: "MLP 784-256-128-10 epoch", Peers: []string{"sklearn", "torch"}, Metric: "accuracy", Run: benchMLPEpoch},
		benchJob{Name: "seednet_epoch", Label: fmt.Sprintf("seed net, in-batch softmax, per 60,000 images (%d batches)", seedBenchBatches),
			Peers: []string{"torch"}, Run: benchSeedNetEpoch},
		benchJob{Name: "seednet_pairs", Label: fmt.Sprintf("seed net, seed pairs, per 60,000 pairs (%d batches)", seedBenchBatches),
			Peers: []string{"torch"}, Run: benchSeedNetPairs},
		benchJob{Name: "smallnet_epoch", Label: "small conv net epoch, in-batch softmax", Peers: []string{"torch"}, Run: benchSmallNetEpoch},
	)
}

// seedBenchBatches is how many batches the seed net jobs time, after
// seedBenchWarmup untimed ones (as torch_bench.py's default --batches);
// they extrapolate to a whole epoch.
const (
	seedBenchBatches = 30
	seedBenchWarmup  = 3
)

// benchMLPEpoch trains the classifier 784-256-128-10 (ReLU, softmax
// cross-entropy, Adam at lr 1e-3, batches of 128 in a random order, the
// last one partial) for one epoch on the training split, as scikit-learn's
// MLPClassifier((256, 128), batch_size=128, max_iter=1); the quality is
// its test accuracy. Only the epoch is timed.
func benchMLPEpoch(c *Context, ws *workspace.Workspace) (float64, float64, error) {
	train, _, test, err := ws.Features(c.Ctx)
	if err != nil {
		return 0, 0, err
	}
	const batch, classes = 128, 10
	n, f := train.X.Rows, train.X.Cols
	if len(ws.Data().Classes) > classes {
		return 0, 0, fmt.Errorf("the MLP benchmark has %d outputs, the data %d classes", classes, len(ws.Data().Classes))
	}
	net := nn.MLPEmbeddingNet(f, classes, 1)
	opt := nn.NewAdam(net.Params())
	labels := train.Split.Labels()
	order := rand.New(rand.NewPCG(1, 2)).Perm(n)
	xb := nn.NewTensor(batch, f)
	yb := make([]int, batch)
	grad := nn.NewTensor(batch, classes)
	start := time.Now()
	for lo := 0; lo < n; lo += batch {
		if err := c.Ctx.Err(); err != nil {
			return 0, 0, err
		}
		m := min(batch, n-lo)
		for i, r := range order[lo : lo+m] {
			copy(xb.Data[i*f:(i+1)*f], train.X.Data[r*train.X.Stride:r*train.X.Stride+f])
			yb[i] = labels[r]
		}
		x, g := nn.TensorFrom(xb.Data[:m*f], m, f), nn.TensorFrom(grad.Data[:m*classes], m, classes)
		net.ZeroGrad()
		loss := nn.SoftmaxCrossEntropy(net.Forward(x, true), yb[:m], g)
		if math.IsNaN(loss) {
			return 0, 0, errors.New("the MLP's loss became NaN")
		}
		net.BackwardParams(g)
		opt.Step()
	}
	secs := time.Since(start).Seconds()
	xt := nn.TensorFrom(test.X.Data[:test.X.Rows*f], test.X.Rows, f)
	logits, err := net.Predict(c.Ctx, xt, 1000)
	if err != nil {
		return 0, 0, err
	}
	return secs, nn.Accuracy(logits, test.Split.Labels()), nil
}

// benchSeedNetEpoch times seedBenchBatches batches of the in-batch
// softmax scheme (256 images per batch, a ReLU and Dense(10) head, Adam
// with a one-cycle rate) on the seed network and returns the seconds per
// 60,000 images (an epoch of the full training set) at that pace.
func benchSeedNetEpoch(c *Context, ws *workspace.Workspace) (float64, float64, error) {
	return benchEmbedEpoch(c, ws, embed.Seed, embed.Softmax, seedBenchWarmup, seedBenchBatches)
}

// benchSeedNetPairs is benchSeedNetEpoch with the seed's pair scheme (300
// random pairs per batch, both sides through the network, |e1 − e2| →
// Dense(1), binary cross-entropy, Adam): seconds per epoch of 60,000 pairs
// (120,000 image passes).
func benchSeedNetPairs(c *Context, ws *workspace.Workspace) (float64, float64, error) {
	return benchEmbedEpoch(c, ws, embed.Seed, embed.Siamese, seedBenchWarmup, seedBenchBatches)
}

// benchSmallNetEpoch times one whole epoch of the in-batch softmax scheme
// (batches of 256 images) on the small convolutional network.
func benchSmallNetEpoch(c *Context, ws *workspace.Workspace) (float64, float64, error) {
	return benchEmbedEpoch(c, ws, embed.Small, embed.Softmax, 0, 0)
}

// benchEmbedEpoch trains one epoch of arch with the scheme loss and
// returns the training time of a whole epoch (n images, or n pairs for
// the pair schemes). With timed > 0 it stops after warmup + timed batches
// and extrapolates from the timed ones; else it times the whole epoch.
func benchEmbedEpoch(c *Context, ws *workspace.Workspace, arch embed.Arch, loss embed.Loss, warmup, timed int) (float64, float64, error) {
	data, _, err := embedData(c, ws)
	if err != nil {
		return 0, 0, err
	}
	data.Eval, data.EvalLabels = blas32.General{}, nil // time training only
	cfg := embed.DefaultConfig(arch, loss)
	cfg.Epochs, cfg.ProjectionSample = 1, 0
	cfg.Batch = min(cfg.Batch, data.Train.Rows)
	t, err := embed.New(cfg, data)
	if err != nil {
		return 0, 0, err
	}
	perBatch := cfg.Batch // images per batch
	if loss.Pairwise() {
		perBatch *= 2
	}
	// spent is the training time of the first s.Batch batches.
	spent := func(s embed.Snapshot) float64 { return float64(s.Batch*perBatch) / s.ItemsPerSecond }
	ctx, cancel := context.WithCancel(c.Ctx)
	defer cancel()
	type mark struct {
		batch int
		secs  float64
	}
	marks := make(chan [2]mark, 1)
	if timed > 0 {
		go func() {
			var first mark
			for ctx.Err() == nil {
				s := t.Snapshot()
				if s.Batch >= warmup && first.batch == 0 && s.ItemsPerSecond > 0 {
					first = mark{s.Batch, spent(s)}
				}
				if first.batch > 0 && s.Batch >= first.batch+timed {
					marks <- [2]mark{first, {s.Batch, spent(s)}}
					cancel()
					return
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	err = t.Run(ctx, data)
	s := t.Snapshot()
	if err != nil {
		if c.Ctx.Err() != nil || !errors.Is(err, context.Canceled) {
			return 0, 0, err
		}
		m := <-marks
		if m[1].secs <= m[0].secs {
			return 0, 0, errors.New("no batch was timed")
		}
		per := (m[1].secs - m[0].secs) / float64((m[1].batch-m[0].batch)*cfg.Batch)
		return per * float64(data.Train.Rows), math.NaN(), nil // an epoch is n images, or n pairs
	}
	if !(s.ItemsPerSecond > 0) {
		return 0, 0, errors.New("no batch was timed")
	}
	return float64(s.BatchesPerEpoch*perBatch) / s.ItemsPerSecond, math.NaN(), nil
}

// embedData is the training data of ws as the service trains on it (the
// training split; evaluated on validation, else test).
func embedData(c *Context, ws *workspace.Workspace) (embed.Data, string, error) {
	svc, err := service.New(ws, nil)
	if err != nil {
		return embed.Data{}, "", err
	}
	return svc.TrainingData(c.Ctx)
}
