package cli

import (
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

func TestBenchRunsEveryJobWithoutPeers(t *testing.T) {
	skipShort(t)
	dir := writeSmallIDX(t, 1500, 300)
	code, out, errOut := run(t, "bench", "--data", dir, "--peers", "none", "--json")
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
		if r.Error != "" || r.Seconds <= 0 || r.Peers != nil || r.BLAS == nil || r.BLAS.Backend == "" {
			t.Errorf("%s: %+v", r.Job, r)
		}
		if r.Metric == "accuracy" && (r.Quality == nil || *r.Quality < 0.5 || *r.Quality > 1) {
			t.Errorf("%s: accuracy %v on 300 Fashion-MNIST test images", r.Job, r.Quality)
		}
	}
	code, out, _ = run(t, "bench", "--data", dir, "--peers", "none", "--only", "pca32_fit")
	if code != 0 || !strings.Contains(out, "PCA(32) fit") || !strings.Contains(out, "ours (s)") || !strings.Contains(out, "BLAS: ") {
		t.Errorf("table output:\n%s", out)
	}
	if code, _, e := run(t, "bench", "--data", dir, "--peers", "sklearn,nope"); code != 1 || !strings.Contains(e, "torch") {
		t.Errorf("unknown peer: exit %d, %s", code, e)
	}
	if code, _, e := run(t, "bench", "--data", dir, "--only", "nope"); code != 1 || !strings.Contains(e, "pca32_fit") {
		t.Errorf("unknown job: exit %d, %s", code, e)
	}
	// A folder without a test part cannot be benchmarked: its only pair
	// (t10k) becomes the training part.
	only := t.TempDir()
	for _, f := range []string{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(only, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, e := run(t, "bench", "--data", only, "--sklearn", "off"); code != 1 || !strings.Contains(e, "has no test part") {
		t.Errorf("bench without a test part: exit %d, %q; want exit 1 naming the missing test part", code, e)
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
	if p.Components != 10 || len(p.Cumulative) != 10 || p.Samples != 8000 || p.ComponentsFor["0.80"] < 10 || math.Abs(p.Cumulative[9]-0.71812) > 5e-5 {
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
	// Reference: KNeighborsClassifier(3, algorithm="brute") on scikit-learn's
	// PCA(16, svd_solver="full") of the same rows (exported with
	// `embedscope export-embedding --space pixels`, labels as class indices):
	// 0.7965; its first 10 components explain 0.71812 of the variance.
	if k.EvalSplit != "validation" || k.Eval != 2000 || k.Accuracy != 0.7965 || len(k.PerClass) != 10 {
		t.Errorf("knn result %+v", k)
	}
	if code, _, _ := run(t, "knn", "--k", "0"); code != 1 {
		t.Errorf("k=0: exit %d", code)
	}
	if code, _, _ := run(t, "knn", "--features", "tsne"); code != 1 {
		t.Errorf("unknown features: exit %d", code)
	}
}

func TestSelectPeers(t *testing.T) {
	jobs := []benchJob{{Name: "a", Peers: []string{"sklearn"}}, {Name: "b", Peer: func(*Context, *workspace.Workspace, string) (float64, float64, error) { return 0, 0, nil }, PeerName: "umap-learn"}}
	for _, c := range []struct {
		list, sklearn string
		want          []string
		err           bool
	}{
		{"auto", "auto", []string{"faiss", "sklearn", "torch", "umap-learn"}, false},
		{"auto", "off", []string{"faiss", "torch", "umap-learn"}, false},
		{"none", "auto", nil, false},
		{"torch, faiss", "auto", []string{"faiss", "torch"}, false},
		{"umap-learn", "auto", []string{"umap-learn"}, false},
		{"sklearn", "off", nil, false},
		{"pandas", "auto", nil, true},
		{"auto", "maybe", nil, true},
	} {
		got, err := selectPeers(c.list, c.sklearn, jobs)
		if (err != nil) != c.err {
			t.Errorf("selectPeers(%q, %q): error %v", c.list, c.sklearn, err)
			continue
		}
		var names []string
		for p := range got {
			names = append(names, p)
		}
		slices.Sort(names)
		if !c.err && !slices.Equal(names, c.want) {
			t.Errorf("selectPeers(%q, %q) = %v, want %v", c.list, c.sklearn, names, c.want)
		}
	}
}

// TestBenchTable: one column pair per peer that has a result, "—" where a
// job has none, the ratio ours/peer as given.
func TestBenchTable(t *testing.T) {
	acc, accT, accF := 0.8554, 0.85, 0.8554
	rows := []BenchRow{{Job: "knn5_pixels", Label: "kNN(5) on pixels", Seconds: 4, Metric: "accuracy", Quality: &acc}, {Job: "seednet_epoch", Label: "seed net", Seconds: 40}}
	setPeer(&rows[0], "faiss", "1.7.3", 5, &accF)
	setPeer(&rows[1], "torch", "1.13.1", 80, nil)
	setPeer(&rows[0], "sklearn", "1.2.1", 10, &accT)
	if r := rows[0]; *r.Peers["faiss"].Ratio != 0.8 || *r.Ratio != 0.4 || *r.SklearnSeconds != 10 {
		t.Errorf("row %+v", r)
	}
	var b strings.Builder
	writeRows(&b, rows)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := [][]string{
		{"job", "ours", "(s)", "sklearn", "(s)", "ours/sklearn", "torch", "(s)", "ours/torch", "faiss", "(s)", "ours/faiss", "metric", "ours", "sklearn", "torch", "faiss"},
		{"kNN(5)", "on", "pixels", "4.00", "10.00", "0.40", "—", "—", "5.00", "0.80", "accuracy", "0.8554", "0.8500", "—", "0.8554"},
		{"seed", "net", "40.00", "—", "—", "80.00", "0.50", "—", "—", "—", "—", "—", "—", "—"},
	}
	if len(lines) != len(want) {
		t.Fatalf("table:\n%s", b.String())
	}
	for i, l := range lines {
		if got := strings.Fields(l); !slices.Equal(got, want[i]) {
			t.Errorf("line %d = %q, want %q", i, got, want[i])
		}
	}
}

// TestBenchPeersRun runs the faiss and PyTorch scripts where /usr/bin/python3
// has them: faiss's exact kNN must find our accuracy exactly; PyTorch's MLP
// epoch must learn.
func TestBenchPeersRun(t *testing.T) {
	var peers []string
	for _, p := range []string{"faiss", "torch"} {
		if exec.Command("/usr/bin/python3", "-c", "import "+p).Run() == nil {
			peers = append(peers, p)
		}
	}
	if len(peers) == 0 {
		t.Skip("/usr/bin/python3 has neither faiss nor torch")
	}
	dir := writeSmallIDX(t, 1500, 300)
	code, out, e := run(t, "bench", "--data", dir, "--only", "knn5_pixels,mlp_epoch", "--peers", strings.Join(peers, ","), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r BenchRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		switch r.Job {
		case "knn5_pixels":
			if slices.Contains(peers, "faiss") {
				f, ok := r.Peers["faiss"]
				if !ok || f.Quality == nil || *f.Quality != *r.Quality || f.Version == "" || *f.Ratio != r.Seconds/f.Seconds {
					t.Errorf("kNN beside faiss: %+v, faiss %+v", r, f)
				}
			}
		case "mlp_epoch":
			if slices.Contains(peers, "torch") {
				p, ok := r.Peers["torch"]
				if !ok || p.Quality == nil || *p.Quality < 0.5 || p.Seconds <= 0 {
					t.Errorf("MLP beside PyTorch: %+v, torch %+v", r, p)
				}
			}
		}
	}
}
