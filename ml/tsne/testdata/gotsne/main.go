// Command gotsne times ml/tsne on Fashion-MNIST the way sklearn_tsne.py times
// scikit-learn, for comparing the two in one session.
//
// Usage (from the module root):
//
//	go run ./ml/tsne/testdata/gotsne [-n 10000] [-dir DIR] [-lr 0] [-trust=true]
//
// Features are the first n images of the Fashion-MNIST test set (t10k)
// divided by 255, read before the clock starts (n up to 70,000: beyond
// 10,000 the training images follow the test images). The timed pipeline is
// tsne.PCA50 followed by tsne.TSNE{LearningRate: lr}.Fit with every other
// setting at its default. It prints one JSON object on stdout with the
// same keys as sklearn_tsne.py: "seconds" (PCA + t-SNE wall time),
// "pca_seconds", "tsne_seconds", "cpu_seconds" (user + system time of the
// process during the pipeline), "knn5" (leave-one-out 5-NN accuracy in the
// map), "trustworthiness" (k = 5, against the PCA-50 features), "kl", and
// "stages": the wall time of each stage of the fit by its progress name
// (polled every 20 ms).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"os"
	"sync"
	"syscall"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
	"embedscope/ml/progress"
	"embedscope/ml/tsne"
)

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func main() {
	n := flag.Int("n", 10000, "number of images")
	dir := flag.String("dir", "/usr/share/datasets/fashion-mnist", "Fashion-MNIST IDX folder")
	lr := flag.Float64("lr", 0, "learning rate (0: the default, n/12)")
	trust := flag.Bool("trust", true, "compute the trustworthiness")
	flag.Parse()
	log.SetFlags(0)

	d, err := dataset.LoadIDXDir(*dir)
	if err != nil {
		log.Fatal(err)
	}
	s, err := d.Split(dataset.DefaultSplitOptions(d))
	if err != nil {
		log.Fatal(err)
	}
	sc, err := dataset.FitScaler(dataset.ScaleDiv255, s.Test)
	if err != nil {
		log.Fatal(err)
	}
	test, train := sc.Transform(s.Test), sc.Transform(s.Train)
	labels := append(s.Test.Labels(), s.Train.Labels()...)
	if *n < 4 || *n > len(labels) {
		log.Fatalf("gotsne: n = %d, need 4..%d", *n, len(labels))
	}
	X := blas32.General{Rows: *n, Cols: test.Cols, Stride: test.Cols,
		Data: append(test.Data, train.Data...)[:*n*test.Cols]}
	labels = labels[:*n]

	// Record when each stage of the fit starts, polling its tracker.
	tr := progress.New()
	stages := map[string]float64{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		last, since := "", time.Now()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				if last != "" {
					stages[last] += time.Since(since).Seconds()
				}
				return
			case <-tick.C:
				if s := tr.Snapshot().Stage; s != last {
					if last != "" {
						stages[last] += time.Since(since).Seconds()
					}
					last, since = s, time.Now()
				}
			}
		}
	}()

	ctx := context.Background()
	cpu0, t0 := cpuSeconds(), time.Now()
	Z, err := tsne.PCA50(ctx, X)
	if err != nil {
		log.Fatal(err)
	}
	t1 := time.Now()
	m, err := tsne.TSNE{LearningRate: *lr, Progress: tr}.Fit(ctx, Z)
	if err != nil {
		log.Fatal(err)
	}
	t2, cpu := time.Now(), cpuSeconds()-cpu0
	close(done)
	wg.Wait()
	for k, v := range stages {
		stages[k] = round(v)
	}
	out := map[string]any{
		"seconds":       round(t2.Sub(t0).Seconds()),
		"pca_seconds":   round(t1.Sub(t0).Seconds()),
		"tsne_seconds":  round(t2.Sub(t1).Seconds()),
		"cpu_seconds":   round(cpu),
		"kl":            m.KL,
		"learning_rate": m.LearningRate,
		"n":             *n,
		"stages":        stages,
	}
	if out["knn5"], err = tsne.LeaveOneOut5NN(ctx, m.Embedding, labels); err != nil {
		log.Fatal(err)
	}
	if *trust {
		if out["trustworthiness"], err = tsne.Trustworthiness(ctx, Z, m.Embedding, 5); err != nil {
			log.Fatal(err)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		log.Fatal(err)
	}
}

func round(s float64) float64 { return float64(int64(s*100+0.5)) / 100 }
