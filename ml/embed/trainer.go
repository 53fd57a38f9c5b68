package embed

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/knn"
	"embedscope/ml/metrics"
	"embedscope/ml/nn"
	"embedscope/ml/progress"
)

// Trainer trains an embedding network and keeps what a display needs. Run
// trains; Snapshot may be called from any goroutine at any time. Run,
// Embed, Evaluate, Save and the Set methods exclude each other: while one
// is in progress the others return ErrRunning (NumParams, Config and Shape
// are always available).
type Trainer struct {
	// Progress, if not nil, receives the progress of Run: one stage over
	// all batches, with the epoch and loss as detail.
	Progress *progress.Tracker
	// OnEpoch, if not nil, is called on Run's goroutine after each epoch,
	// once its statistics are recorded and its checkpoint written.
	OnEpoch func(EpochStat)

	runMu sync.Mutex // held by Run, Embed, Evaluate, Save and the setters
	m     *model     // guarded by runMu
	good  []byte     // checkpoint of the last good state, in memory; runMu

	netParams, headParams int

	mu       sync.Mutex // guards the fields below, which Snapshot reads
	cfg      Config
	shape    Shape
	st       state
	hist     history
	running  bool
	runStart time.Time
	err      string
	// sampleEmb holds the projection sample's embeddings after the last
	// epoch this value completed (not saved in checkpoints).
	sampleEmb   blas32.General
	sampleEpoch int

	afterBatch func() // test hook, called on Run's goroutine after each batch
}

// state is a Trainer's position and the running sums of the epoch in
// progress; it is saved in checkpoints.
type state struct {
	Epoch int `json:"epoch"` // completed epochs
	Batch int `json:"batch"` // batches done in the next epoch
	// Steps counts optimiser steps, which is also the number of training
	// Forward calls (noise streams are replayed from it on Load).
	Steps     int `json:"steps"`
	TrainRows int `json:"train_rows"`
	EvalRows  int `json:"eval_rows"`
	// The one-cycle schedule runs over SchedSteps steps from SchedStart.
	SchedStart int `json:"sched_start"`
	SchedSteps int `json:"sched_steps"`

	LossSum float64 `json:"loss_sum"`
	Right   int     `json:"right"`
	Total   int     `json:"total"`
	Items   int     `json:"items"`
	Seconds float64 `json:"seconds"`
	LastLR  float64 `json:"last_lr"`
	Elapsed float64 `json:"elapsed"` // seconds spent in Run before the current call

	SampleIndex  []int `json:"sample_index"`
	SampleLabels []int `json:"sample_labels"`
	// ReconIndex lists the evaluation rows whose reconstructions an
	// autoencoder shows, and LinearOutput tells that its output has no
	// sigmoid (MSE on data outside [0, 1]).
	ReconIndex   []int `json:"recon_index,omitempty"`
	LinearOutput bool  `json:"linear_output,omitempty"`
}

// New returns a Trainer for cfg on data shaped like d, with fresh weights.
// It checks the configuration against the data: an unknown architecture or
// loss, an autoencoder without a reconstruction loss (or the reverse),
// Dim, Epochs or Batch below 1, a batch larger than the training split, a
// learning rate that is not a positive number, a convolutional network on
// tables, non-greyscale or too small images, the BCE loss on features
// outside [0, 1], and data whose rows, labels or classes do not fit give
// errors wrapping ErrConfig or ErrData. An autoencoder trained with MSE on
// features outside [0, 1] gets a linear output instead of the sigmoid.
// Training starts with Run.
func New(cfg Config, d Data) (*Trainer, error) {
	if err := d.check(d.Shape()); err != nil {
		return nil, err
	}
	if err := cfg.validate(d.Shape(), d.Train.Rows); err != nil {
		return nil, err
	}
	t := &Trainer{cfg: cfg, shape: d.Shape(), m: newModel(cfg, d.Shape())}
	if err := t.checkAEData(d, true); err != nil {
		return nil, err
	}
	t.countParams()
	t.st.TrainRows = d.Train.Rows
	t.st.SchedSteps = cfg.Epochs * t.batchesPerEpoch()
	t.hist.LossStride = 1
	t.setEval(d)
	return t, nil
}

// Config returns the configuration (with the current Epochs and LR).
func (t *Trainer) Config() Config {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cfg
}

// Shape returns the input shape the model was built for.
func (t *Trainer) Shape() Shape {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.shape
}

// NumParams returns the number of trainable values of the embedding
// network and, separately, of its head (0 without one); for an
// autoencoder, of the encoder and of the decoder.
func (t *Trainer) NumParams() (net, head int) { return t.netParams, t.headParams }

// countParams sets netParams and headParams from the model.
func (t *Trainer) countParams() {
	t.netParams = t.m.net.NumParams()
	if t.m.head != nil {
		t.headParams = t.m.head.NumParams()
	}
}

// SetCheckpointPath sets Config.CheckpointPath (e.g. after Load, which
// leaves it empty).
func (t *Trainer) SetCheckpointPath(path string) error {
	if !t.runMu.TryLock() {
		return ErrRunning
	}
	defer t.runMu.Unlock()
	t.mu.Lock()
	t.cfg.CheckpointPath = path
	t.mu.Unlock()
	return nil
}

func (t *Trainer) batchesPerEpoch() int { return t.st.TrainRows / t.cfg.Batch }

// SetLR changes the learning rate (the maximum of a one-cycle schedule)
// for the steps still to come, e.g. after Run stopped with ErrDiverged.
func (t *Trainer) SetLR(lr float64) error {
	if !t.runMu.TryLock() {
		return ErrRunning
	}
	defer t.runMu.Unlock()
	c := t.Config()
	c.LR = lr
	if err := c.validate(t.shape, t.st.TrainRows); err != nil {
		return err
	}
	t.mu.Lock()
	t.cfg.LR = lr
	t.mu.Unlock()
	return nil
}

// SetEpochs changes the number of epochs to train, at least the number
// already completed. With a one-cycle schedule, extending a finished run
// starts a new cycle over the added epochs; extending or shortening an
// unfinished one stretches the current cycle to the new end.
func (t *Trainer) SetEpochs(epochs int) error {
	if !t.runMu.TryLock() {
		return ErrRunning
	}
	defer t.runMu.Unlock()
	if epochs < max(1, t.st.Epoch) || (epochs == t.st.Epoch && t.st.Batch > 0) {
		return fmt.Errorf("%w: %d epochs, but %d are done already", ErrConfig, epochs, t.st.Epoch)
	}
	bpe := t.batchesPerEpoch()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.st.Epoch >= t.cfg.Epochs && epochs > t.cfg.Epochs {
		t.st.SchedStart, t.st.SchedSteps = t.st.Steps, (epochs-t.st.Epoch)*bpe
	} else {
		t.st.SchedSteps = epochs*bpe - t.st.SchedStart
	}
	t.cfg.Epochs = epochs
	return nil
}

// schedule returns the learning rate and β1 of step.
func (t *Trainer) schedule(step int) (lr, beta1 float64) {
	if !t.cfg.OneCycle {
		return t.cfg.LR, 0.9
	}
	oc := nn.NewOneCycle(t.cfg.LR, max(1, t.st.SchedSteps))
	s := step - t.st.SchedStart
	return oc.LR(s), oc.Momentum(s)
}

// perm returns a permutation of n drawn from the seed and a stream number.
func (t *Trainer) perm(stream uint64, n int) []int {
	return rand.New(rand.NewPCG(t.cfg.Seed^0x7065726d75746573, stream)).Perm(n)
}

// Streams of perm: training permutations 2·epoch (and 2·epoch+1 for the
// second side of pairs) count up from 0; these are far above.
const (
	streamSample    = 1 << 62
	streamEvalPairs = 1<<62 + 1 // and +2
)

// setEval chooses the projection sample (and an autoencoder's
// reconstruction sample, its first ReconstructionSample items when it is
// as large) for the evaluation split of d, if its size changed.
func (t *Trainer) setEval(d Data) {
	if d.Eval.Rows == t.st.EvalRows && t.st.SampleIndex != nil {
		return
	}
	order := t.perm(streamSample, d.Eval.Rows)
	idx := slices.Clone(order[:min(t.cfg.ProjectionSample, d.Eval.Rows)])
	labels := make([]int, len(idx))
	for i, r := range idx {
		labels[i] = d.EvalLabels[r]
	}
	var recon []int
	if t.cfg.Arch.Autoencoder() {
		recon = slices.Clone(order[:min(ReconstructionSample, d.Eval.Rows)])
	}
	t.mu.Lock()
	if t.st.SampleIndex != nil {
		t.hist.Proj = nil // projections of another sample cannot be aligned
		t.hist.Recon = nil
	}
	t.st.EvalRows, t.st.SampleIndex, t.st.SampleLabels, t.st.ReconIndex = d.Eval.Rows, idx, labels, recon
	t.mu.Unlock()
}

// elapsed returns the time spent in Run; t.mu must be held.
func (t *Trainer) elapsed() float64 {
	e := t.st.Elapsed
	if t.running {
		e += time.Since(t.runStart).Seconds()
	}
	return e
}

// Snapshot returns a copy of the trainer's state for display. It is safe to
// call from any goroutine at any time.
func (t *Trainer) Snapshot() Snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	bpe := t.batchesPerEpoch()
	s := Snapshot{Epoch: t.st.Epoch, Epochs: t.cfg.Epochs, Batch: t.st.Batch, BatchesPerEpoch: bpe,
		Done: t.st.Epoch >= t.cfg.Epochs, Running: t.running,
		BatchLoss: slices.Clone(t.hist.BatchLoss), SmoothLoss: slices.Clone(t.hist.SmoothLoss), LossStride: t.hist.LossStride,
		EpochStats: slices.Clone(t.hist.Epochs), Projections: slices.Clone(t.hist.Proj),
		SampleIndex: slices.Clone(t.st.SampleIndex), SampleLabels: slices.Clone(t.st.SampleLabels),
		EmbeddingStd: t.hist.Std, Collapse: t.hist.collapse(), Reconstructions: t.hist.Recon, Err: t.err,
		SampleEmbedding: t.sampleEmb, SampleEpoch: t.sampleEpoch}
	if t.st.Seconds > 0 {
		s.ItemsPerSecond = float64(t.st.Items) / t.st.Seconds
	} else if n := len(t.hist.Epochs); n > 0 {
		s.ItemsPerSecond = t.hist.Epochs[n-1].ItemsPerSecond
	}
	done, total := t.st.Epoch*bpe+t.st.Batch, t.cfg.Epochs*bpe
	el := t.elapsed()
	s.Elapsed = time.Duration(el * float64(time.Second))
	s.Fraction = math.Min(1, float64(done)/float64(max(1, total)))
	if done > 0 && done < total {
		s.ETA = time.Duration(el / float64(done) * float64(total-done) * float64(time.Second))
	}
	return s
}

// Embed returns the n×Dim embeddings of the rows of X (scaled as the
// training data), computed in inference mode in batches: an
// autoencoder's codes.
func (t *Trainer) Embed(ctx context.Context, X blas32.General) (blas32.General, error) {
	if !t.runMu.TryLock() {
		return blas32.General{}, ErrRunning
	}
	defer t.runMu.Unlock()
	if X.Rows > 0 && X.Cols != t.shape.Features() {
		return blas32.General{}, fmt.Errorf("%w: model expects %s (%d values), rows have %d", ErrShape, t.shape, t.shape.Features(), X.Cols)
	}
	return t.m.embed(ctx, X, t.shape)
}

// Evaluate returns the kNN(k) accuracy (exact, Euclidean, uniform votes) of
// the embeddings (codes) of d.Eval against those of d.Train.
func (t *Trainer) Evaluate(ctx context.Context, d Data, k int) (float64, error) {
	if !t.runMu.TryLock() {
		return 0, ErrRunning
	}
	defer t.runMu.Unlock()
	if err := d.check(t.shape); err != nil {
		return 0, err
	}
	if d.Eval.Rows == 0 {
		return 0, fmt.Errorf("%w: no evaluation items", ErrData)
	}
	return t.knnAccuracy(ctx, d, nil, k)
}

// knnAccuracy embeds d.Train and the rows of d.Eval listed in rows (all
// when nil; evalEmb holds their embeddings when not empty) and returns the
// kNN(k) accuracy.
func (t *Trainer) knnAccuracy(ctx context.Context, d Data, rows []int, k int, evalEmb ...blas32.General) (float64, error) {
	etr, err := t.m.embed(ctx, d.Train, t.shape)
	if err != nil {
		return 0, err
	}
	var q blas32.General
	if len(evalEmb) > 0 {
		q = evalEmb[0]
	} else if q, err = t.m.embed(ctx, d.Eval, t.shape); err != nil {
		return 0, err
	}
	truth := d.EvalLabels
	if rows != nil {
		q, truth = gatherRows(q, rows), gatherInts(d.EvalLabels, rows)
	}
	clf := &knn.Classifier{K: k}
	if err := clf.Fit(etr, d.TrainLabels); err != nil {
		return 0, err
	}
	pred, err := clf.Predict(ctx, q)
	if err != nil {
		return 0, err
	}
	return metrics.Accuracy(pred, truth), nil
}

func gatherRows(X blas32.General, rows []int) blas32.General {
	out := blas32.General{Rows: len(rows), Cols: X.Cols, Stride: X.Cols, Data: make([]float32, len(rows)*X.Cols)}
	for i, r := range rows {
		copy(out.Data[i*X.Cols:(i+1)*X.Cols], X.Data[r*X.Stride:r*X.Stride+X.Cols])
	}
	return out
}

func gatherInts(v []int, rows []int) []int {
	out := make([]int, len(rows))
	for i, r := range rows {
		out[i] = v[r]
	}
	return out
}
