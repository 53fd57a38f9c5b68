package cli

import (
	"embedscope/app/workspace"
	"embedscope/ml/embed"
)

// The autoencoder job: the speed of an epoch of the seed-004 dense
// autoencoder (32-d code, MSE, batches of 256) on the training images; no
// scikit-learn peer.
func init() {
	benchJobs = append(benchJobs,
		benchJob{Name: "ae_epoch", Label: "dense autoencoder epoch (seed 004, d=32)", Run: benchAEEpoch},
	)
}

// benchAEEpoch times one whole epoch of the dense autoencoder.
func benchAEEpoch(c *Context, ws *workspace.Workspace) (float64, float64, error) {
	return benchEmbedEpoch(c, ws, embed.DenseAE, embed.MSE, 0)
}
