package nn

import (
	"context"
	"flag"
	"os"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
	"embedscope/ml/knn"
)

// An end-to-end check on real data, run by hand (it takes minutes):
//
//	go test ./ml/nn -run FashionTraining -v -timeout 0 -args -nnfashion -nnepochs 5
//
// It trains the seed network with a softmax head on the 60,000
// Fashion-MNIST training images (in-batch scheme: batch 256, Adam with a
// one-cycle learning rate, max 3e-3) and logs, per epoch, the time, the
// mean loss, the head's test accuracy and the kNN(5) test accuracy of the
// 32-d embedding.

var (
	fashionFlag   = flag.Bool("nnfashion", false, "train the seed network on Fashion-MNIST")
	fashionEpochs = flag.Int("nnepochs", 1, "epochs for -nnfashion")
	fashionNet    = flag.String("nnnet", "seed", "network for -nnfashion: seed, small or mlp")
)

const fashionDir = "/usr/share/datasets/fashion-mnist"

// imagesTensor returns the part's images scaled to [0, 1] as [N, H, W, 1].
func imagesTensor(d *dataset.Dataset, p *dataset.Part) *Tensor {
	t := NewTensor(p.N, d.Height, d.Width, 1)
	for i, v := range p.Pixels {
		t.Data[i] = float32(v) / 255
	}
	return t
}

func TestFashionTraining(t *testing.T) {
	if !*fashionFlag {
		t.Skip("run with -nnfashion")
	}
	if _, err := os.Stat(fashionDir); err != nil {
		t.Skip("Fashion-MNIST not installed")
	}
	ctx := context.Background()
	d, err := dataset.Load(ctx, fashionDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	xtr, xte := imagesTensor(d, &d.Train), imagesTensor(d, &d.Test)
	const batch, dim = 256, 32
	var embed *Sequential
	switch *fashionNet {
	case "small":
		embed = SmallConvEmbeddingNet(28, 28, dim, 1)
	case "mlp":
		embed = MLPEmbeddingNet(784, dim, 1)
	default:
		embed = SeedEmbeddingNet(dim, 1)
	}
	model := NewSequential(embed, NewReLU(), NewDense(dim, 10, NewRNG(2)))
	opt := NewAdam(model.Params())
	steps := *fashionEpochs * (d.Train.N / batch)
	oc := NewOneCycle(3e-3, steps)
	opt.LRSchedule, opt.Beta1Schedule = oc.LR, oc.Momentum

	n, s := d.Train.N, xtr.SampleSize()
	xb := NewTensor(batch, 28, 28, 1)
	yb := make([]int, batch)
	grad := NewTensor(batch, 10)
	rng := NewRNG(3)
	for epoch := 1; epoch <= *fashionEpochs; epoch++ {
		start := time.Now()
		perm := rng.Perm(n)
		var sum float64
		nb := n / batch // the last partial batch is dropped
		for b := 0; b < nb; b++ {
			for i, j := range perm[b*batch : (b+1)*batch] {
				copy(xb.Data[i*s:(i+1)*s], xtr.Data[j*s:(j+1)*s])
				yb[i] = d.Train.Labels[j]
			}
			model.ZeroGrad()
			sum += SoftmaxCrossEntropy(model.Forward(xb, true), yb, grad)
			model.BackwardParams(grad)
			opt.Step()
		}
		train := time.Since(start)
		if !ParamsFinite(model.Params()) {
			t.Fatalf("epoch %d: parameters not finite", epoch)
		}
		logits, err := model.Predict(ctx, xte, 500)
		if err != nil {
			t.Fatal(err)
		}
		etr, _ := embed.Predict(ctx, xtr, 500)
		ete, _ := embed.Predict(ctx, xte, 500)
		clf := &knn.Classifier{K: 5}
		if err := clf.Fit(blas32.General{Rows: n, Cols: dim, Stride: dim, Data: etr.Data}, d.Train.Labels); err != nil {
			t.Fatal(err)
		}
		pred, err := clf.Predict(ctx, blas32.General{Rows: d.Test.N, Cols: dim, Stride: dim, Data: ete.Data})
		if err != nil {
			t.Fatal(err)
		}
		right := 0
		for i, p := range pred {
			if p == d.Test.Labels[i] {
				right++
			}
		}
		t.Logf("epoch %d: train %.1f s, loss %.4f, softmax test acc %.4f, kNN(5) test acc %.4f (eval %.1f s)",
			epoch, train.Seconds(), sum/float64(nb), Accuracy(logits, d.Test.Labels),
			float64(right)/float64(d.Test.N), time.Since(start).Seconds()-train.Seconds())
	}
}
