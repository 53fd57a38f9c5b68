package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	_ "embed"

	"embedscope/app/workspace"
)

// The peers: other libraries that run the bench's jobs in the same run, on
// the same machine, each from an embedded Python script that reads the
// same IDX folder, scales the same way (/255, or per-pixel with
// --scaling pixelstd), times only the work and prints one JSON object:
// {"<name>": "<version>", "results": {"<job>": {"seconds": …, "accuracy"
// | "inertia" | "test mse": …}}}.

//go:embed sklearn_bench.py
var sklearnBenchScript []byte

//go:embed torch_bench.py
var torchBenchScript []byte

//go:embed faiss_bench.py
var faissBenchScript []byte

// benchPeer is a library with a bench script.
type benchPeer struct {
	Name    string // --peers name, JSON key of its version, the table's column
	Title   string // e.g. "scikit-learn"
	Module  string // the Python module the script needs
	Package string // the Debian package that installs it
	Script  []byte
	Repeats bool // the script takes --repeat N (runs each task N times, keeps the fastest)
}

var benchPeers = []benchPeer{
	{Name: "sklearn", Title: "scikit-learn", Module: "sklearn", Package: "python3-sklearn", Script: sklearnBenchScript, Repeats: true},
	{Name: "torch", Title: "PyTorch (CPU)", Module: "torch", Package: "python3-torch", Script: torchBenchScript},
	{Name: "faiss", Title: "faiss", Module: "faiss", Package: "python3-faiss", Script: faissBenchScript},
}

func peerNames() []string {
	var n []string
	for _, p := range benchPeers {
		n = append(n, p.Name)
	}
	return n
}

// peerTask is one task's result in a peer script's output.
type peerTask struct {
	Seconds  float64  `json:"seconds"`
	Accuracy *float64 `json:"accuracy"`
	Inertia  *float64 `json:"inertia"`
	MSE      *float64 `json:"test mse"`
	Agree    *float64 `json:"agreement"`
}

// Quality returns the task's accuracy, inertia, test MSE or mean
// agreement, whichever it reports.
func (t peerTask) Quality() *float64 {
	switch {
	case t.Accuracy != nil:
		return t.Accuracy
	case t.MSE != nil:
		return t.MSE
	case t.Agree != nil:
		return t.Agree
	}
	return t.Inertia
}

// runPeers runs every wanted peer on the jobs it knows and records the
// results in rows (rows[i] is jobs[i]). It returns "Title version" of each
// peer that ran. A peer that is not installed or fails is reported on
// stderr and left out. A peer whose script Repeats runs each task repeat
// times and reports the fastest, as bench does for ours.
func runPeers(c *Context, ws *workspace.Workspace, jobs []benchJob, rows []BenchRow, want map[string]bool, python string, d dataFlags, repeat int) []string {
	var versions []string
	for _, p := range benchPeers {
		var tasks []string
		for _, j := range jobs {
			if want[p.Name] && slices.Contains(j.Peers, p.Name) {
				tasks = append(tasks, j.Name)
			}
		}
		if len(tasks) == 0 {
			continue
		}
		version, res, err := runPeerScript(c.Ctx, python, p, d.source, tasks, d.scaling, repeat, c.Stderr)
		if c.Ctx.Err() != nil {
			return versions
		}
		if err != nil {
			fmt.Fprintf(c.Stderr, "bench: %s not compared: %v\n", p.Title, err)
			continue
		}
		versions = append(versions, p.Title+" "+version)
		for i := range rows {
			if r, ok := res[rows[i].Job]; ok {
				setPeer(&rows[i], p.Name, version, r.Seconds, r.Quality())
			}
		}
	}
	for i, j := range jobs {
		if j.Peer == nil || !want[j.peerName()] || rows[i].Error != "" {
			continue
		}
		fmt.Fprintf(c.Stderr, "bench: %s (%s)…\n", j.Label, j.peerName())
		secs, q, err := j.Peer(c, ws, python)
		if c.Ctx.Err() != nil {
			return versions
		}
		if err != nil {
			fmt.Fprintf(c.Stderr, "bench: %s: %s not compared: %v\n", j.Name, j.peerName(), err)
			continue
		}
		qp := &q
		if q != q {
			qp = nil
		}
		setPeer(&rows[i], j.peerName(), "", secs, qp)
	}
	return versions
}

// setPeer records a peer's result in row, with our time's ratio to it.
func setPeer(row *BenchRow, name, version string, secs float64, quality *float64) {
	pr := PeerResult{Version: version, Seconds: secs, Quality: quality}
	if row.Error == "" && secs > 0 {
		ratio := row.Seconds / secs
		pr.Ratio = &ratio
	}
	if row.Peers == nil {
		row.Peers = map[string]PeerResult{}
	}
	row.Peers[name] = pr
	if name == "sklearn" {
		row.SklearnSeconds, row.SklearnQuality, row.Ratio = &pr.Seconds, pr.Quality, pr.Ratio
	}
}

// runPeerScript runs peer p's embedded script on the same data folder and
// returns its version and results by task.
func runPeerScript(ctx context.Context, python string, p benchPeer, dir string, tasks []string, scaling string, repeat int, stderr io.Writer) (string, map[string]peerTask, error) {
	if _, err := os.Stat(python); err != nil {
		return "", nil, fmt.Errorf("%s not found", python)
	}
	if err := exec.CommandContext(ctx, python, "-c", "import "+p.Module).Run(); err != nil {
		return "", nil, fmt.Errorf("%s cannot import %s (apt-get install %s)", python, p.Module, p.Package)
	}
	args := []string{"-", dir, "--only", strings.Join(tasks, ",")}
	if scaling == "pixelstd" {
		args = append(args, "--scaling", "pixelstd")
	}
	if p.Repeats && repeat > 1 {
		args = append(args, "--repeat", strconv.Itoa(repeat))
	}
	fmt.Fprintf(stderr, "bench: %s on the same jobs (%s)…\n", p.Title, strings.Join(tasks, ", "))
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Stdin = bytes.NewReader(p.Script)
	cmd.Stderr = stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		return "", nil, fmt.Errorf("the %s script failed after %.0f s: %w", p.Name, time.Since(start).Seconds(), err)
	}
	var raw map[string]json.RawMessage
	var res struct {
		Results map[string]peerTask `json:"results"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		return "", nil, fmt.Errorf("reading the %s script's output: %w", p.Name, err)
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return "", nil, fmt.Errorf("reading the %s script's output: %w", p.Name, err)
	}
	var version string
	json.Unmarshal(raw[p.Name], &version)
	if th, ok := raw["threads"]; ok {
		version += " (" + string(th) + " threads)"
	}
	return version, res.Results, nil
}

// writeRows writes the table: our time, then each peer's time and our
// ratio to it, then the metric and every quality.
func writeRows(w io.Writer, rows []BenchRow) {
	var cols []string // peers with a result, in benchPeers order, then the others
	for _, p := range append(peerNames(), otherPeers(rows)...) {
		for _, r := range rows {
			if _, ok := r.Peers[p]; ok && !slices.Contains(cols, p) {
				cols = append(cols, p)
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"job", "ours (s)"}
	for _, p := range cols {
		head = append(head, p+" (s)", "ours/"+p)
	}
	head = append(head, "metric", "ours")
	head = append(head, cols...)
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	num := func(p *float64, f string) string {
		if p == nil {
			return "—"
		}
		return fmt.Sprintf(f, *p)
	}
	for _, r := range rows {
		if r.Error != "" {
			fmt.Fprintf(tw, "%s\terror: %s\t\n", r.Label, r.Error)
			continue
		}
		f := "%.4f"
		if r.Metric == "inertia" {
			f = "%.0f"
		}
		cells := []string{r.Label, fmt.Sprintf("%.2f", r.Seconds)}
		var quality []string
		for _, p := range cols {
			pr, ok := r.Peers[p]
			if !ok {
				cells = append(cells, "—", "—")
				quality = append(quality, "—")
				continue
			}
			cells = append(cells, fmt.Sprintf("%.2f", pr.Seconds), num(pr.Ratio, "%.2f"))
			quality = append(quality, num(pr.Quality, f))
		}
		metric := r.Metric
		if metric == "" {
			metric = "—"
		}
		cells = append(cells, metric, num(r.Quality, f))
		cells = append(cells, quality...)
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	tw.Flush()
}

// otherPeers lists the peer names in rows that are not script peers
// (jobs' own references), sorted.
func otherPeers(rows []BenchRow) []string {
	var o []string
	for _, r := range rows {
		for p := range r.Peers {
			if !slices.Contains(peerNames(), p) && !slices.Contains(o, p) {
				o = append(o, p)
			}
		}
	}
	slices.Sort(o)
	return o
}
