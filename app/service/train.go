package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"embedscope/app/runs"
	"embedscope/app/workspace"
	"embedscope/ml/atomicfile"
	"embedscope/ml/embed"
	"embedscope/ml/progress"
)

// TrainRequest asks to train an embedding network or an autoencoder on the
// open data: the training split trains it, the validation split (the test
// split when there is none) is evaluated after every epoch.
type TrainRequest struct {
	embed.Config
}

// archNames are the short names of the architectures in run names.
var archNames = map[embed.Arch]string{
	embed.Seed: "seed net", embed.Small: "small net", embed.MLP: "MLP",
	embed.DenseAE: "dense AE", embed.ConvAE: "conv AE", embed.ModernAE: "modern AE",
}

// TrainName is the default name of a training run: "seed net · softmax ·
// 32-d · 8 ep".
func TrainName(c embed.Config) string {
	a := archNames[c.Arch]
	if a == "" {
		a = string(c.Arch)
	}
	return fmt.Sprintf("%s · %s · %d-d · %d ep", a, c.Loss, c.Dim, c.Epochs)
}

// Training is one training run: the trainer, the data it trains on and
// its record. Run trains (or continues) it; Publish evaluates it and makes
// its space available to every panel. A Training's methods may be called
// from any goroutine; Run and Publish exclude each other.
type Training struct {
	svc     *Service
	Trainer *embed.Trainer
	Data    embed.Data
	// EvalSplit names the split evaluated after every epoch.
	EvalSplit string
	gen       int

	mu      sync.Mutex
	rec     runs.Record
	stopped bool // the current Run was stopped (not paused)

	drift driftState // the training drift (train_drift.go)
}

// Record returns the run's record as it stands.
func (t *Training) Record() runs.Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rec
}

// Generation is the workspace generation the training data came from.
func (t *Training) Generation() int { return t.gen }

// TrainingData turns the workspace's scaled splits into training data: the
// model learns on the training split and is evaluated on the validation
// split, or on the test split when there is no validation split.
func (s *Service) TrainingData(ctx context.Context) (embed.Data, string, error) {
	train, val, test, err := s.WS.Features(ctx)
	if err != nil {
		return embed.Data{}, "", err
	}
	ds := s.WS.Data()
	ev := val
	if ev.Split.Len() == 0 {
		ev = test
	}
	if ev.Split.Len() == 0 {
		return embed.Data{}, "", fmt.Errorf("%s has neither a validation split nor a test part to evaluate on: set a validation share in the Data panel (or --val 0.2)", ds.Name)
	}
	d := embed.Data{Train: train.X, TrainLabels: train.Split.Labels(), Eval: ev.X, EvalLabels: ev.Split.Labels(),
		Classes: len(ds.Classes), Height: 1, Width: ds.Dim, Channels: 1}
	if ds.IsImage() {
		d.Height, d.Width, d.Channels = ds.Height, ds.Width, ds.NumChannels()
	}
	return d, ev.Split.Name, nil
}

func kindOf(c embed.Config) string {
	if c.Arch.Autoencoder() {
		return runs.KindAutoencoder
	}
	return runs.KindEmbedding
}

// NewTraining makes a new training run of req on the open data (recorded
// as paused at epoch 0 until Run starts it).
func (s *Service) NewTraining(ctx context.Context, req TrainRequest) (*Training, error) {
	gen := s.WS.Generation()
	d, evalName, err := s.TrainingData(ctx)
	if err != nil {
		return nil, err
	}
	tr, err := embed.New(req.Config, d)
	if err != nil {
		return nil, err
	}
	rec, err := s.begin(kindOf(req.Config), TrainName(req.Config), req, false)
	if err != nil {
		return nil, err
	}
	active.Delete(rec.ID)
	t := &Training{svc: s, Trainer: tr, Data: d, EvalSplit: evalName, gen: gen, rec: *rec}
	t.rec.Status, t.rec.Epochs = runs.Paused, req.Epochs
	if err := t.checkpoint(); err != nil {
		return nil, err
	}
	return t, nil
}

// ResumeTraining reopens the training run id from its checkpoint in the
// store, to train it further (up to epochs when > 0, else up to the epochs
// it was asked for) or to publish it.
func (s *Service) ResumeTraining(ctx context.Context, id string, epochs int) (*Training, error) {
	r, ok := s.Run(id)
	if !ok {
		return nil, fmt.Errorf("there is no run %s (embedscope runs list shows them)", id)
	}
	if r.Kind != runs.KindEmbedding && r.Kind != runs.KindAutoencoder {
		return nil, fmt.Errorf("%s is a %s run, not a training", r.Name, r.Kind)
	}
	if !r.Data.SameSet(s.Fingerprint()) {
		return nil, fmt.Errorf("%s was trained on %s, not on the open data", r.Name, r.Data.Name)
	}
	var tr *embed.Trainer
	if st := s.Store(); st != nil {
		b, err := st.ReadModel(id, maxModelBytes)
		if err == nil {
			if tr, err = embed.UnmarshalTrainer(b); err != nil {
				return nil, fmt.Errorf("%s: its checkpoint: %w", r.Name, err)
			}
		}
	}
	if tr == nil { // no store, or a session's run: the network in the workspace
		if sp := s.WS.Space(id); sp != nil {
			if m, ok := sp.Model.(*workspace.TrainerModel); ok {
				var err error
				if tr, err = m.Clone(); err != nil {
					return nil, err
				}
			}
		}
	}
	if tr == nil {
		return nil, fmt.Errorf("%s has no checkpoint to resume from in %s", r.Name, s.storeDir())
	}
	return s.adopt(ctx, tr, r, epochs)
}

// ImportModel makes a run of a model file saved by the app or the CLI
// (.esm), to train further or to publish.
func (s *Service) ImportModel(ctx context.Context, path string) (*Training, error) {
	d, _, err := s.TrainingData(ctx)
	if err != nil {
		return nil, err
	}
	tr, err := embed.LoadFor(path, d.Shape())
	if err != nil {
		return nil, err
	}
	rec, err := s.begin(kindOf(tr.Config()), TrainName(tr.Config()), TrainRequest{tr.Config()}, false)
	if err != nil {
		return nil, err
	}
	active.Delete(rec.ID)
	return s.adopt(ctx, tr, *rec, 0)
}

// adopt wraps a loaded trainer in a Training for run r.
func (s *Service) adopt(ctx context.Context, tr *embed.Trainer, r runs.Record, epochs int) (*Training, error) {
	gen := s.WS.Generation()
	d, evalName, err := s.TrainingData(ctx)
	if err != nil {
		return nil, err
	}
	if tr.Shape() != d.Shape() {
		return nil, fmt.Errorf("%s was trained on inputs of %v, the open data gives %v", r.Name, tr.Shape(), d.Shape())
	}
	if epochs > 0 {
		if err := tr.SetEpochs(epochs); err != nil {
			return nil, err
		}
	}
	t := &Training{svc: s, Trainer: tr, Data: d, EvalSplit: evalName, gen: gen, rec: r}
	t.restoreDrift(r.History["drift"])
	snap := tr.Snapshot()
	t.rec.Epoch, t.rec.Epochs = snap.Epoch, snap.Epochs
	if !snap.Done && (r.Status == runs.Finished || r.Status == runs.Running) {
		t.rec.Status = runs.Paused
	}
	return t, t.checkpoint()
}

// checkpoint writes the trainer's checkpoint and the record to the store.
func (t *Training) checkpoint() error {
	b, err := t.Trainer.MarshalBinary()
	if err != nil {
		return err
	}
	s := t.svc
	t.mu.Lock()
	t.rec.Model = "embed"
	rec := t.rec
	t.mu.Unlock()
	if st := s.Store(); st != nil {
		if err := st.WriteModel(rec.ID, b); err != nil {
			return fmt.Errorf("writing the checkpoint of %s: %w", rec.Name, err)
		}
	}
	return s.save(&rec, nil)
}

// Stop marks the next cancellation of Run as a stop (the run is recorded
// as stopped) rather than a pause.
func (t *Training) Stop() {
	t.mu.Lock()
	t.stopped = true
	t.mu.Unlock()
}

// MarkStopped records a paused run as stopped (Stop pressed while
// paused): it stays as it is, resumable or publishable.
func (t *Training) MarkStopped() error {
	t.mu.Lock()
	if t.rec.Status == runs.Paused {
		t.rec.Status = runs.Stopped
	}
	rec := t.rec
	t.mu.Unlock()
	return t.svc.save(&rec, nil)
}

// Run trains until the last epoch or until ctx is cancelled, reporting to
// tr and calling onEpoch (if not nil) after every epoch, on Run's
// goroutine. After every epoch the checkpoint and the record (epoch,
// curves) are written to the store. A cancelled Run is recorded as paused
// (as stopped after Stop) and returns the context's error; the run can be
// resumed with the same Training, or later with ResumeTraining.
func (t *Training) Run(ctx context.Context, tr *progress.Tracker, onEpoch func(embed.EpochStat)) error {
	s := t.svc
	t.mu.Lock()
	t.stopped = false
	t.rec.Status, t.rec.Error = runs.Running, ""
	if t.rec.Space != nil { // training further makes its published space stale
		t.rec.Space = nil
		s.WS.DropSpace(t.rec.ID)
	}
	id := t.rec.ID
	t.mu.Unlock()
	active.Store(id, struct{}{})
	defer active.Delete(id)
	t.Trainer.Progress = tr
	if st := s.Store(); st != nil {
		// The trainer writes its checkpoint into the run's folder after
		// every epoch (while Run holds it, only the trainer can).
		if err := t.Trainer.SetCheckpointPath(st.ModelPath(id)); err != nil {
			return err
		}
	}
	var cpErr error
	t.startDrift(ctx)
	t.Trainer.OnEpoch = func(e embed.EpochStat) {
		t.noteDrift(ctx)
		t.noteEpochs()
		t.mu.Lock()
		rec := t.rec
		t.mu.Unlock()
		if err := s.save(&rec, nil); err != nil && cpErr == nil {
			cpErr = err
		}
		if onEpoch != nil {
			onEpoch(e)
		}
	}
	err := t.Trainer.Run(ctx, t.Data)
	t.Trainer.OnEpoch = nil
	t.noteEpochs()
	t.mu.Lock()
	switch {
	case err == nil:
		t.rec.Status = runs.Stopped // at its last epoch: finished once published
	case isCancel(err) && t.stopped:
		t.rec.Status = runs.Stopped
	case isCancel(err):
		t.rec.Status = runs.Paused
	default:
		t.rec.Status, t.rec.Error = runs.Failed, err.Error()
	}
	t.mu.Unlock()
	if e := t.checkpoint(); e != nil && err == nil {
		err = e
	}
	if err == nil {
		err = cpErr
	}
	return err
}

// noteEpochs copies the trainer's position and curves into the record.
func (t *Training) noteEpochs() {
	snap := t.Trainer.Snapshot()
	t.mu.Lock()
	defer t.mu.Unlock()
	r := &t.rec
	r.Epoch, r.Epochs, r.Seconds = snap.Epoch, snap.Epochs, snap.Elapsed.Seconds()
	h := map[string][]float64{}
	for _, e := range snap.EpochStats {
		for k, v := range map[string]float64{"train_loss": e.TrainLoss, "eval_loss": e.EvalLoss, "train_acc": e.TrainAcc,
			"eval_acc": e.EvalAcc, "knn5": e.KNN, "epoch_seconds": e.Seconds} {
			h[k] = append(h[k], nanToNeg(v))
		}
	}
	if d := t.driftCurve(len(snap.EpochStats)); d != nil {
		h["drift"] = d
	}
	r.History = h
	if n := len(snap.EpochStats); n > 0 {
		if r.Metrics == nil {
			r.Metrics = map[string]float64{}
		}
		last := snap.EpochStats[n-1]
		r.Metrics["final_loss"] = last.TrainLoss
		if !math.IsNaN(last.EvalLoss) {
			r.Metrics["final_eval_loss"] = last.EvalLoss
		}
	}
}

// nanToNeg keeps curves JSON-safe: a missing value (NaN) is stored as −1,
// which no loss, accuracy or time takes.
func nanToNeg(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return -1
	}
	return v
}

// TrainResult is a published training run: its space and scores.
type TrainResult struct {
	Run   runs.Record
	Space *workspace.Space
	// KNN5 maps each evaluated split ("validation", "test") to the kNN(5)
	// accuracy of its items against the training items, in the space.
	KNN5 map[string]float64
	// Baseline, when asked for, is PCA(32) + kNN(5) on the same split as
	// KNN5Eval, for comparison.
	Baseline float64
	// EvalSplit is the split KNN5Eval and the reconstruction errors are on:
	// test when there is one, else validation.
	EvalSplit string
	KNN5Eval  float64
	// ReconMSE and MeanMSE (autoencoders): the mean squared error of the
	// reconstructions of EvalSplit and of the mean training item.
	ReconMSE, MeanMSE float64
}

// PublishOptions say what Publish measures beside kNN(5).
type PublishOptions struct {
	Baseline bool // also PCA(32) + kNN(5), for comparison
}

// Publish embeds every split with the trained network, scores kNN(5) on
// the validation and test splits, and makes the space (with its decoder,
// for an autoencoder) available to every panel under the run's ID. A
// run trained to its last epoch becomes finished; a stopped one stays
// stopped, published. It refuses while Run is in progress.
func (t *Training) Publish(ctx context.Context, opt PublishOptions, tr *progress.Tracker) (*TrainResult, error) {
	s := t.svc
	if s.WS.Generation() != t.gen {
		return nil, fmt.Errorf("the data, split or scaling changed since this network was trained: open them again to publish it")
	}
	frozen, err := t.Trainer.Clone()
	if err != nil {
		if errors.Is(err, embed.ErrRunning) {
			return nil, fmt.Errorf("the network is training: pause or stop it first")
		}
		return nil, err
	}
	started := time.Now()
	res, err := s.evaluateNetwork(ctx, frozen, opt, tr)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	rec := t.rec
	t.mu.Unlock()
	if rec.Metrics == nil {
		rec.Metrics = map[string]float64{}
	}
	for split, acc := range res.KNN5 {
		rec.Metrics["knn5_"+metricSplit(split)] = acc
	}
	if frozen.Config().Arch.Autoencoder() {
		rec.Metrics["recon_mse"], rec.Metrics["mean_image_mse"] = res.ReconMSE, res.MeanMSE
	}
	if opt.Baseline {
		rec.Metrics["pca32_knn5_"+metricSplit(res.EvalSplit)] = res.Baseline
	}
	rec.Metrics["publish_seconds"] = time.Since(started).Seconds()
	if frozen.Snapshot().Done {
		rec.Status = runs.Finished
	} else {
		rec.Status = runs.Stopped
	}
	sp := res.Space
	sp.ID, sp.Name, sp.Kind = rec.ID, rec.Name, rec.Kind
	if err := s.save(&rec, sp); err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.rec = rec
	t.mu.Unlock()
	if err := s.WS.SetSpace(sp, t.gen); err != nil {
		return nil, err
	}
	res.Run = rec
	return res, nil
}

// metricSplit is the split's name in metric keys: "val" or "test".
func metricSplit(split string) string {
	if split == "validation" {
		return "val"
	}
	return split
}

// Config returns the request the run was made with.
func ConfigOf(r runs.Record) (TrainRequest, error) {
	var req TrainRequest
	if err := json.Unmarshal(r.Config, &req); err != nil {
		return req, fmt.Errorf("%s: its settings cannot be read: %v", r.Name, err)
	}
	return req, nil
}

// ExportModel copies run id's model (a training's checkpoint: an .esm
// file the app and the CLI load) to path, atomically, and returns its size.
func (s *Service) ExportModel(id, path string) (int, error) {
	r, ok := s.Run(id)
	if !ok {
		return 0, fmt.Errorf("there is no run %s", id)
	}
	if r.Model == "" {
		return 0, fmt.Errorf("%s (%s) has no model to export", r.Name, r.Kind)
	}
	st := s.Store()
	if st == nil {
		return 0, fmt.Errorf("there is no run store to read the model of %s from", r.Name)
	}
	b, err := st.ReadModel(id, maxModelBytes)
	if err != nil {
		return 0, err
	}
	return len(b), atomicfile.Write(path, b)
}
