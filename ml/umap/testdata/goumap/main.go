// Command goumap times ml/umap on Fashion-MNIST the way app/cli's
// umap_bench.py times umap-learn, and scores both maps with the same code.
//
// Usage (from the module root):
//
//	go run ./ml/umap/testdata/goumap [-n 70000] [-dir DIR] [-epochs 0] [-peer MAP.f32] [-out MAP.f32]
//
// The items are the 60,000 training images followed by the 10,000 test
// images (or the first n), divided by 255 before the clock starts. The
// timed pipeline is tsne.PCA50 followed by umap.New().Fit. It prints one JSON
// object: "seconds", "pca_seconds", "umap_seconds", "cpu_seconds",
// "stages" and "stage_cpu" (wall and CPU time per progress stage, polled
// every 20 ms), "knn5"
// (leave-one-out 5-NN accuracy in the map) and "trust" (trustworthiness(5)
// against the PCA-50 features on every ⌈n/20000⌉-th item); with -peer,
// "peer_knn5" and "peer_trust" score the map in that file (raw float32
// pairs, as umap_bench.py writes it) the same way.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"log"
	"os"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
	"embedscope/ml/progress"
	"embedscope/ml/tsne"
	"embedscope/ml/umap"
)

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func strided(X blas32.General, step int) blas32.General {
	S := blas32.General{Rows: (X.Rows + step - 1) / step, Cols: X.Cols, Stride: X.Cols}
	for i := 0; i < X.Rows; i += step {
		S.Data = append(S.Data, X.Data[i*X.Stride:i*X.Stride+X.Cols]...)
	}
	return S
}

func score(Z, Y blas32.General, labels []int) (float64, float64) {
	ctx := context.Background()
	acc, err := tsne.LeaveOneOut5NN(ctx, Y, labels)
	if err != nil {
		log.Fatal(err)
	}
	step := (Z.Rows + 19999) / 20000
	tr, err := tsne.Trustworthiness(ctx, strided(Z, step), strided(Y, step), 5)
	if err != nil {
		log.Fatal(err)
	}
	return acc, tr
}

func main() {
	n := flag.Int("n", 70000, "number of images")
	dir := flag.String("dir", "/usr/share/datasets/fashion-mnist", "Fashion-MNIST IDX folder")
	epochs := flag.Int("epochs", 0, "epochs (0: default)")
	seed := flag.Uint64("seed", 0, "seed")
	peer := flag.String("peer", "", "score this map too (raw float32 pairs)")
	out := flag.String("out", "", "write our map (raw float32 pairs)")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the fit")
	flag.Parse()
	log.SetFlags(0)
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	d, err := dataset.LoadIDXDir(*dir)
	if err != nil {
		log.Fatal(err)
	}
	s, err := d.Split(dataset.DefaultSplitOptions(d))
	if err != nil {
		log.Fatal(err)
	}
	sc, err := dataset.FitScaler(dataset.ScaleDiv255, s.Train)
	if err != nil {
		log.Fatal(err)
	}
	train, test := sc.Transform(s.Train), sc.Transform(s.Test)
	labels := append(s.Train.Labels(), s.Test.Labels()...)
	if *n < 4 || *n > len(labels) {
		log.Fatalf("goumap: n = %d, need 4..%d", *n, len(labels))
	}
	X := blas32.General{Rows: *n, Cols: train.Cols, Stride: train.Cols,
		Data: append(train.Data, test.Data...)[:*n*train.Cols]}
	labels = labels[:*n]

	tr := progress.New()
	stages := map[string]float64{}
	stageCPU := map[string]float64{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		last, since, cpuSince := "", time.Now(), cpuSeconds()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				if last != "" {
					stages[last] += time.Since(since).Seconds()
					stageCPU[last] += cpuSeconds() - cpuSince
				}
				return
			case <-tick.C:
				if s := tr.Snapshot().Stage; s != last {
					if last != "" {
						stages[last] += time.Since(since).Seconds()
						stageCPU[last] += cpuSeconds() - cpuSince
					}
					last, since, cpuSince = s, time.Now(), cpuSeconds()
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
	u := umap.New()
	u.Epochs, u.Seed, u.Progress = *epochs, *seed, tr
	m, err := u.Fit(ctx, Z)
	if err != nil {
		log.Fatal(err)
	}
	t2, cpu := time.Now(), cpuSeconds()-cpu0
	close(done)
	wg.Wait()
	res := map[string]any{"n": *n, "seconds": t2.Sub(t0).Seconds(), "pca_seconds": t1.Sub(t0).Seconds(),
		"umap_seconds": t2.Sub(t1).Seconds(), "cpu_seconds": cpu, "stages": stages, "stage_cpu": stageCPU, "a": m.A, "b": m.B,
		"epochs": m.Epochs, "edges": m.Graph.Edges(), "components": m.Components, "spectral_converged": m.SpectralConverged}
	wmax, wsum := float32(0), 0.0
	for _, w := range m.Graph.W {
		wmax = max(wmax, w)
		wsum += float64(w)
	}
	res["edge_samples"] = wsum / float64(wmax) * float64(m.Epochs)
	res["knn5"], res["trust"] = score(Z, m.Embedding, labels)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		binary.Write(f, binary.LittleEndian, m.Embedding.Data)
		f.Close()
	}
	if *peer != "" {
		b, err := os.ReadFile(*peer)
		if err != nil {
			log.Fatal(err)
		}
		P := blas32.General{Rows: *n, Cols: 2, Stride: 2, Data: make([]float32, 2**n)}
		if len(b) != 8**n {
			log.Fatalf("%s: %d bytes, want %d", *peer, len(b), 8**n)
		}
		binary.Read(bytesReader(b), binary.LittleEndian, P.Data)
		res["peer_knn5"], res["peer_trust"] = score(Z, P, labels)
	}
	json.NewEncoder(os.Stdout).Encode(res)
	pprof.StopCPUProfile()
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
