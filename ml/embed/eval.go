package embed

import (
	"context"
	"math"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"

	"embedscope/ml/nn"
)

// evaluate measures the model on the evaluation split after an epoch: the
// loss and accuracy of the scheme (an autoencoder's reconstruction loss),
// the spread of the embeddings, the projection of the sample (and the
// sample's embeddings), an autoencoder's reconstructions and, with
// KNNEval, the kNN(5) accuracy. Without evaluation items the statistics
// are NaN and proj and rec nil.
func (t *Trainer) evaluate(ctx context.Context, d Data) (stat EpochStat, proj *Projection, sample blas32.General, rec *Reconstructions, std float64, err error) {
	stat = EpochStat{EvalLoss: math.NaN(), EvalAcc: math.NaN(), KNN: math.NaN(), EmbeddingStd: math.NaN()}
	n := d.Eval.Rows
	if n == 0 {
		return stat, nil, sample, nil, math.NaN(), nil
	}
	var E blas32.General
	if t.m.ae {
		if E, _, stat.EvalLoss, _, err = t.m.autoencode(ctx, d.Eval, t.shape, false); err != nil {
			return stat, nil, sample, nil, 0, err
		}
		if rec, err = t.reconstructSample(ctx, d); err != nil {
			return stat, nil, sample, nil, 0, err
		}
	} else {
		if E, err = t.m.embed(ctx, d.Eval, t.shape); err != nil {
			return stat, nil, sample, nil, 0, err
		}
		stat.EvalLoss, stat.EvalAcc = t.evalLoss(E, d.EvalLabels)
	}
	std = spread(E, nil)
	stat.EmbeddingStd = std
	if len(t.st.SampleIndex) > 0 {
		x, y := t.project(E, t.st.SampleIndex)
		proj = &Projection{X: x, Y: y}
		sample = gatherRows(E, t.st.SampleIndex)
	}
	if t.cfg.KNNEval > 0 {
		rows := t.perm(streamSample, n)[:min(t.cfg.KNNEval, n)]
		if stat.KNN, err = t.knnAccuracy(ctx, d, rows, 5, E); err != nil {
			return stat, nil, sample, nil, 0, err
		}
	}
	return stat, proj, sample, rec, std, nil
}

// evalLoss returns the scheme's loss and accuracy on the evaluation
// embeddings E with their labels, in inference mode.
func (t *Trainer) evalLoss(E blas32.General, labels []int) (loss, acc float64) {
	n, dim, m := E.Rows, E.Cols, t.m
	switch t.cfg.Loss {
	case Softmax:
		logits := m.head.Forward(nn.TensorFrom(E.Data[:n*dim], n, dim), false)
		return nn.SoftmaxCrossEntropy(logits, labels, nil), nn.Accuracy(logits, labels)
	case AllPairs:
		order := t.perm(streamEvalPairs+2, n)
		var sum float64
		var right, total int
		for lo := 0; lo+1 < n; lo += t.cfg.Batch {
			rows := order[lo:min(lo+t.cfg.Batch, n)]
			if len(rows) < 2 {
				break
			}
			x := gatherRows(E, rows)
			l := gatherInts(labels, rows)
			r, p := allPairHits(x.Data, dim, l, t.cfg.Margin)
			sum += nn.ContrastiveAllPairs(nn.TensorFrom(x.Data, len(rows), dim), l, t.cfg.Margin, nil) * float64(p)
			right, total = right+r, total+p
		}
		return sum / float64(total), float64(right) / float64(total)
	}
	// Pairs of two fixed permutations, stacked left then right.
	left, right := t.perm(streamEvalPairs, n), t.perm(streamEvalPairs+1, n)
	x := gatherRows(E, append(left, right...))
	same := make([]bool, n)
	targets := make([]float32, n)
	for i := range n {
		same[i] = labels[left[i]] == labels[right[i]]
		targets[i] = float32(b2f(same[i]))
	}
	stacked := nn.TensorFrom(x.Data, 2*n, dim)
	if t.cfg.Loss == Contrastive {
		r, p := pairHits(x.Data, dim, same, t.cfg.Margin)
		return nn.Contrastive(stacked, same, t.cfg.Margin, nil), float64(r) / float64(p)
	}
	logits := m.head.Forward(stacked, false)
	hits := 0
	for i, z := range logits.Data {
		if (z > 0) == same[i] {
			hits++
		}
	}
	return nn.BCEWithLogits(logits, targets, nil), float64(hits) / float64(n)
}

// projectSample embeds the projection sample now (between batches) and
// records its projection and spread, and an autoencoder's
// reconstructions.
func (t *Trainer) projectSample(ctx context.Context, d Data) error {
	rec, err := t.reconstructSample(ctx, d)
	if err != nil {
		return err
	}
	if rec != nil {
		rec.Epoch, rec.Batch = t.st.Epoch, t.st.Batch
		t.mu.Lock()
		t.hist.Recon = rec
		t.mu.Unlock()
	}
	if len(t.st.SampleIndex) == 0 {
		return nil
	}
	E, err := t.m.embed(ctx, gatherRows(d.Eval, t.st.SampleIndex), t.shape)
	if err != nil {
		return err
	}
	all := make([]int, E.Rows)
	for i := range all {
		all[i] = i
	}
	x, y := t.project(E, all)
	std := spread(E, nil)
	t.mu.Lock()
	t.hist.addProjection(Projection{Epoch: t.st.Epoch, Batch: t.st.Batch, X: x, Y: y})
	t.hist.setStd(std)
	t.mu.Unlock()
	return nil
}

// spread returns √(mean over columns of the column variance) of the rows of
// E listed in rows (all when nil).
func spread(E blas32.General, rows []int) float64 {
	if rows == nil {
		rows = make([]int, E.Rows)
		for i := range rows {
			rows[i] = i
		}
	}
	if len(rows) < 2 {
		return 0
	}
	mean := make([]float64, E.Cols)
	for _, r := range rows {
		for j, v := range E.Data[r*E.Stride : r*E.Stride+E.Cols] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(len(rows))
	}
	var ss float64
	for _, r := range rows {
		for j, v := range E.Data[r*E.Stride : r*E.Stride+E.Cols] {
			dv := float64(v) - mean[j]
			ss += dv * dv
		}
	}
	return math.Sqrt(ss / float64(len(rows)-1) / float64(E.Cols))
}

// project returns the first two principal components of the rows of E
// listed in rows, aligned to the last recorded projection (if it has the
// same number of points) by the orthogonal map that best matches it
// (Procrustes: R = U·Vᵀ from the SVD of Pᵀ·Prev); the first projection's
// axes are oriented so that their third moments are positive. The
// projection of an autoencoder's 2-D code is the code itself.
func (t *Trainer) project(E blas32.General, rows []int) (x, y []float32) {
	n, dim := len(rows), E.Cols
	if dim == 2 && t.cfg.Arch.Autoencoder() {
		x, y = make([]float32, n), make([]float32, n)
		for i, r := range rows {
			x[i], y[i] = E.Data[r*E.Stride], E.Data[r*E.Stride+1]
		}
		return x, y
	}
	mean := make([]float64, dim)
	for _, r := range rows {
		for j, v := range E.Data[r*E.Stride : r*E.Stride+dim] {
			mean[j] += float64(v) / float64(n)
		}
	}
	z := mat.NewDense(n, dim, nil)
	for i, r := range rows {
		for j, v := range E.Data[r*E.Stride : r*E.Stride+dim] {
			z.Set(i, j, float64(v)-mean[j])
		}
	}
	p := mat.NewDense(n, 2, nil)
	if dim == 1 {
		p.Slice(0, n, 0, 1).(*mat.Dense).Copy(z)
	} else {
		var cov mat.SymDense
		cov.SymOuterK(1, z.T())
		var eig mat.EigenSym
		if eig.Factorize(&cov, true) {
			var vecs mat.Dense
			eig.VectorsTo(&vecs) // ascending eigenvalues: the last two columns
			p.Mul(z, vecs.Slice(0, dim, dim-2, dim))
			// Largest component first.
			for i := range n {
				a, b := p.At(i, 0), p.At(i, 1)
				p.Set(i, 0, b)
				p.Set(i, 1, a)
			}
		}
	}
	t.mu.Lock()
	var prev *Projection
	if k := len(t.hist.Proj); k > 0 && len(t.hist.Proj[k-1].X) == n {
		prev = &t.hist.Proj[k-1]
	}
	t.mu.Unlock()
	if prev != nil {
		q := mat.NewDense(n, 2, nil)
		for i := range n {
			q.Set(i, 0, float64(prev.X[i]))
			q.Set(i, 1, float64(prev.Y[i]))
		}
		var m mat.Dense
		m.Mul(p.T(), q)
		var svd mat.SVD
		if svd.Factorize(&m, mat.SVDFull) {
			var u, v, r mat.Dense
			svd.UTo(&u)
			svd.VTo(&v)
			r.Mul(&u, v.T())
			var aligned mat.Dense
			aligned.Mul(p, &r)
			p = &aligned
		}
	} else {
		for j := range 2 {
			var m3 float64
			for i := range n {
				v := p.At(i, j)
				m3 += v * v * v
			}
			if m3 < 0 {
				for i := range n {
					p.Set(i, j, -p.At(i, j))
				}
			}
		}
	}
	x, y = make([]float32, n), make([]float32, n)
	for i := range n {
		x[i], y[i] = float32(p.At(i, 0)), float32(p.At(i, 1))
	}
	return x, y
}
