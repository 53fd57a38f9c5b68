package cli

import (
	"errors"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/embed"
)

// The autoencoder job: one epoch of the seed-004 dense autoencoder (32-d
// code, MSE, Adam at 1e-3, batches of 256) on the training images, beside
// scikit-learn's MLPRegressor with the same layers trained to output its
// input (see sklearn_bench.py, task ae_epoch) and PyTorch's
// (torch_bench.py); the quality is the mean
// squared reconstruction error of the test images after that epoch.
func init() {
	benchJobs = append(benchJobs,
		benchJob{Name: "ae_epoch", Label: "dense autoencoder epoch (seed 004, d=32)", Peers: []string{"sklearn", "torch"}, Metric: "test mse", Run: benchAEEpoch},
	)
}

// benchAEEpoch times one whole epoch of the dense autoencoder; the
// reconstruction of the test rows afterwards is not timed.
func benchAEEpoch(c *Context, ws *workspace.Workspace) (float64, float64, error) {
	data, _, err := embedData(c, ws)
	if err != nil {
		return 0, 0, err
	}
	eval := data.Eval
	data.Eval, data.EvalLabels = blas32.General{}, nil // time training only
	cfg := embed.DefaultConfig(embed.DenseAE, embed.MSE)
	cfg.Epochs, cfg.ProjectionSample = 1, 0
	cfg.Batch = min(cfg.Batch, data.Train.Rows)
	t, err := embed.New(cfg, data)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := t.Run(c.Ctx, data); err != nil {
		return 0, 0, err
	}
	secs := time.Since(start).Seconds()
	if eval.Rows == 0 {
		return 0, 0, errors.New("no test rows to reconstruct")
	}
	_, _, mse, err := t.Reconstruct(c.Ctx, eval)
	return secs, mse, err
}
