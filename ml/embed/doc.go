// Package embed trains embedding networks and autoencoders on labelled
// items (images or table rows) and keeps, while it trains, what a display
// needs: the loss of every batch, per-epoch statistics, 2-D projections of
// a fixed sample of evaluation items, an autoencoder's reconstructions of
// a few of them, a collapse warning, timing and an ETA.
//
// # Training
//
//	cfg := embed.DefaultConfig(embed.Seed, embed.Softmax)
//	t, err := embed.New(cfg, data)        // validates cfg against data
//	go poll(t.Snapshot)                   // safe from any goroutine
//	err = t.Run(ctx, data)                // cancel ctx to pause
//	err = t.Run(ctx2, data)               // resumes at the next batch
//	emb, err := t.Embed(ctx, X)           // n×Dim, inference mode
//
// The networks are those of package nn (Seed, Small, MLP); the schemes are
// the seed notebook's siamese pairs (Siamese), margin contrastive pairs
// (Contrastive) and two in-batch schemes (Softmax, AllPairs); see Loss.
// The embedding itself — the network's Dim outputs, before any head — is
// what Embed returns and what kNN is measured on. For Fashion-MNIST the
// in-batch softmax scheme on the seed network with a one-cycle learning
// rate (DefaultConfig) learns fastest per second.
//
// # Autoencoders
//
// The architectures DenseAE (seed notebook 004), ConvAE (seed 003) and
// ModernAE are autoencoders: with the loss MSE or BCE the same Trainer
// trains them to reconstruct their input, and everything above applies
// with the code in place of the embedding:
//
//	cfg := embed.DefaultConfig(embed.DenseAE, embed.MSE)
//	cfg.Dim = 3                           // the code's size
//	t, err := embed.New(cfg, data)
//	err = t.Run(ctx, data)                // Snapshot().Reconstructions live
//	code, err := t.Embed(ctx, X)          // the encoder: n×Dim codes
//	img, err := t.Decode(ctx, centroids)  // the decoder: k×Features items
//	out, loss, mse, err := t.Reconstruct(ctx, X)
//
// The epoch statistics hold reconstruction losses and NaN accuracies
// (kNN(5) in the code with KNNEval); the projections are the PCA of the
// code (the code itself when Dim is 2); Snapshot.Reconstructions shows
// ReconstructionSample evaluation items beside the network's current
// output for them. The output is a sigmoid for data in [0, 1] (pixels
// scaled /255) and linear for MSE on other data; BCE refuses such data.
//
// Trained on the 60,000 Fashion-MNIST training images, k-means (k = 10)
// on the code scores as follows (purity mean / weighted, NMI; the last
// column clusters a t-SNE map of the code instead):
//
//	TABLE
//
// # Determinism
//
// Weights, noise, the order of the training data (a permutation per epoch,
// two for pair schemes), the evaluation pairs and the projection sample
// all derive from Config.Seed, and a pause never splits a batch, so a run
// that is paused and resumed, or saved and loaded, gives bit-for-bit the
// weights of an uninterrupted run (with the same BLAS thread count, see
// package nn). The last partial batch of an epoch is dropped: an epoch is
// ⌊n/Batch⌋ batches.
//
// # Checkpoints
//
// Save, and Run after every epoch when Config.CheckpointPath is set, write
// a checkpoint (conventionally *.esm) atomically: to a temporary file in
// the same folder, synced, then renamed. Load and LoadFor read it back into
// a Trainer that continues where it stopped. Format version 1, integers
// little-endian:
//
//	magic     4 bytes  "ESEM"
//	version   uint32   1
//	hlen      uint32   length of the header
//	header    hlen bytes of JSON: "config" (Config), "shape" (Shape),
//	          "state" (position, one-cycle schedule, running sums of the
//	          epoch in progress, projection sample), "history" (losses,
//	          epoch statistics, projections, reconstructions), "params"
//	          ([network, head], for an autoencoder [encoder, decoder])
//	wlen      uint64   length of the weights
//	weights   wlen bytes: the network and its head in package nn's weights
//	          format ("0.sequential.…" the embedding network or encoder,
//	          "1.sequential.…" the head or decoder)
//	olen      uint64   length of the optimiser state
//	optimizer olen bytes: Adam's first, then second moments of every
//	          parameter array in weights order, float32; its step count is
//	          the header's state.steps
//	crc       uint32   CRC-32 (Castagnoli) of every byte before it
//
// Readers refuse other magics (ErrNotModel), versions above their own
// (ErrVersion) and anything truncated or altered (ErrCorrupt). Noise layers
// (GaussianNoise, Dropout) keep no state but a count of training passes:
// they are replayed to state.steps on Load.
package embed
