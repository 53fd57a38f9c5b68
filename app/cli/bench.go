package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"embedscope/app/workspace"
	"embedscope/ml/linalg"
)

func init() {
	register(command{Name: "bench", Summary: "time the core jobs beside scikit-learn, PyTorch and faiss on the same machine", Run: runBench})
}

// benchJob is one row of the benchmark table.
type benchJob struct {
	Name  string   // e.g. "pca32_knn5"; also the peer scripts' task name
	Label string   // e.g. "PCA(32) + kNN(5)"
	Peers []string // the peer scripts (benchPeers names) that know this task
	// Metric names the quality Run returns ("accuracy", "inertia"); empty
	// when it returns none.
	Metric string
	// Run does the job on ws and returns its time and its quality (NaN
	// when Metric is empty). Time excludes loading and scaling, as the
	// peer scripts' does.
	Run func(c *Context, ws *workspace.Workspace) (seconds, quality float64, err error)
	// Peer, when set, runs the job's reference implementation itself (for
	// references without a script in benchPeers, e.g. umap-learn) after
	// all our jobs; its time and quality fill the column PeerName
	// ("reference" when empty). It runs when --peers is auto or names it.
	Peer     func(c *Context, ws *workspace.Workspace, python string) (seconds, quality float64, err error)
	PeerName string
}

// peerName is the column of the job's own Peer.
func (j benchJob) peerName() string {
	if j.PeerName == "" {
		return "reference"
	}
	return j.PeerName
}

// benchJobs lists the jobs in table order; other files append theirs.
var benchJobs []benchJob

// BenchRow is one line of `embedscope bench --json`.
type BenchRow struct {
	Job     string   `json:"job"`
	Label   string   `json:"label"`
	Seconds float64  `json:"seconds"`
	Metric  string   `json:"metric,omitempty"` // what Quality measures
	Quality *float64 `json:"quality,omitempty"`
	// Peers holds the same job done by other libraries in the same run,
	// by peer name ("sklearn", "torch", "faiss", ...).
	Peers map[string]PeerResult `json:"peers,omitempty"`
	// The scikit-learn entry of Peers again, as the first version of this
	// output had it.
	SklearnSeconds *float64 `json:"sklearn_seconds,omitempty"`
	SklearnQuality *float64 `json:"sklearn_quality,omitempty"`
	Ratio          *float64 `json:"ratio,omitempty"` // ours / sklearn time
	// BLAS is the matrix library of our runs, its core and measured sgemm rate.
	BLAS  *linalg.BLASInfo `json:"blas,omitempty"`
	Error string           `json:"error,omitempty"`
}

// PeerResult is one peer's run of a job.
type PeerResult struct {
	Version string   `json:"version,omitempty"`
	Seconds float64  `json:"seconds"`
	Quality *float64 `json:"quality,omitempty"`
	Ratio   *float64 `json:"ratio,omitempty"` // ours / the peer's time
}

func runBench(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "bench", "bench [--data DIR] [--only JOBS] [--peers auto|none|LIST] [--repeat N] [--json]")
	d.add(fs)
	only := fs.String("only", "", "comma-separated jobs to run (default all): "+benchNames())
	peers := fs.String("peers", "auto", "libraries to run the same jobs in the same run: auto (those /usr/bin/python3 has), none, or a list of "+strings.Join(peerNames(), ", "))
	sk := fs.String("sklearn", "auto", "auto, or off to leave scikit-learn out of the peers")
	python := fs.String("python", "/usr/bin/python3", "Python with the peers' libraries")
	repeat := fs.Int("repeat", 1, "run each job N times and keep the fastest, ours and scikit-learn's (the other peers run once)")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	if d.source == workspace.Embedded {
		if !workspace.FullFashionMNISTAvailable() {
			return fmt.Errorf("the benchmark runs on the full Fashion-MNIST: install it (apt-get install dataset-fashion-mnist) or pass --data DIR")
		}
		d.source = workspace.FashionMNISTDir
	}
	jobs, err := selectBench(*only)
	if err != nil {
		return err
	}
	want, err := selectPeers(*peers, *sk, jobs)
	if err != nil {
		return err
	}
	if *repeat < 1 {
		return fmt.Errorf("--repeat must be ≥ 1")
	}
	ws, err := d.open(c)
	if err != nil {
		return err
	}
	if ws.Data().Test.N == 0 {
		return fmt.Errorf("%s has no test part: the benchmark needs train and test files (IDX folder)", ws.Data().Name)
	}
	if _, _, _, err := ws.Features(c.Ctx); err != nil { // scale once, outside the timings
		return err
	}
	blas := measuredBLAS()
	fmt.Fprintf(c.Stderr, "bench: BLAS %s\n", blas)
	var rows []BenchRow
	for _, j := range jobs {
		row := BenchRow{Job: j.Name, Label: j.Label, Metric: j.Metric, BLAS: &blas}
		for r := 0; r < *repeat; r++ {
			fmt.Fprintf(c.Stderr, "bench: %s (ours, run %d of %d)…\n", j.Label, r+1, *repeat)
			secs, acc, err := j.Run(c, ws)
			if err != nil {
				row.Error = err.Error()
				break
			}
			if r == 0 || secs < row.Seconds {
				row.Seconds = secs
			}
			if acc == acc {
				a := acc
				row.Quality = &a
			}
		}
		rows = append(rows, row)
		if c.Ctx.Err() != nil {
			return c.Ctx.Err()
		}
	}
	versions := runPeers(c, ws, jobs, rows, want, *python, d, *repeat)
	if c.Ctx.Err() != nil {
		return c.Ctx.Err()
	}
	if *sk != "off" {
		for i, j := range jobs {
			if j.Peer == nil || i >= len(rows) || rows[i].Error != "" {
				continue
			}
			fmt.Fprintf(c.Stderr, "bench: %s (reference)…\n", j.Label)
			secs, q, err := j.Peer(c, ws, *python)
			if err != nil {
				fmt.Fprintf(c.Stderr, "bench: %s: reference not compared: %v\n", j.Name, err)
				continue
			}
			rows[i].SklearnSeconds, rows[i].SklearnQuality = &secs, &q
			if secs > 0 {
				ratio := rows[i].Seconds / secs
				rows[i].Ratio = &ratio
			}
		}
	}
	c.JSON = d.json
	if c.JSON {
		for _, r := range rows {
			if err := c.emit(r, nil); err != nil {
				return err
			}
		}
		return nil
	}
	writeBenchTable(c.Stdout, ws.Data().Name, blas, versions, rows, *repeat)
	return nil
}

func benchNames() string {
	var n []string
	for _, j := range benchJobs {
		n = append(n, j.Name)
	}
	return strings.Join(n, ", ")
}

func selectBench(only string) ([]benchJob, error) {
	if only == "" {
		return benchJobs, nil
	}
	var out []benchJob
	for _, name := range strings.Split(only, ",") {
		found := false
		for _, j := range benchJobs {
			if j.Name == strings.TrimSpace(name) {
				out = append(out, j)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown benchmark job %q: use %s", name, benchNames())
		}
	}
	return out, nil
}

// selectPeers returns the peers --peers asks for (nil map entries for
// auto: every peer, run if its library is installed), leaving scikit-learn
// out with --sklearn off.
func selectPeers(list, sklearn string, jobs []benchJob) (map[string]bool, error) {
	known := peerNames()
	for _, j := range jobs {
		if j.Peer != nil && !slices.Contains(known, j.peerName()) {
			known = append(known, j.peerName())
		}
	}
	want := map[string]bool{}
	switch list {
	case "auto", "":
		for _, p := range known {
			want[p] = true
		}
	case "none", "off":
	default:
		for _, p := range strings.Split(list, ",") {
			p = strings.TrimSpace(p)
			if !slices.Contains(known, p) {
				return nil, fmt.Errorf("unknown peer %q in --peers: use auto, none or a list of %s", p, strings.Join(known, ", "))
			}
			want[p] = true
		}
	}
	switch sklearn {
	case "off":
		delete(want, "sklearn")
	case "auto", "on":
	default:
		return nil, fmt.Errorf("--sklearn %q: use auto or off", sklearn)
	}
	return want, nil
}

func writeBenchTable(w io.Writer, data string, blas linalg.BLASInfo, versions []string, rows []BenchRow, repeat int) {
	fmt.Fprintf(w, "EmbedScope benchmark on %s\nBLAS: %s\n", data, blas)
	if len(versions) > 0 {
		fmt.Fprintf(w, "peers (same machine, same run): %s\n", strings.Join(versions, "; "))
	}
	if repeat > 1 {
		fmt.Fprintf(w, "seconds: the fastest of %d runs (ours and scikit-learn's; other peers run once)\n", repeat)
	}
	writeRows(w, rows)
}
