package embed

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// check validates a checkpoint's header before anything is built from
// it: the configuration as New validates it (sizes, limits, the memory
// budget) and the saved state and history against it, so that a file with
// a valid checksum but absurd or inconsistent fields is refused instead of
// building an enormous network or failing later in Run or in a display.
func (h *header) check() error {
	if err := h.Shape.check(); err != nil {
		return err
	}
	st := &h.State
	if st.TrainRows < 1 || st.TrainRows > MaxTrainRows || st.EvalRows < 0 || st.EvalRows > MaxTrainRows {
		return fmt.Errorf("%d training and %d evaluation items: each must lie in 0..%d (embed.MaxTrainRows), with at least one training item", st.TrainRows, st.EvalRows, MaxTrainRows)
	}
	if err := h.Config.validate(h.Shape, st.TrainRows); err != nil {
		return err
	}
	perEpoch := st.TrainRows / h.Config.Batch
	if st.Epoch < 0 || st.Epoch > h.Config.Epochs || st.Batch < 0 || st.Batch > perEpoch || st.Steps < 0 || st.Steps > maxSteps ||
		st.SchedStart < 0 || st.SchedSteps < 0 || st.SchedStart > maxSteps || st.SchedSteps > maxSteps {
		return fmt.Errorf("position epoch %d of %d, batch %d of %d, step %d (at most %d), schedule %d+%d", st.Epoch, h.Config.Epochs, st.Batch, perEpoch, st.Steps, maxSteps, st.SchedStart, st.SchedSteps)
	}
	if len(st.SampleLabels) != len(st.SampleIndex) || len(st.ReconIndex) > ReconstructionSample {
		return fmt.Errorf("a projection sample of %d items with %d labels, %d reconstruction items", len(st.SampleIndex), len(st.SampleLabels), len(st.ReconIndex))
	}
	for i, r := range st.SampleIndex {
		if r < 0 || r >= st.EvalRows || st.SampleLabels[i] < 0 || st.SampleLabels[i] >= h.Shape.Classes {
			return fmt.Errorf("projection sample item %d is row %d of class %d, of %d rows and %d classes", i, r, st.SampleLabels[i], st.EvalRows, h.Shape.Classes)
		}
	}
	for _, r := range st.ReconIndex {
		if r < 0 || r >= st.EvalRows {
			return fmt.Errorf("reconstruction item row %d of %d", r, st.EvalRows)
		}
	}
	return h.History.check(len(st.SampleIndex), h.Shape)
}

// check validates a history read from a checkpoint against the size of
// the projection sample and the input shape.
func (h *history) check(sample int, s Shape) error {
	if len(h.BatchLoss) != len(h.SmoothLoss) || len(h.BatchLoss) > MaxLossPoints || h.LossStride < 0 || h.LossStride > maxSteps ||
		len(h.Pending) > max(h.LossStride, 1) || h.Batches < 0 || len(h.Proj) > MaxEpochs+MaxProjections {
		return fmt.Errorf("history of %d and %d losses (at most %d), stride %d, %d pending, %d projections", len(h.BatchLoss), len(h.SmoothLoss), MaxLossPoints, h.LossStride, len(h.Pending), len(h.Proj))
	}
	for i, p := range h.Proj {
		if len(p.X) != sample || len(p.Y) != sample {
			return fmt.Errorf("projection %d has %d and %d coordinates for a sample of %d", i, len(p.X), len(p.Y), sample)
		}
	}
	if r := h.Recon; r != nil {
		f := s.Features()
		if len(r.Labels) != len(r.Index) || len(r.Index) > ReconstructionSample || len(r.Orig) != len(r.Index)*f || len(r.Output) != len(r.Index)*f {
			return fmt.Errorf("reconstructions of %d items with %d labels and %d and %d values (%d per item)", len(r.Index), len(r.Labels), len(r.Orig), len(r.Output), f)
		}
		for _, l := range r.Labels {
			if l < 0 || l >= s.Classes {
				return fmt.Errorf("a reconstruction of class %d of %d", l, s.Classes)
			}
		}
	}
	return nil
}

// maxFileBytes bounds a checkpoint file: the weights and optimiser state
// of a model within MemoryBudget take 12 bytes a parameter, well below it.
const maxFileBytes = MemoryBudget

// readFile reads the checkpoint file at path: a regular file (a FIFO or a
// device would block or never end; it is opened without blocking) of at
// most maxFileBytes, read into one buffer of its size.
func readFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file (%v): choose a model file", path, st.Mode().Type())
	case st.Size() > maxFileBytes:
		return nil, fmt.Errorf("%s: %w: a file of %d bytes, more than a model within the memory budget takes (%s)", path, ErrCorrupt, st.Size(), gib(maxFileBytes))
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%s: %w: the file shrank while it was read", path, ErrCorrupt)
		}
		return nil, err
	}
	return b, nil
}
