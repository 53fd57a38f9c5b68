package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"
	"time"

	_ "embed"

	"embedscope/app/workspace"
	"embedscope/ml/linalg"
)

func init() {
	register(command{Name: "bench", Summary: "time the core jobs beside scikit-learn on the same machine", Run: runBench})
}

//go:embed sklearn_bench.py
var sklearnBenchScript []byte

// benchJob is one row of the benchmark table.
type benchJob struct {
	Name    string // e.g. "pca32_knn5"; also the sklearn script's task name
	Label   string // e.g. "PCA(32) + kNN(5)"
	Sklearn bool   // the sklearn script knows this task
	// Metric names the quality Run returns ("accuracy", "inertia"); empty
	// when it returns none.
	Metric string
	// Run does the job on ws and returns its time and its quality (NaN
	// when Metric is empty). Time excludes loading and scaling, as the
	// sklearn script's does.
	Run func(c *Context, ws *workspace.Workspace) (seconds, quality float64, err error)
	// Peer, when set, runs the job's reference implementation itself (for
	// references other than scikit-learn, e.g. umap-learn) after all our
	// jobs, unless --sklearn is off; its time and quality fill the sklearn
	// columns of the job's row.
	Peer func(c *Context, ws *workspace.Workspace, python string) (seconds, quality float64, err error)
}

// benchJobs lists the jobs in table order; other files append theirs.
var benchJobs []benchJob

// BenchRow is one line of `embedscope bench --json`.
type BenchRow struct {
	Job            string   `json:"job"`
	Label          string   `json:"label"`
	Seconds        float64  `json:"seconds"`
	Metric         string   `json:"metric,omitempty"` // what Quality measures
	Quality        *float64 `json:"quality,omitempty"`
	SklearnSeconds *float64 `json:"sklearn_seconds,omitempty"`
	SklearnQuality *float64 `json:"sklearn_quality,omitempty"`
	Ratio          *float64 `json:"ratio,omitempty"` // ours / sklearn time
	Error          string   `json:"error,omitempty"`
}

func runBench(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "bench", "bench [--data DIR] [--only JOBS] [--sklearn auto|off] [--repeat N] [--json]")
	d.add(fs)
	only := fs.String("only", "", "comma-separated jobs to run (default all): "+benchNames())
	sk := fs.String("sklearn", "auto", "run scikit-learn for comparison: auto (when /usr/bin/python3 has it) or off")
	python := fs.String("python", "/usr/bin/python3", "Python with scikit-learn")
	repeat := fs.Int("repeat", 1, "run each of our jobs N times and keep the fastest")
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
	var rows []BenchRow
	for _, j := range jobs {
		row := BenchRow{Job: j.Name, Label: j.Label, Metric: j.Metric}
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
	skVersion := ""
	if *sk != "off" {
		var names []string
		for _, j := range jobs {
			if j.Sklearn {
				names = append(names, j.Name)
			}
		}
		if len(names) > 0 {
			res, err := runSklearn(c.Ctx, *python, d.source, names, d.scaling, c.Stderr)
			if err != nil {
				fmt.Fprintf(c.Stderr, "bench: scikit-learn not compared: %v\n", err)
			} else {
				skVersion = res.Sklearn
				for i := range rows {
					if r, ok := res.Results[rows[i].Job]; ok {
						s := r.Seconds
						rows[i].SklearnSeconds = &s
						rows[i].SklearnQuality = r.Quality()
						if rows[i].Error == "" && s > 0 {
							ratio := rows[i].Seconds / s
							rows[i].Ratio = &ratio
						}
					}
				}
			}
		}
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
	writeBenchTable(c.Stdout, ws.Data().Name, skVersion, rows)
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

// sklearnResult is what the embedded sklearn_bench.py prints.
type sklearnResult struct {
	Sklearn string                 `json:"sklearn"`
	Results map[string]sklearnTask `json:"results"`
}

type sklearnTask struct {
	Seconds  float64  `json:"seconds"`
	Accuracy *float64 `json:"accuracy"`
	Inertia  *float64 `json:"inertia"`
	MSE      *float64 `json:"test mse"`
	Agree    *float64 `json:"agreement"`
}

// Quality returns the task's accuracy, inertia, test MSE or mean
// agreement, whichever it reports.
func (t sklearnTask) Quality() *float64 {
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

// runSklearn runs the embedded Python script on the same data folder.
func runSklearn(ctx context.Context, python, dir string, tasks []string, scaling string, stderr io.Writer) (*sklearnResult, error) {
	if _, err := os.Stat(python); err != nil {
		return nil, fmt.Errorf("%s not found", python)
	}
	if err := exec.CommandContext(ctx, python, "-c", "import sklearn").Run(); err != nil {
		return nil, fmt.Errorf("%s has no scikit-learn (apt-get install python3-sklearn)", python)
	}
	args := []string{"-", dir, "--only", strings.Join(tasks, ",")}
	if scaling == "pixelstd" {
		args = append(args, "--scaling", "pixelstd")
	}
	fmt.Fprintf(stderr, "bench: scikit-learn on the same jobs (%s)…\n", strings.Join(tasks, ", "))
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Stdin = bytes.NewReader(sklearnBenchScript)
	cmd.Stderr = stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("scikit-learn script failed after %.0f s: %w", time.Since(start).Seconds(), err)
	}
	var res sklearnResult
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("reading the scikit-learn script's output: %w", err)
	}
	return &res, nil
}

func writeBenchTable(w io.Writer, data, skVersion string, rows []BenchRow) {
	fmt.Fprintf(w, "EmbedScope benchmark on %s (BLAS: %s", data, linalg.Backend)
	if skVersion != "" {
		fmt.Fprintf(w, "; scikit-learn %s, same machine, same run", skVersion)
	}
	fmt.Fprintln(w, ")")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "job\tours (s)\tsklearn (s)\tours/sklearn\tspeed-up\tmetric\tours\tsklearn\t")
	num := func(p *float64, f string) string {
		if p == nil {
			return "—"
		}
		return fmt.Sprintf(f, *p)
	}
	for _, r := range rows {
		if r.Error != "" {
			fmt.Fprintf(tw, "%s\terror: %s\t\t\t\t\t\t\t\n", r.Label, r.Error)
			continue
		}
		speed := "—"
		if r.Ratio != nil && *r.Ratio > 0 {
			speed = fmt.Sprintf("%.1f×", 1 / *r.Ratio)
		}
		f := "%.4f"
		if r.Metric == "inertia" {
			f = "%.0f"
		}
		metric := r.Metric
		if metric == "" {
			metric = "—"
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Label, r.Seconds, num(r.SklearnSeconds, "%.2f"),
			num(r.Ratio, "%.2f"), speed, metric, num(r.Quality, f), num(r.SklearnQuality, f))
	}
	tw.Flush()
}
