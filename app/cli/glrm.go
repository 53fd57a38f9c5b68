package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"embedscope/ml/glrm"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "glrm", Summary: "generalized low-rank model: fit, imputation and compression studies", Run: runGLRM})
}

// GLRMResult is what `embedscope glrm --json` prints.
type GLRMResult struct {
	Data        string                  `json:"data"`
	K           int                     `json:"k"`
	NonNegative bool                    `json:"non_negative"`
	Rows        int                     `json:"rows"`
	Iterations  int                     `json:"iterations"`
	Objective   float64                 `json:"objective"`
	FitSeconds  float64                 `json:"fit_seconds"`
	Imputation  *glrm.Imputation        `json:"imputation,omitempty"`
	Compression []glrm.CompressionPoint `json:"compression,omitempty"`
	EvalSplit   string                  `json:"eval_split,omitempty"`
}

func runGLRM(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "glrm", "glrm [--data D] [--k K] [--nonneg] [--impute 0.2] [--compress 2,4,...,256] [--json]")
	d.add(fs)
	k := fs.Int("k", 2, "rank")
	nonNeg := fs.Bool("nonneg", false, "non-negative A and Y (archetypes that look like images)")
	gamma := fs.Float64("gamma", 0, "L2 weight on A and on Y")
	iters := fs.Int("iters", 100, "iterations at most")
	impute := fs.Float64("impute", 0, "imputation study: share of entries to hide (e.g. 0.2); 0 skips it")
	compress := fs.String("compress", "", "compression study: comma-separated ranks (e.g. 2,4,8,16,32,64,128,256)")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	ws, err := d.open(c)
	if err != nil {
		return err
	}
	train, val, test, err := ws.Features(c.Ctx)
	if err != nil {
		return err
	}
	if *k < 1 || *k >= train.X.Cols {
		return fmt.Errorf("rank %d must be from 1 to %d (below the %d features)", *k, train.X.Cols-1, train.X.Cols)
	}
	if *impute < 0 || *impute >= 1 {
		return fmt.Errorf("--impute %v must be a share in (0, 1), e.g. 0.2", *impute)
	}
	cfg := glrm.GLRM{K: *k, GammaA: *gamma, GammaY: *gamma, NonNegA: *nonNeg, NonNegY: *nonNeg, MaxIter: *iters, Seed: 1}
	t := progress.New()
	cfg.Progress = t
	stop := c.reportProgress("GLRM", t)
	defer stop()
	start := time.Now()
	m, err := cfg.Fit(c.Ctx, train.X, nil)
	if err != nil {
		return err
	}
	res := GLRMResult{Data: ws.Data().Name, K: *k, NonNegative: *nonNeg, Rows: train.X.Rows, Iterations: m.Iterations,
		Objective: m.Objective[len(m.Objective)-1], FitSeconds: time.Since(start).Seconds()}
	if *impute > 0 {
		imp, err := glrm.ImputationStudy(c.Ctx, train.X, *impute, *k, 1, cfg)
		if err != nil {
			return err
		}
		res.Imputation = &imp
	}
	if *compress != "" {
		var ks []int
		for _, f := range strings.Split(*compress, ",") {
			var v int
			if _, err := fmt.Sscan(strings.TrimSpace(f), &v); err != nil || v < 1 || v >= train.X.Cols {
				return fmt.Errorf("--compress: %q is not a rank from 1 to %d", f, train.X.Cols-1)
			}
			ks = append(ks, v)
		}
		ev := test
		if ev.X.Rows == 0 {
			ev = val
		}
		if ev.X.Rows == 0 {
			return fmt.Errorf("the compression study needs a validation or test split: use --val 0.2")
		}
		res.EvalSplit = ev.Split.Name
		if res.Compression, err = glrm.CompressionStudy(c.Ctx, train.X, train.Split.Labels(), ev.X, ev.Split.Labels(), ks, 5, cfg); err != nil {
			return err
		}
	}
	stop()
	return c.emit(res, func(w io.Writer) {
		fmt.Fprintf(w, "GLRM k=%d on %s (%d rows): %d iterations, objective %.6g, %.2f s\n", res.K, res.Data, res.Rows, res.Iterations, res.Objective, res.FitSeconds)
		if im := res.Imputation; im != nil {
			fmt.Fprintf(w, "imputation, %.0f %% of the entries hidden (%d): RMSE GLRM %.4f, column mean %.4f, PCA(%d) %.4f\n",
				100*im.Fraction, im.Hidden, im.GLRM, im.Mean, im.K, im.PCA)
		}
		for _, p := range res.Compression {
			fmt.Fprintf(w, "rank %4d: kNN(5) accuracy %.4f on the %s split (fit %.1f s, kNN %.1f s)\n", p.K, p.Accuracy, res.EvalSplit, p.FitSeconds, p.ClassifySeconds)
		}
	})
}
