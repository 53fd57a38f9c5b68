package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"embedscope/app/claims"
	"embedscope/app/workspace"
	"embedscope/docs"
	"embedscope/ml/linalg"
)

func init() {
	register(command{Name: "verify", Summary: "re-measure every number the README states (docs/claims.md) and check it", Run: runVerify})
}

// VerifyRow is one line of `embedscope verify --json`: a claim and what
// its command measured.
type VerifyRow struct {
	ID       string   `json:"id"`
	Set      string   `json:"set"`
	Claim    string   `json:"claim"`
	Command  string   `json:"command"`
	Field    string   `json:"field"`
	Expected string   `json:"expected"`
	Measured *float64 `json:"measured,omitempty"`
	OK       bool     `json:"ok"`
	Error    string   `json:"error,omitempty"`
	Seconds  float64  `json:"seconds"` // of the command (shared by the claims it measures)
}

// VerifySummary is the last line of `embedscope verify --json`.
type VerifySummary struct {
	Claims  int      `json:"claims"`
	Passed  int      `json:"passed"`
	Failed  []string `json:"failed"`
	Seconds float64  `json:"seconds"`
	Machine string   `json:"machine"`
	Date    string   `json:"date"`
}

func runVerify(c *Context, args []string) error {
	fs := newFlagSet(c, "verify", "verify [--quick|--all] [--only IDS] [--claims FILE] [--full DIR] [--json]")
	quick := fs.Bool("quick", false, "the quick claims only (the default): what CI runs, about ten minutes on two cores")
	all := fs.Bool("all", false, "every claim: trainings, t-SNE of 70,000 items and the benchmarks beside scikit-learn too (hours)")
	only := fs.String("only", "", "comma-separated claim ids (a trailing * matches a prefix: pca.*); the commands they refer to run too")
	file := fs.String("claims", "", "claims file (default: docs/claims.md as built into this binary)")
	full := fs.String("full", workspace.FashionMNISTDir, "folder of the full Fashion-MNIST ($FULL in the commands)")
	store := fs.String("store", "", "run folder shared by the commands (default: a temporary folder, removed at the end)")
	asJSON := fs.Bool("json", false, "print one JSON object per claim, then a summary")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	c.JSON = *asJSON
	if *quick && *all {
		return fmt.Errorf("--quick and --all: choose one")
	}
	text := docs.Claims
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		text = b
	}
	f, err := claims.Parse(bytes.NewReader(text))
	if err != nil {
		return fmt.Errorf("claims file: %w", err)
	}
	sel, err := selectClaims(f, *all, *only)
	if err != nil {
		return err
	}
	for _, cl := range sel {
		if strings.Contains(cl.Command, "$FULL") {
			if _, err := os.Stat(*full); err != nil {
				return fmt.Errorf("%s needs the full Fashion-MNIST in %s: install it (apt-get install dataset-fashion-mnist) or pass --full DIR", cl.ID, *full)
			}
			break
		}
	}
	if *store == "" {
		dir, err := os.MkdirTemp("", "embedscope-verify-runs")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*store = dir
	}
	v := &verifier{c: c, file: f, full: *full, store: *store, outputs: map[string]cmdOutput{}}
	start := time.Now()
	sum := VerifySummary{Machine: machine(), Date: start.UTC().Format("2006-01-02 15:04 UTC")}
	if !c.JSON {
		fmt.Fprintf(c.Stdout, "embedscope verify: %d claims, %s\nmachine: %s\n\n", len(sel), sum.Date, sum.Machine)
	}
	for _, cl := range sel {
		row := v.check(cl)
		sum.Claims++
		if row.OK {
			sum.Passed++
		} else {
			sum.Failed = append(sum.Failed, row.ID)
		}
		if err := c.emit(row, func(w io.Writer) { row.writeText(w) }); err != nil {
			return err
		}
		if c.Ctx.Err() != nil {
			return c.Ctx.Err()
		}
	}
	sum.Seconds = time.Since(start).Seconds()
	if sum.Failed == nil {
		sum.Failed = []string{}
	}
	if err := c.emit(sum, func(w io.Writer) {
		fmt.Fprintf(w, "\n%d of %d claims hold", sum.Passed, sum.Claims)
		if len(sum.Failed) > 0 {
			fmt.Fprintf(w, "; %d do not: %s", len(sum.Failed), strings.Join(sum.Failed, ", "))
		}
		fmt.Fprintf(w, " (%.0f s)\n", sum.Seconds)
	}); err != nil {
		return err
	}
	if len(sum.Failed) > 0 {
		return fmt.Errorf("%d of %d claims do not hold: %s", len(sum.Failed), sum.Claims, strings.Join(sum.Failed, ", "))
	}
	return nil
}

// selectClaims returns the claims to check, in file order: the quick set
// (or all), or those --only names; a claim whose command refers to
// another's run brings that one in, before it.
func selectClaims(f *claims.File, all bool, only string) ([]*claims.Claim, error) {
	want := map[string]bool{}
	if only != "" {
		for _, id := range strings.Split(only, ",") {
			id = strings.TrimSpace(id)
			n := 0
			for _, cl := range f.Claims {
				if cl.ID == id || strings.HasSuffix(id, "*") && strings.HasPrefix(cl.ID, strings.TrimSuffix(id, "*")) {
					want[cl.ID] = true
					n++
				}
			}
			if n == 0 {
				return nil, fmt.Errorf("--only: no claim %q (embedscope verify --all --json lists them; ids are in docs/claims.md)", id)
			}
		}
	} else {
		for _, cl := range f.Claims {
			if all || cl.Set == claims.Quick {
				want[cl.ID] = true
			}
		}
	}
	var out []*claims.Claim
	seen := map[string]bool{}
	var add func(cl *claims.Claim, depth int) error
	add = func(cl *claims.Claim, depth int) error {
		if seen[cl.ID] {
			return nil
		}
		if depth > len(f.Claims) {
			return fmt.Errorf("the commands of %s refer to each other in a circle", cl.ID)
		}
		for _, ref := range claims.References(cl.Command) {
			if err := add(f.ByID(ref), depth+1); err != nil {
				return err
			}
		}
		seen[cl.ID] = true
		out = append(out, cl)
		return nil
	}
	for i := range f.Claims {
		if want[f.Claims[i].ID] {
			if err := add(&f.Claims[i], 0); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// cmdOutput is what one command printed, kept for the claims it measures
// and for the commands that refer to its run.
type cmdOutput struct {
	stdout  []byte
	err     error
	seconds float64
}

type verifier struct {
	c       *Context
	file    *claims.File
	full    string
	store   string
	outputs map[string]cmdOutput // by command as written
}

// check runs the claim's command (once for all the claims that share it)
// and compares its field with the expected value.
func (v *verifier) check(cl *claims.Claim) VerifyRow {
	row := VerifyRow{ID: cl.ID, Set: string(cl.Set), Claim: cl.Text, Command: cl.Command, Field: cl.Field.String(), Expected: cl.Expected()}
	out := v.run(cl.Command)
	row.Seconds = out.seconds
	if out.err != nil {
		row.Error = out.err.Error()
		return row
	}
	m, err := cl.Field.Extract(out.stdout)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	row.Measured = &m
	row.OK = cl.Holds(m)
	return row
}

func (v *verifier) run(command string) cmdOutput {
	if o, ok := v.outputs[command]; ok {
		return o
	}
	o := v.exec(command)
	v.outputs[command] = o
	return o
}

func (v *verifier) exec(command string) cmdOutput {
	args, err := claims.Expand(command, v.full, func(id string) (string, error) {
		ref := v.file.ByID(id)
		o := v.run(ref.Command)
		if o.err != nil {
			return "", fmt.Errorf("{%s}: its command failed", id)
		}
		return runIDOf(o.stdout)
	})
	if err != nil {
		return cmdOutput{err: err}
	}
	if !slices.Contains(args, "--json") {
		args = append(args, "--json")
	}
	if !slices.ContainsFunc(args, func(a string) bool { return a == "--store" || strings.HasPrefix(a, "--store=") }) {
		args = append(args, "--store", v.store)
	}
	if !v.c.JSON {
		fmt.Fprintf(v.c.Stdout, "$ embedscope %s\n", strings.Join(args, " "))
	}
	var stdout bytes.Buffer
	stderr := &tailWriter{w: v.c.Stderr}
	start := time.Now()
	code := Main(args, &stdout, stderr)
	o := cmdOutput{stdout: stdout.Bytes(), seconds: time.Since(start).Seconds()}
	if code != 0 {
		o.err = fmt.Errorf("the command failed (exit %d): %s", code, strings.TrimSpace(stderr.tail()))
	}
	return o
}

// runIDOf returns the top-level run_id of the last line of a command's
// output that has one.
func runIDOf(out []byte) (string, error) {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		var v struct {
			RunID string `json:"run_id"`
		}
		if json.Unmarshal(lines[i], &v) == nil && v.RunID != "" {
			return v.RunID, nil
		}
	}
	return "", fmt.Errorf("the command printed no run_id")
}

func (r VerifyRow) writeText(w io.Writer) {
	mark := "✓"
	if !r.OK {
		mark = "✗"
	}
	switch {
	case r.Error != "":
		fmt.Fprintf(w, "%s %-22s %s — expected %s; %s\n", mark, r.ID, r.Claim, r.Expected, r.Error)
	default:
		fmt.Fprintf(w, "%s %-22s %s — measured %s, expected %s  (%.0f s)\n", mark, r.ID, r.Claim, fmtMeasured(*r.Measured), r.Expected, r.Seconds)
	}
}

// fmtMeasured prints a measured value with enough digits to compare it
// with the expected one.
func fmtMeasured(v float64) string {
	switch a := max(v, -v); {
	case v == float64(int64(v)):
		return fmt.Sprintf("%d", int64(v))
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.5f", v)
}

// machine describes this computer for the record of a run.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, val, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(val)
				break
			}
		}
	}
	return fmt.Sprintf("%s/%s, %d CPUs (%s), BLAS %s, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpu, linalg.Backend, runtime.Version())
}

// tailWriter passes writes on to w and keeps the last 4 KiB.
type tailWriter struct {
	w   io.Writer
	buf []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4096 {
		t.buf = t.buf[len(t.buf)-4096:]
	}
	return t.w.Write(p)
}

// tail returns the last line or two written.
func (t *tailWriter) tail() string {
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	return strings.Join(lines[max(0, len(lines)-2):], " / ")
}
