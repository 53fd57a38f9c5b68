package embed

import (
	"context"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/nn"
)

// model is the network being trained with its optimiser and the buffers
// of a training step. It is used by one goroutine at a time.
type model struct {
	loss   Loss
	margin float64
	dim    int
	net    *nn.Sequential // the embedding network, or an autoencoder's encoder
	// head is, for Siamese, PairAbsDiff → Dense(1); for Softmax, ReLU →
	// Dense(classes); for an autoencoder, its decoder up to the output's
	// logits; else nil.
	head  *nn.Sequential
	train *nn.Sequential // net followed by head: what is optimised and saved

	ae     bool        // an autoencoder
	linear bool        // an autoencoder without output activation (else a sigmoid)
	sig    *nn.Sigmoid // an autoencoder's output activation
	opt    *adam
	noise  []nn.Layer // the layers whose random streams advance with each training Forward

	x       *nn.Tensor // batch input [rows, H, W, C]
	grad    *nn.Tensor // ∂loss/∂output
	labels  []int
	same    []bool
	targets []float32
}

// newModel builds the network of cfg for inputs of shape s, its weights
// drawn from cfg.Seed (the head's from cfg.Seed+1), with the input buffer
// of a training step.
func newModel(cfg Config, s Shape) *model {
	m := buildModel(cfg, s)
	m.allocInput(cfg, s)
	return m
}

// allocInput allocates the input buffer of a training step: a batch of
// cfg.Batch items, or both sides of cfg.Batch pairs.
func (m *model) allocInput(cfg Config, s Shape) {
	rows := cfg.Batch
	if cfg.Loss.Pairwise() {
		rows *= 2
	}
	m.x = nn.NewTensor(rows, s.Height, s.Width, s.Channels)
}

// buildModel is newModel without the input buffer, which training
// allocates when it first needs it: a model read from a file then costs
// the memory of its parameters, which the file must hold.
func buildModel(cfg Config, s Shape) *model {
	m := &model{loss: cfg.Loss, margin: cfg.Margin, dim: cfg.Dim, ae: cfg.Arch.Autoencoder()}
	switch cfg.Arch {
	case Seed:
		m.net = nn.SeedEmbeddingNetC(s.Channels, cfg.Dim, cfg.Seed)
	case Small:
		m.net = nn.SmallConvEmbeddingNetC(s.Height, s.Width, s.Channels, cfg.Dim, cfg.Seed)
	case DenseAE, ConvAE, ModernAE:
		m.net, m.head = newAutoencoder(cfg.Arch, s, cfg.Dim, cfg.Seed)
		m.sig = nn.NewSigmoid()
	default:
		m.net = nn.MLPEmbeddingNet(s.Features(), cfg.Dim, cfg.Seed)
	}
	rng := nn.NewRNG(cfg.Seed + 1)
	switch cfg.Loss {
	case Siamese:
		m.head = nn.NewSequential(nn.NewPairAbsDiff(), nn.NewDense(cfg.Dim, 1, rng))
	case Softmax:
		m.head = nn.NewSequential(nn.NewReLU(), nn.NewDense(cfg.Dim, s.Classes, rng))
	}
	if m.head != nil {
		m.train = nn.NewSequential(m.net, m.head)
	} else {
		m.train = nn.NewSequential(m.net)
	}
	for _, l := range m.net.Layers {
		switch l.(type) {
		case *nn.Dropout, *nn.GaussianNoise:
			m.noise = append(m.noise, l)
		}
	}
	m.opt = newAdam(m.train.Params())
	return m
}

// advanceNoise moves the random streams of the noise layers forward by
// calls training Forward calls, as if the network had been trained for
// that many steps: a model rebuilt from a checkpoint then draws the same
// noise as the one that wrote it.
func (m *model) advanceNoise(calls int) {
	one := nn.NewTensor(1, 1)
	for _, l := range m.noise {
		for range calls {
			l.Forward(one, true)
		}
	}
}

// stepResult is the outcome of one training step.
type stepResult struct {
	loss         float64
	right, total int // correct predictions (pairs or images) and their number
}

// step trains on the batch in m.x (labels in m.labels for the in-batch
// schemes, m.same and m.targets for pairs, itself for an autoencoder) with
// learning rate lr and β1.
// It returns the loss before the update; when the loss is not finite the
// parameters are left as they were.
func (m *model) step(lr, beta1 float64) stepResult {
	m.train.ZeroGrad()
	out := m.train.Forward(m.x, true)
	if m.grad == nil || len(m.grad.Data) != len(out.Data) {
		m.grad = nn.NewTensor(out.Shape...)
	}
	var r stepResult
	g := m.grad
	switch m.loss {
	case Siamese:
		r.loss = nn.BCEWithLogits(out, m.targets, m.grad)
		for i, z := range out.Data {
			if (z > 0) == m.same[i] {
				r.right++
			}
		}
		r.total = len(m.same)
	case Contrastive:
		r.loss = nn.Contrastive(out, m.same, m.margin, m.grad)
		r.right, r.total = pairHits(out.Data, m.dim, m.same, m.margin)
	case Softmax:
		r.loss = nn.SoftmaxCrossEntropy(out, m.labels, m.grad)
		r.total = len(m.labels)
		r.right = int(math.Round(nn.Accuracy(out, m.labels) * float64(r.total)))
	case AllPairs:
		r.loss = nn.ContrastiveAllPairs(out, m.labels, m.margin, m.grad)
		r.right, r.total = allPairHits(out.Data, m.dim, m.labels, m.margin)
	case MSE, BCE:
		r.loss, g = m.reconLoss(out, m.x.Data, m.grad)
	}
	if math.IsNaN(r.loss) || math.IsInf(r.loss, 0) {
		return r
	}
	m.train.BackwardParams(g)
	m.opt.step(lr, beta1)
	return r
}

// pairHits counts the pairs of emb [2P, dim] (left rows then right rows)
// whose distance is below margin/2 exactly when they are of the same class.
func pairHits(emb []float32, dim int, same []bool, margin float64) (right, total int) {
	p := len(same)
	for i, s := range same {
		if (dist2(emb[i*dim:(i+1)*dim], emb[(p+i)*dim:(p+i+1)*dim]) < margin*margin/4) == s {
			right++
		}
	}
	return right, p
}

// allPairHits is pairHits over all pairs i < j of the rows of emb [N, dim].
func allPairHits(emb []float32, dim int, labels []int, margin float64) (right, total int) {
	n := len(labels)
	thr := margin * margin / 4
	for i := range n {
		a := emb[i*dim : (i+1)*dim]
		for j := i + 1; j < n; j++ {
			if (dist2(a, emb[j*dim:(j+1)*dim]) < thr) == (labels[i] == labels[j]) {
				right++
			}
		}
	}
	return right, n * (n - 1) / 2
}

func dist2(a, b []float32) float64 {
	var s float64
	for k, v := range a {
		d := float64(v) - float64(b[k])
		s += d * d
	}
	return s
}

// embed returns the embeddings of the rows of X in inference mode, in
// batches.
func (m *model) embed(ctx context.Context, X blas32.General, s Shape) (blas32.General, error) {
	out := newGeneral(X.Rows, m.dim)
	err := forBatches(ctx, X, func(lo, hi int, in []float32) {
		y := m.net.Forward(nn.TensorFrom(in, hi-lo, s.Height, s.Width, s.Channels), false)
		copy(out.Data[lo*m.dim:hi*m.dim], y.Data)
	})
	if err != nil {
		return blas32.General{}, err
	}
	return out, nil
}

// adam is Adam as nn.Adam computes it (Keras' form: ε added to the
// uncorrected √v; with a β1 schedule the current β1 in the bias
// correction), with its moments accessible for checkpoints.
type adam struct {
	params []*nn.Param
	m, v   [][]float32
	t      int // steps taken
}

const (
	adamBeta2 = 0.999
	adamEps   = 1e-7
)

func newAdam(params []*nn.Param) *adam {
	a := &adam{params: params}
	for _, p := range params {
		a.m = append(a.m, make([]float32, len(p.Value)))
		a.v = append(a.v, make([]float32, len(p.Value)))
	}
	return a
}

// step applies one update with learning rate lr and β1.
func (a *adam) step(lr, b1 float64) {
	a.t++
	t := float64(a.t)
	alpha := float32(lr * math.Sqrt(1-math.Pow(adamBeta2, t)) / (1 - math.Pow(b1, t)))
	c1, c2, eps := float32(1-b1), float32(1-adamBeta2), float32(adamEps)
	for i, p := range a.params {
		m, v := a.m[i], a.v[i]
		parallelFor(len(p.Value), 1<<15, func(lo, hi int) {
			val, g, m, v := p.Value[lo:hi], p.Grad[lo:hi], m[lo:hi], v[lo:hi]
			for j := range val {
				gj := g[j]
				mj := m[j] + c1*(gj-m[j])
				vj := v[j] + c2*(gj*gj-v[j])
				m[j], v[j] = mj, vj
				val[j] -= alpha * mj / (float32(math.Sqrt(float64(vj))) + eps)
			}
		})
	}
}

// parallelFor calls f on disjoint ranges covering [0, n), each at least
// minChunk long, on up to GOMAXPROCS goroutines. Every item is computed on
// its own, so the result does not depend on the split.
func parallelFor(n, minChunk int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/minChunk)
	if workers <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := chunk; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			f(lo, hi)
		}(lo, min(lo+chunk, n))
	}
	f(0, min(chunk, n))
	wg.Wait()
}
