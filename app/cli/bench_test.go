package cli

import (
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"embedscope/app/workspace"
)

// writeSmallIDX writes a train/test IDX folder made of the first nTrain and
// the next nTest images of the embedded Fashion-MNIST test set.
func writeSmallIDX(t *testing.T, nTrain, nTest int) string {
	t.Helper()
	ds, err := workspace.Open(context.Background(), workspace.Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, magic uint32, dims []uint32, data []byte) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		zw := gzip.NewWriter(f)
		binary.Write(zw, binary.BigEndian, magic)
		for _, d := range dims {
			binary.Write(zw, binary.BigEndian, d)
		}
		zw.Write(data)
		zw.Close()
		f.Close()
	}
	part := func(prefix string, lo, hi int) {
		n := hi - lo
		labels := make([]byte, n)
		for i := range labels {
			labels[i] = byte(ds.Train.Labels[lo+i])
		}
		write(prefix+"-images-idx3-ubyte.gz", 0x803, []uint32{uint32(n), 28, 28}, ds.Train.Pixels[lo*784:hi*784])
		write(prefix+"-labels-idx1-ubyte.gz", 0x801, []uint32{uint32(n)}, labels)
	}
	part("train", 0, nTrain)
	part("t10k", nTrain, nTrain+nTest)
	return dir
}

func TestBenchRunsEveryJobWithoutSklearn(t *testing.T) {
	skipShort(t)
	dir := writeSmallIDX(t, 1500, 300)
	code, out, errOut := run(t, "bench", "--data", dir, "--sklearn", "off", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(benchJobs) {
		t.Fatalf("%d result lines for %d jobs:\n%s", len(lines), len(benchJobs), out)
	}
	for _, l := range lines {
		var r BenchRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.Error != "" || r.Seconds <= 0 {
			t.Errorf("%s: %+v", r.Job, r)
		}
		if r.Metric == "accuracy" && (r.Quality == nil || *r.Quality < 0.5 || *r.Quality > 1) {
			t.Errorf("%s: accuracy %v on 300 Fashion-MNIST test images", r.Job, r.Quality)
		}
	}
	code, out, _ = run(t, "bench", "--data", dir, "--sklearn", "off", "--only", "pca32_fit")
	if code != 0 || !strings.Contains(out, "PCA(32) fit") || !strings.Contains(out, "ours/sklearn") {
		t.Errorf("table output:\n%s", out)
	}
	if code, _, e := run(t, "bench", "--data", dir, "--only", "nope"); code != 1 || !strings.Contains(e, "pca32_fit") {
		t.Errorf("unknown job: exit %d, %s", code, e)
	}
	// A folder without a test part cannot be benchmarked.
	if code, _, e := run(t, "bench", "--data", filepath.Join("..", "..", "..", "shared", "datasets", "mnist-t10k")); code == 0 {
		t.Errorf("bench without a test part succeeded: %s", e)
	}
}

func TestPCAAndKNNCommands(t *testing.T) {
	code, out, e := run(t, "pca", "--components", "10", "--json")
	if code != 0 {
		t.Fatalf("pca: %s", e)
	}
	var p PCAResult
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if p.Components != 10 || len(p.Cumulative) != 10 || p.Samples != 8000 || p.ComponentsFor["0.80"] < 10 {
		t.Errorf("pca result %+v", p)
	}
	if code, _, e := run(t, "pca", "--components", "0"); code != 1 || e == "" {
		t.Errorf("0 components: exit %d", code)
	}
	code, out, e = run(t, "knn", "--features", "pca", "--components", "16", "--k", "3", "--json")
	if code != 0 {
		t.Fatalf("knn: %s", e)
	}
	var k KNNResult
	if err := json.Unmarshal([]byte(out), &k); err != nil {
		t.Fatal(err)
	}
	if k.EvalSplit != "validation" || k.Eval != 2000 || k.Accuracy < 0.75 || len(k.PerClass) != 10 {
		t.Errorf("knn result %+v", k)
	}
	if code, _, _ := run(t, "knn", "--k", "0"); code != 1 {
		t.Errorf("k=0: exit %d", code)
	}
	if code, _, _ := run(t, "knn", "--features", "tsne"); code != 1 {
		t.Errorf("unknown features: exit %d", code)
	}
}
