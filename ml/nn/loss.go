package nn

import (
	"fmt"
	"math"
)

// The loss functions return the loss of a batch as a float64 (accumulated
// in float64) and, when grad is not nil, overwrite grad — a tensor of the
// prediction's shape — with ∂loss/∂prediction, ready for Backward. They
// panic when sizes disagree or a label is out of range (programmer errors:
// validate data before training); a NaN or Inf in the inputs gives a
// non-finite loss, which the caller should check.

// checkGrad panics unless grad is nil or has the shape of pred.
func checkGrad(loss string, pred, grad *Tensor) {
	if grad != nil {
		checkSameShape(loss+" gradient", grad.Shape, pred.Shape)
	}
}

// BCEWithLogits is the binary cross-entropy of logits z against targets y
// in [0, 1], averaged over all n values:
//
//	loss = (1/n) Σ −[y·log σ(z) + (1−y)·log(1−σ(z))]
//	     = (1/n) Σ max(z, 0) − z·y + log(1 + e^(−|z|))
//
// (the second form, used here, never overflows), with ∂loss/∂z =
// (σ(z) − y)/n. targets has one value per value of logits.
func BCEWithLogits(logits *Tensor, targets []float32, grad *Tensor) float64 {
	if len(targets) != len(logits.Data) {
		panic(fmt.Sprintf("nn: BCEWithLogits: %d targets for %d logits", len(targets), len(logits.Data)))
	}
	checkGrad("BCEWithLogits", logits, grad)
	n := float64(len(targets))
	var sum float64
	for i, zf := range logits.Data {
		z, y := float64(zf), float64(targets[i])
		sum += math.Max(z, 0) - z*y + math.Log1p(math.Exp(-math.Abs(z)))
		if grad != nil {
			grad.Data[i] = float32((float64(sigmoid(zf)) - y) / n)
		}
	}
	return sum / n
}

// MSE is the mean squared error over all n values, (1/n) Σ (p − t)², with
// ∂loss/∂p = 2(p − t)/n. target has one value per value of pred.
func MSE(pred *Tensor, target []float32, grad *Tensor) float64 {
	if len(target) != len(pred.Data) {
		panic(fmt.Sprintf("nn: MSE: %d targets for %d predictions", len(target), len(pred.Data)))
	}
	checkGrad("MSE", pred, grad)
	n := float64(len(target))
	var sum float64
	for i, p := range pred.Data {
		d := float64(p) - float64(target[i])
		sum += d * d
		if grad != nil {
			grad.Data[i] = float32(2 * d / n)
		}
	}
	return sum / n
}

// SoftmaxCrossEntropy is the cross-entropy of the softmax of logits
// [N, K] against integer labels in [0, K), averaged over the N rows:
//
//	loss = (1/N) Σ_i −log softmax(z_i)[label_i]
//	     = (1/N) Σ_i log Σ_k e^(z_ik − m_i) − (z_i,label_i − m_i),  m_i = max_k z_ik
//
// with ∂loss/∂z_ik = (softmax(z_i)_k − [k = label_i])/N.
func SoftmaxCrossEntropy(logits *Tensor, labels []int, grad *Tensor) float64 {
	checkRank("SoftmaxCrossEntropy", logits, 2)
	n, k := logits.Shape[0], logits.Shape[1]
	if len(labels) != n {
		panic(fmt.Sprintf("nn: SoftmaxCrossEntropy: %d labels for %d rows", len(labels), n))
	}
	checkGrad("SoftmaxCrossEntropy", logits, grad)
	var sum float64
	for i, label := range labels {
		if label < 0 || label >= k {
			panic(fmt.Sprintf("nn: SoftmaxCrossEntropy: label %d of row %d is outside [0, %d)", label, i, k))
		}
		z := logits.Data[i*k : (i+1)*k]
		m := float64(z[0])
		for _, v := range z[1:] {
			m = math.Max(m, float64(v))
		}
		var s float64
		for _, v := range z {
			s += math.Exp(float64(v) - m)
		}
		logS := math.Log(s)
		sum += logS - (float64(z[label]) - m)
		if grad != nil {
			g := grad.Data[i*k : (i+1)*k]
			for j, v := range z {
				p := math.Exp(float64(v) - m - logS)
				if j == label {
					p--
				}
				g[j] = float32(p / float64(n))
			}
		}
	}
	return sum / float64(n)
}

// Accuracy returns the fraction of rows of logits [N, K] whose largest
// value is at the row's label (ties go to the first index).
func Accuracy(logits *Tensor, labels []int) float64 {
	checkRank("Accuracy", logits, 2)
	n, k := logits.Shape[0], logits.Shape[1]
	if len(labels) != n {
		panic(fmt.Sprintf("nn: Accuracy: %d labels for %d rows", len(labels), n))
	}
	if n == 0 {
		return 0
	}
	right := 0
	for i, label := range labels {
		z := logits.Data[i*k : (i+1)*k]
		best := 0
		for j, v := range z {
			if v > z[best] {
				best = j
			}
		}
		if best == label {
			right++
		}
	}
	return float64(right) / float64(n)
}
