package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	_ "embed"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/service"
	"embedscope/app/workspace"
)

// The UMAP job: a map of every item (all 70,000 Fashion-MNIST images with
// the bench's data), PCA-50 then UMAP with umap-learn's defaults, timed
// together, scored by the leave-one-out 5-NN accuracy inside the map. Its
// reference is umap-learn (not scikit-learn): Peer runs umap_bench.py on
// the same scaled features in the same bench run and scores its map with
// the same code; both trustworthiness(5) values go to stderr.
func init() {
	benchJobs = append(benchJobs,
		benchJob{Name: "umap70k", Label: "UMAP of every image (5-NN in map; reference umap-learn)", Metric: "accuracy",
			Run: benchUMAP, Peer: benchUMAPLearn, PeerName: "umap-learn"},
	)
}

//go:embed umap_bench.py
var umapBenchScript []byte

// lastUMAP keeps the bench's own UMAP run for its Peer, which scores
// umap-learn's map against the same input.
var lastUMAP struct {
	res *service.UMAPResult
	ws  *workspace.Workspace
}

func benchUMAP(c *Context, ws *workspace.Workspace) (float64, float64, error) {
	req := service.DefaultUMAPRequest(0)
	req.All, req.Trust = true, true
	svc, err := service.New(ws, nil) // timed as a computation: no run kept
	if err != nil {
		return 0, 0, err
	}
	r, err := svc.MapUMAP(c.Ctx, req, nil, nil)
	if err != nil {
		return 0, 0, err
	}
	lastUMAP.res, lastUMAP.ws = r, ws
	fmt.Fprintf(c.Stderr, "bench: umap70k: ours: %.1f s (CPU %.1f s), 5-NN %.4f, trustworthiness(5) %.4f on %d items\n",
		r.Seconds, r.CPUSeconds, r.KNN5, r.Trustworthiness, r.TrustN)
	return r.Seconds, r.KNN5, nil
}

// benchUMAPLearn runs umap-learn on the items of the last benchUMAP run.
func benchUMAPLearn(c *Context, ws *workspace.Workspace, python string) (float64, float64, error) {
	r := lastUMAP.res
	if r == nil || lastUMAP.ws != ws {
		return 0, 0, fmt.Errorf("our UMAP run is missing")
	}
	req := service.DefaultUMAPRequest(0)
	px, err := umapPixels(c.Ctx, ws, r.Items)
	if err != nil {
		return 0, 0, err
	}
	peer, err := runUMAPLearn(c.Ctx, python, px, nil, req, c.Stderr)
	if err != nil {
		return 0, 0, err
	}
	q, err := scoreUMAPLearn(c.Ctx, peer, r)
	if err != nil {
		return 0, 0, err
	}
	fmt.Fprintf(c.Stderr, "bench: umap70k: umap-learn %s: %.1f s (import %.1f s; CPU %.1f s for the whole script), 5-NN %.4f, trustworthiness(5) %.4f on %d items\n",
		peer.Version, peer.Seconds, peer.ImportSeconds, peer.CPUSeconds, q.KNN5, q.Trust, q.TrustN)
	return peer.Seconds, q.KNN5, nil
}

// umapLearnRun is one run of umap_bench.py.
type umapLearnRun struct {
	Version       string  `json:"umap"`
	Seconds       float64 `json:"seconds"`
	ImportSeconds float64 `json:"import_seconds"`
	// CPUSeconds is the CPU time of the whole script (all threads),
	// reading the features included.
	CPUSeconds float64 `json:"-"`
	Map        blas32.General
}

// umapPixels returns the scaled pixels of items, one row each.
func umapPixels(ctx context.Context, ws *workspace.Workspace, items []workspace.Item) (blas32.General, error) {
	px, err := ws.PixelSpace(ctx)
	if err != nil {
		return blas32.General{}, err
	}
	d := px.Dim()
	X := blas32.General{Rows: len(items), Cols: d, Stride: d, Data: make([]float32, 0, len(items)*d)}
	for _, it := range items {
		m := px.Split(it.Split.Name)
		X.Data = append(X.Data, m.Data[it.Pos*m.Stride:it.Pos*m.Stride+d]...)
	}
	return X, nil
}

// runUMAPLearn maps the rows of X with umap-learn (labels, if not nil, one
// per row with −1 for unknown, make it supervised) through the embedded
// umap_bench.py, with req's settings.
func runUMAPLearn(ctx context.Context, python string, X blas32.General, labels []int, req service.UMAPRequest, stderr io.Writer) (*umapLearnRun, error) {
	if _, err := os.Stat(python); err != nil {
		return nil, fmt.Errorf("%s not found", python)
	}
	if err := exec.CommandContext(ctx, python, "-c", "import umap").Run(); err != nil {
		return nil, fmt.Errorf("%s has no umap-learn (apt-get install umap-learn)", python)
	}
	dir, err := os.MkdirTemp("", "embedscope-umap-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	feat, labs, mapOut := filepath.Join(dir, "x.f32"), filepath.Join(dir, "y.i32"), filepath.Join(dir, "map.f32")
	var b bytes.Buffer
	b.Grow(4 * X.Rows * X.Cols)
	for i := 0; i < X.Rows; i++ {
		binary.Write(&b, binary.LittleEndian, X.Data[i*X.Stride:i*X.Stride+X.Cols])
	}
	if err := os.WriteFile(feat, b.Bytes(), 0o600); err != nil {
		return nil, err
	}
	args := []string{"-", feat, strconv.Itoa(X.Rows), strconv.Itoa(X.Cols), mapOut,
		"--neighbors", strconv.Itoa(req.Neighbors), "--min-dist", strconv.FormatFloat(req.MinDist, 'g', -1, 64),
		"--spread", strconv.FormatFloat(req.Spread, 'g', -1, 64), "--epochs", strconv.Itoa(req.Epochs)}
	if req.Metric != "" {
		args = append(args, "--metric", req.Metric)
	}
	if labels != nil {
		l32 := make([]int32, len(labels))
		for i, l := range labels {
			l32[i] = int32(l)
		}
		var lb bytes.Buffer
		binary.Write(&lb, binary.LittleEndian, l32)
		if err := os.WriteFile(labs, lb.Bytes(), 0o600); err != nil {
			return nil, err
		}
		args = append(args, "--labels", labs)
	}
	fmt.Fprintf(stderr, "umap-learn on the same %d items…\n", X.Rows)
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Stdin = bytes.NewReader(umapBenchScript)
	cmd.Stderr = stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("umap-learn failed after %.0f s: %w", time.Since(start).Seconds(), err)
	}
	var run umapLearnRun
	if err := json.Unmarshal(out, &run); err != nil {
		return nil, fmt.Errorf("reading umap-learn's output: %w", err)
	}
	run.CPUSeconds = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	raw, err := os.ReadFile(mapOut)
	if err != nil {
		return nil, err
	}
	if len(raw) != 8*X.Rows {
		return nil, fmt.Errorf("umap-learn's map has %d bytes, want %d", len(raw), 8*X.Rows)
	}
	run.Map = blas32.General{Rows: X.Rows, Cols: 2, Stride: 2, Data: make([]float32, 2*X.Rows)}
	binary.Read(bytes.NewReader(raw), binary.LittleEndian, run.Map.Data)
	for _, v := range run.Map.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("umap-learn's map has non-finite coordinates (disconnected points)")
		}
	}
	return &run, nil
}

// umapLearnQuality is umap-learn's map scored by our code.
type umapLearnQuality struct {
	KNN5, Trust float64
	TrustN      int
}

// scoreUMAPLearn scores umap-learn's map of the items of r as r itself was
// scored: leave-one-out 5-NN accuracy, trustworthiness(5) against our
// PCA-50 input on the same sample.
func scoreUMAPLearn(ctx context.Context, peer *umapLearnRun, r *service.UMAPResult) (umapLearnQuality, error) {
	var q umapLearnQuality
	var err error
	if q.KNN5, err = service.LeaveOneOut5NN(ctx, peer.Map, r.Labels); err != nil {
		return q, err
	}
	q.Trust, q.TrustN, err = service.UMAPTrust(ctx, r.Input, peer.Map)
	return q, err
}
