package cli

import (
	"fmt"
	"io"
	"strings"

	"embedscope/app/service"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "glrm", Summary: "generalized low-rank model: fit, imputation and compression studies", Run: runGLRM})
}

// GLRMResult is what `embedscope glrm --json` prints.
type GLRMResult struct {
	RunID       string                     `json:"run_id"`
	Data        string                     `json:"data"`
	K           int                        `json:"k"`
	NonNegative bool                       `json:"non_negative"`
	Rows        int                        `json:"rows"`
	Iterations  int                        `json:"iterations"`
	Objective   float64                    `json:"objective"`
	FitSeconds  float64                    `json:"fit_seconds"`
	Imputation  *service.Imputation        `json:"imputation,omitempty"`
	Compression []service.CompressionPoint `json:"compression,omitempty"`
	EvalSplit   string                     `json:"eval_split,omitempty"`
	// FullAccuracy is kNN(5) on every feature, beside the compression study.
	FullAccuracy float64 `json:"full_accuracy,omitempty"`
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
	if !(*impute >= 0 && *impute < 1) {
		return fmt.Errorf("--impute %v must be a share in (0, 1), e.g. 0.2 (0 skips the study)", *impute)
	}
	var ks []int
	if *compress != "" {
		for _, f := range strings.Split(*compress, ",") {
			var v int
			if _, err := fmt.Sscan(strings.TrimSpace(f), &v); err != nil {
				return fmt.Errorf("--compress: %q is not a whole number", f)
			}
			ks = append(ks, v)
		}
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	req := service.GLRMRequest{K: *k, GammaA: *gamma, GammaY: *gamma, NonNeg: *nonNeg, MaxIter: *iters, Seed: 1}
	t := progress.New()
	stop := c.reportProgress("GLRM", t)
	defer stop()
	fit, err := svc.FitGLRM(c.Ctx, req, t)
	if err != nil {
		return err
	}
	m := fit.Model
	res := GLRMResult{RunID: fit.Run.ID, Data: svc.WS.Data().Name, K: *k, NonNegative: *nonNeg, Rows: m.A.Rows, Iterations: m.Iterations,
		Objective: m.Objective[len(m.Objective)-1], FitSeconds: fit.Seconds}
	if *impute > 0 {
		imp, err := svc.Imputation(c.Ctx, service.ImputationRequest{GLRMRequest: req, Fraction: *impute}, t)
		if err != nil {
			return err
		}
		res.Imputation = &imp.Imputation
	}
	if len(ks) > 0 {
		cr, err := svc.Compression(c.Ctx, service.CompressionRequest{GLRMRequest: req, Ranks: ks}, t)
		if err != nil {
			return err
		}
		res.EvalSplit, res.Compression, res.FullAccuracy = cr.EvalSplit, cr.Points, cr.Full
	}
	stop()
	return c.emit(res, func(w io.Writer) {
		fmt.Fprintf(w, "GLRM k=%d on %s (%d rows): %d iterations, objective %.6g, %.2f s (run %s)\n", res.K, res.Data, res.Rows, res.Iterations, res.Objective, res.FitSeconds, res.RunID)
		if im := res.Imputation; im != nil {
			fmt.Fprintf(w, "imputation, %.0f %% of the entries hidden (%d): RMSE GLRM %.4f, column mean %.4f, PCA(%d) %.4f\n",
				100*im.Fraction, im.Hidden, im.GLRM, im.Mean, im.K, im.PCA)
		}
		for _, p := range res.Compression {
			fmt.Fprintf(w, "rank %4d: kNN(5) accuracy %.4f on the %s split (fit %.1f s, kNN %.1f s)\n", p.K, p.Accuracy, res.EvalSplit, p.FitSeconds, p.ClassifySeconds)
		}
		if len(res.Compression) > 0 {
			fmt.Fprintf(w, "all %d features: kNN(5) accuracy %.4f\n", svc.WS.Data().Dim, res.FullAccuracy)
		}
	})
}
