package embed

import (
	"encoding/json"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/blas/blas32"
)

// EpochStat describes one completed epoch. Fractions are in [0, 1]; a
// statistic that was not measured is NaN (null in JSON).
type EpochStat struct {
	Epoch     int     `json:"epoch"`      // 1-based
	TrainLoss float64 `json:"train_loss"` // mean batch loss
	// TrainAcc is the fraction of correct training predictions during the
	// epoch: pairs (Siamese: logit > 0 exactly for same-class pairs;
	// Contrastive, AllPairs: distance < Margin/2 exactly for same-class
	// pairs) or images (Softmax: the head's arg-max is the label). It is
	// NaN for autoencoders.
	TrainAcc float64 `json:"train_acc"`
	// EvalLoss and EvalAcc are the same measures on the evaluation split
	// in inference mode: on the pairs of two fixed permutations of it
	// (Siamese, Contrastive), on all its images (Softmax), or on all pairs
	// within fixed batches of Batch images (AllPairs). For an autoencoder
	// EvalLoss is the reconstruction loss (MSE or BCE, the mean over all
	// values) of all evaluation items, and EvalAcc is NaN.
	EvalLoss float64 `json:"eval_loss"`
	EvalAcc  float64 `json:"eval_acc"`
	// KNN is the kNN(5) accuracy of Config.KNNEval evaluation items
	// against all training items, in the embedding or code (NaN when
	// KNNEval is 0).
	KNN float64 `json:"knn"`
	// EmbeddingStd is the spread of the evaluation embeddings: the root
	// mean over dimensions of their variance.
	EmbeddingStd float64 `json:"embedding_std"`
	LR           float64 `json:"lr"`           // learning rate of the epoch's last step
	Seconds      float64 `json:"seconds"`      // training time of the epoch (its batches)
	EvalSeconds  float64 `json:"eval_seconds"` // time of the evaluation after it
	// Elapsed is the time since training began when the epoch's
	// evaluation ended (pauses excluded).
	Elapsed float64 `json:"elapsed"`
	// ItemsPerSecond counts images through the network in training (a
	// pair is two) per second of Seconds.
	ItemsPerSecond float64 `json:"items_per_second"`
}

// epochJSON is EpochStat in JSON, with null for a NaN statistic
// (encoding/json cannot write NaN).
type epochJSON struct {
	Epoch          int      `json:"epoch"`
	TrainLoss      *float64 `json:"train_loss"`
	TrainAcc       *float64 `json:"train_acc"`
	EvalLoss       *float64 `json:"eval_loss"`
	EvalAcc        *float64 `json:"eval_acc"`
	KNN            *float64 `json:"knn"`
	EmbeddingStd   *float64 `json:"embedding_std"`
	LR             float64  `json:"lr"`
	Seconds        float64  `json:"seconds"`
	EvalSeconds    float64  `json:"eval_seconds"`
	Elapsed        float64  `json:"elapsed"`
	ItemsPerSecond float64  `json:"items_per_second"`
}

func orNull(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// MarshalJSON writes NaN statistics as null.
func (e EpochStat) MarshalJSON() ([]byte, error) {
	return json.Marshal(epochJSON{Epoch: e.Epoch, TrainLoss: orNull(e.TrainLoss), TrainAcc: orNull(e.TrainAcc),
		EvalLoss: orNull(e.EvalLoss), EvalAcc: orNull(e.EvalAcc), KNN: orNull(e.KNN), EmbeddingStd: orNull(e.EmbeddingStd),
		LR: e.LR, Seconds: e.Seconds, EvalSeconds: e.EvalSeconds, Elapsed: e.Elapsed, ItemsPerSecond: e.ItemsPerSecond})
}

// UnmarshalJSON reads null (or missing) statistics as NaN.
func (e *EpochStat) UnmarshalJSON(b []byte) error {
	var j epochJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = EpochStat{Epoch: j.Epoch, TrainLoss: orNaN(j.TrainLoss), TrainAcc: orNaN(j.TrainAcc),
		EvalLoss: orNaN(j.EvalLoss), EvalAcc: orNaN(j.EvalAcc), KNN: orNaN(j.KNN), EmbeddingStd: orNaN(j.EmbeddingStd),
		LR: j.LR, Seconds: j.Seconds, EvalSeconds: j.EvalSeconds, Elapsed: j.Elapsed, ItemsPerSecond: j.ItemsPerSecond}
	return nil
}

// Projection is a 2-D view of the projection sample (Snapshot.SampleIndex)
// at one point of training: the first two principal components of the
// sample's embeddings, rotated or reflected (orthogonal Procrustes) to
// best match the previous projection, so that an animation of successive
// projections does not jump. X[i], Y[i] belong to sample item i.
type Projection struct {
	Epoch int       `json:"epoch"` // completed epochs when it was made
	Batch int       `json:"batch"` // batches done in the next epoch (0 after an epoch)
	X     []float32 `json:"x"`
	Y     []float32 `json:"y"`
}

// Snapshot is a consistent copy of a Trainer's state for display. Its
// slices are the caller's, except the X and Y of Projections and the
// Reconstructions, which are shared and must not be modified. For an
// autoencoder the embedding is the code, the losses are reconstruction
// losses and the accuracies of EpochStats are NaN.
type Snapshot struct {
	// Epoch is the number of completed epochs, Batch the number of
	// batches done in the next one (0 at an epoch boundary).
	Epoch, Epochs, Batch, BatchesPerEpoch int
	Done                                  bool // all Epochs completed
	Running                               bool // Run is in progress

	// BatchLoss holds the loss of every training batch so far, in order,
	// and SmoothLoss its exponential moving average (β = 0.98) with Adam's
	// bias correction, s_t/(1 − β^t), which is an honest weighted mean of
	// the losses seen from the first batch on. Beyond MaxLossPoints
	// batches both are decimated: each entry then stands for LossStride
	// consecutive batches (the mean of their losses, and the smoothed loss
	// after the last of them).
	BatchLoss, SmoothLoss []float32
	LossStride            int

	EpochStats []EpochStat

	// ItemsPerSecond is the training speed of the epoch in progress (of
	// the last epoch at a boundary), in images per second.
	ItemsPerSecond float64
	// Elapsed is the time spent in Run (training and evaluation, pauses
	// excluded), ETA an estimate of the time still needed at the pace so
	// far (0 when done) and Fraction the share of batches done.
	Elapsed, ETA time.Duration
	Fraction     float64

	// Projections holds one projection after every epoch and, with
	// Config.ProjectEvery, one every ProjectEvery batches (at most
	// MaxProjections: beyond that the older mid-epoch ones are thinned).
	Projections []Projection
	// SampleIndex lists the evaluation rows of the projection sample and
	// SampleLabels their labels.
	SampleIndex, SampleLabels []int
	// SampleEmbedding holds the embeddings (an autoencoder's codes) of the
	// projection sample after epoch SampleEpoch, row i for sample item i:
	// the last epoch this Trainer value completed, so it is empty before
	// its first epoch (and after loading a checkpoint, until the next). It
	// is shared and must not be modified.
	SampleEmbedding blas32.General
	SampleEpoch     int

	// EmbeddingStd is the spread of the embeddings at the last projection
	// or evaluation (see EpochStat.EmbeddingStd), and Collapse warns that
	// it has fallen below 1 % of its largest value so far (or below 1e-6):
	// the embeddings are collapsing to a point.
	EmbeddingStd float64
	Collapse     bool

	// Reconstructions, for an autoencoder with evaluation items, are its
	// outputs for a fixed sample of ReconstructionSample of them beside
	// the originals, made again after every epoch and with every
	// projection of Config.ProjectEvery (nil before the first, and for
	// embedding networks). They are shared and must not be modified.
	Reconstructions *Reconstructions

	// Err describes why the last Run stopped with an error ("" if none).
	Err string
}

// Limits on what a Trainer keeps for display.
const (
	MaxLossPoints  = 1 << 16
	MaxProjections = 512
	// SmoothBeta is the decay of the smoothed loss (SmoothLoss).
	SmoothBeta = 0.98
)

// history is what a Trainer records for Snapshot; it is saved in
// checkpoints.
type history struct {
	BatchLoss  []float32    `json:"batch_loss"`
	SmoothLoss []float32    `json:"smooth_loss"`
	LossStride int          `json:"loss_stride"`
	Pending    []float64    `json:"pending,omitempty"` // losses of the batches not yet in a decimated entry
	EMA        float64      `json:"ema"`               // uncorrected moving average
	Batches    int          `json:"batches"`           // losses recorded
	Epochs     []EpochStat  `json:"epochs"`
	Proj       []Projection `json:"projections"`
	Std        float64      `json:"embedding_std"`
	PeakStd    float64      `json:"peak_std"`
	// Recon holds an autoencoder's latest reconstructions; it is replaced,
	// never modified.
	Recon *Reconstructions `json:"reconstructions,omitempty"`
}

// addLoss records the loss of one batch.
func (h *history) addLoss(loss float64) {
	if h.LossStride == 0 {
		h.LossStride = 1
	}
	h.Batches++
	h.EMA = SmoothBeta*h.EMA + (1-SmoothBeta)*loss
	smooth := h.EMA / (1 - math.Pow(SmoothBeta, float64(h.Batches)))
	h.Pending = append(h.Pending, loss)
	if len(h.Pending) < h.LossStride {
		return
	}
	var s float64
	for _, v := range h.Pending {
		s += v
	}
	h.BatchLoss = append(h.BatchLoss, float32(s/float64(len(h.Pending))))
	h.SmoothLoss = append(h.SmoothLoss, float32(smooth))
	h.Pending = h.Pending[:0]
	if len(h.BatchLoss) < MaxLossPoints {
		return
	}
	// Halve: merge neighbouring entries.
	half := len(h.BatchLoss) / 2
	for i := range half {
		h.BatchLoss[i] = (h.BatchLoss[2*i] + h.BatchLoss[2*i+1]) / 2
		h.SmoothLoss[i] = h.SmoothLoss[2*i+1]
	}
	h.BatchLoss, h.SmoothLoss = h.BatchLoss[:half], h.SmoothLoss[:half]
	h.LossStride *= 2
}

// addProjection records a projection, thinning old mid-epoch ones when
// there are too many.
func (h *history) addProjection(p Projection) {
	h.Proj = append(h.Proj, p)
	if len(h.Proj) <= MaxProjections {
		return
	}
	keep := h.Proj[:0]
	odd := false
	for i, q := range h.Proj {
		if q.Batch != 0 && i < len(h.Proj)-1 {
			odd = !odd
			if odd {
				continue
			}
		}
		keep = append(keep, q)
	}
	h.Proj = keep
}

// setStd records the spread of the embeddings.
func (h *history) setStd(std float64) {
	h.Std = std
	h.PeakStd = math.Max(h.PeakStd, std)
}

func (h *history) collapse() bool {
	return h.Batches > 0 && (h.Std < 1e-6 || h.Std < 0.01*h.PeakStd)
}

func (h *history) clone() history {
	c := *h
	c.BatchLoss = slices.Clone(h.BatchLoss)
	c.SmoothLoss = slices.Clone(h.SmoothLoss)
	c.Pending = slices.Clone(h.Pending)
	c.Epochs = slices.Clone(h.Epochs)
	c.Proj = slices.Clone(h.Proj)
	return c
}
