package embed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"embedscope/ml/nn"
)

// Run trains from where the trainer stands (the last completed batch) up
// to Config.Epochs, evaluating, projecting and checkpointing after each
// epoch. d must be shaped as the trainer's model and have as many training
// rows as when the trainer was made (the evaluation split may differ);
// for an autoencoder with a sigmoid output its values must lie in [0, 1]
// (ErrData otherwise, ErrConfig for BCE).
//
// Cancelling ctx pauses: Run returns ctx.Err() before the next batch (or
// during an evaluation), and a later Run continues exactly where it
// stopped; a paused and resumed run gives bit-for-bit the weights of an
// uninterrupted one, as does one resumed from a checkpoint (same BLAS
// thread count, see package nn).
//
// A non-finite loss stops training with an error wrapping ErrDiverged that
// names the epoch and batch and suggests a lower learning rate; the
// trainer then goes back to the last good state (the end of the last
// completed epoch, or the state its first Run began from), so the model
// stays usable, and SetLR then Run continues from there.
func (t *Trainer) Run(ctx context.Context, d Data) (err error) {
	if !t.runMu.TryLock() {
		return ErrRunning
	}
	defer t.runMu.Unlock()
	if err := d.check(t.shape); err != nil {
		return err
	}
	if d.Train.Rows != t.st.TrainRows {
		return fmt.Errorf("%w: the trainer was made for %d training items, the data has %d: start a new one",
			ErrData, t.st.TrainRows, d.Train.Rows)
	}
	if err := t.checkAEData(d, false); err != nil {
		return err
	}
	t.setEval(d)
	if t.good == nil {
		if t.good, err = t.marshal(); err != nil {
			return err
		}
	}
	t.mu.Lock()
	t.running, t.runStart, t.err = true, time.Now(), ""
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.st.Elapsed = t.elapsed()
		t.running = false
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			t.err = err.Error()
		}
		t.mu.Unlock()
	}()
	bpe := t.batchesPerEpoch()
	t.Progress.Stage(fmt.Sprintf("training %s (%s)", t.cfg.Arch, t.cfg.Loss), float64(t.cfg.Epochs*bpe))
	for t.st.Epoch < t.cfg.Epochs {
		t.Progress.Set(float64(t.st.Epoch*bpe + t.st.Batch))
		if t.st.Batch < bpe {
			if err := t.trainEpoch(ctx, d); err != nil {
				return err
			}
		}
		if err := t.finishEpoch(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// trainEpoch runs the remaining batches of the epoch in progress.
func (t *Trainer) trainEpoch(ctx context.Context, d Data) error {
	n, bpe, e := t.st.TrainRows, t.batchesPerEpoch(), t.st.Epoch
	left := t.perm(uint64(2*e), n)
	var right []int
	if t.cfg.Loss.Pairwise() {
		right = t.perm(uint64(2*e+1), n)
	}
	for t.st.Batch < bpe {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		b := t.st.Batch
		items := t.fill(d, left, right, b)
		lr, beta1 := t.schedule(t.st.Steps)
		r := t.m.step(lr, beta1)
		if math.IsNaN(r.loss) || math.IsInf(r.loss, 0) {
			return t.diverged(e+1, b+1, r.loss)
		}
		secs := time.Since(start).Seconds()
		t.mu.Lock()
		t.st.Batch++
		t.st.Steps++
		t.st.LossSum += r.loss
		t.st.Right += r.right
		t.st.Total += r.total
		t.st.Items += items
		t.st.Seconds += secs
		t.st.LastLR = lr
		t.hist.addLoss(r.loss)
		t.mu.Unlock()
		t.Progress.Add(1)
		t.Progress.Detail(fmt.Sprintf("epoch %d/%d, loss %.4f", e+1, t.cfg.Epochs, r.loss))
		if t.afterBatch != nil {
			t.afterBatch()
		}
		if t.cfg.ProjectEvery > 0 && t.st.Steps%t.cfg.ProjectEvery == 0 && t.st.Batch < bpe {
			// Not cancelled midway (it is far shorter than a batch), so
			// that a paused run has the projections of an uninterrupted one.
			if err := t.projectSample(context.WithoutCancel(ctx), d); err != nil {
				return err
			}
		}
	}
	return nil
}

// fill copies batch b of the epoch's permutations into the model's input
// and sets its labels; it returns the number of images.
func (t *Trainer) fill(d Data, left, right []int, b int) int {
	m, bs, f := t.m, t.cfg.Batch, t.shape.Features()
	if m.x == nil {
		m.allocInput(t.cfg, t.shape)
	}
	put := func(i, row int) {
		copy(m.x.Data[i*f:(i+1)*f], d.Train.Data[row*d.Train.Stride:row*d.Train.Stride+f])
	}
	idx := left[b*bs : (b+1)*bs]
	if right == nil {
		m.labels = m.labels[:0]
		for i, r := range idx {
			put(i, r)
			m.labels = append(m.labels, d.TrainLabels[r])
		}
		return bs
	}
	m.same, m.targets = m.same[:0], m.targets[:0]
	for i, r := range idx {
		s := right[b*bs+i]
		put(i, r)
		put(bs+i, s)
		same := d.TrainLabels[r] == d.TrainLabels[s]
		m.same = append(m.same, same)
		m.targets = append(m.targets, float32(b2f(same)))
	}
	return 2 * bs
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// finishEpoch evaluates the epoch just trained, records it, keeps the
// state as the last good one and writes the checkpoint.
func (t *Trainer) finishEpoch(ctx context.Context, d Data) error {
	e := t.st.Epoch + 1
	t.Progress.Detail(fmt.Sprintf("evaluating epoch %d/%d", e, t.cfg.Epochs))
	start := time.Now()
	stat, proj, sample, rec, std, err := t.evaluate(ctx, d)
	if err != nil {
		return err
	}
	if !nn.ParamsFinite(t.m.train.Params()) {
		return t.diverged(e, t.st.Batch, math.NaN())
	}
	stat.Epoch = e
	stat.TrainLoss = t.st.LossSum / float64(max(1, t.st.Batch))
	stat.TrainAcc = float64(t.st.Right) / float64(max(1, t.st.Total))
	if t.m.ae {
		stat.TrainAcc = math.NaN()
	}
	stat.LR, stat.Seconds, stat.EvalSeconds = t.st.LastLR, t.st.Seconds, time.Since(start).Seconds()
	if t.st.Seconds > 0 {
		stat.ItemsPerSecond = float64(t.st.Items) / t.st.Seconds
	}
	t.mu.Lock()
	stat.Elapsed = t.elapsed()
	t.hist.Epochs = append(t.hist.Epochs, stat)
	if proj != nil {
		proj.Epoch = e
		t.hist.addProjection(*proj)
		t.sampleEmb, t.sampleEpoch = sample, e
	}
	if rec != nil {
		rec.Epoch = e
		t.hist.Recon = rec
	}
	if !math.IsNaN(std) {
		t.hist.setStd(std)
	}
	t.st.Epoch, t.st.Batch = e, 0
	t.st.LossSum, t.st.Right, t.st.Total, t.st.Items, t.st.Seconds = 0, 0, 0, 0, 0
	t.mu.Unlock()
	good, err := t.marshal()
	if err != nil {
		return err
	}
	t.good = good
	if t.cfg.CheckpointPath != "" {
		if err := writeAtomic(t.cfg.CheckpointPath, good); err != nil {
			return fmt.Errorf("checkpoint after epoch %d: %w", e, err)
		}
	}
	if t.OnEpoch != nil {
		t.OnEpoch(stat)
	}
	return nil
}

// diverged restores the last good state and returns the error for a
// non-finite loss at the given epoch and batch (1-based).
func (t *Trainer) diverged(epoch, batch int, loss float64) error {
	back, err := decode(t.good)
	if err != nil { // cannot happen: good was written by marshal
		return fmt.Errorf("%w at epoch %d, batch %d, and the last good state could not be restored: %v", ErrDiverged, epoch, batch, err)
	}
	lr := t.cfg.LR
	t.m = back.m
	t.mu.Lock()
	spent := t.elapsed() // the time spent is kept
	t.st, t.hist = back.st, back.hist
	t.st.Elapsed, t.runStart = spent, time.Now()
	t.mu.Unlock()
	where := "the initial weights were"
	if t.st.Epoch > 0 {
		where = fmt.Sprintf("the weights after epoch %d were", t.st.Epoch)
	}
	if t.st.Batch > 0 {
		where = fmt.Sprintf("the weights at epoch %d, batch %d, were", t.st.Epoch+1, t.st.Batch)
	}
	return fmt.Errorf("%w: the loss became %v at epoch %d, batch %d: the learning rate %g is too high for this model; "+
		"lower it (try %g) and run again (%s restored)", ErrDiverged, loss, epoch, batch, lr, lr/10, where)
}
