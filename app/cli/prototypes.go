package cli

import (
	"embedscope/app/service"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "prototypes", Summary: "nearest class-mean classifier: accuracies and confusion matrix", Run: runPrototypes})
	register(command{Name: "scaling", Summary: "kNN error against training size (log-log fit) and a sweep of k", Run: runScaling})
}

// PrototypesResult is what `embedscope prototypes --json` prints.
type PrototypesResult struct {
	Data      string             `json:"data"`
	Scaling   string             `json:"scaling"`
	Accuracy  map[string]float64 `json:"accuracy"` // by split
	EvalSplit string             `json:"eval_split"`
	Classes   []string           `json:"classes"`
	Confusion [][]int            `json:"confusion"` // [true][predicted] on the eval split
	Precision []float64          `json:"precision"`
	Recall    []float64          `json:"recall"`
	Seconds   float64            `json:"seconds"`
}

func runPrototypes(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "prototypes", "prototypes [--data D] [--val F] [--json]")
	d.add(fs)
	if err := parse(c, fs, args); err != nil {
		return err
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	ws := svc.WS
	start := time.Now()
	p, err := svc.FitPrototypes(c.Ctx, "", nil)
	if err != nil {
		return err
	}
	eval := ws.Splits().Eval().Name
	if ws.Splits().Eval().Len() == 0 {
		eval = "train"
	}
	an, err := p.Analyse(c.Ctx, eval)
	if err != nil {
		return err
	}
	ds := ws.Data()
	res := PrototypesResult{Data: ds.Name, Scaling: ws.Scaling().String(), Accuracy: p.Accuracy, EvalSplit: eval,
		Classes: ds.Classes, Confusion: an.Confusion.Counts, Seconds: time.Since(start).Seconds()}
	for _, v := range an.Confusion.Precision() {
		res.Precision = append(res.Precision, nanToZero(v))
	}
	for _, v := range an.Confusion.Recall() {
		res.Recall = append(res.Recall, nanToZero(v))
	}
	return c.emit(res, func(w io.Writer) { res.writeText(w) })
}

func (r PrototypesResult) writeText(w io.Writer) {
	fmt.Fprintf(w, "Nearest class mean on %s (%s scaling), %.2f s\naccuracy:", r.Data, r.Scaling, r.Seconds)
	for _, s := range []string{"train", "validation", "test"} {
		if a, ok := r.Accuracy[s]; ok {
			fmt.Fprintf(w, "  %s %.4f", s, a)
		}
	}
	fmt.Fprintf(w, "\n\nconfusion matrix on the %s split (rows: true class, columns: predicted):\n", r.EvalSplit)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for i := range r.Classes {
		fmt.Fprintf(tw, "%d\t", i)
	}
	fmt.Fprintln(tw, "recall\t")
	for t, row := range r.Confusion {
		fmt.Fprintf(tw, "%d %s\t", t, r.Classes[t])
		for _, v := range row {
			fmt.Fprintf(tw, "%d\t", v)
		}
		fmt.Fprintf(tw, "%.3f\t\n", r.Recall[t])
	}
	fmt.Fprint(tw, "precision\t")
	for _, p := range r.Precision {
		fmt.Fprintf(tw, "%.3f\t", p)
	}
	fmt.Fprintln(tw)
	tw.Flush()
}

// ScalingResult is what `embedscope scaling --json` prints.
type ScalingResult struct {
	Data         string               `json:"data"`
	K            int                  `json:"k"`
	EvalSplit    string               `json:"eval_split"`
	Points       []service.CurvePoint `json:"points"`
	Slope        float64              `json:"slope"`          // of log2(error) against log2(n)
	Extrapolated float64              `json:"extrapolated"`   // error predicted at FullSize
	FullSize     int                  `json:"full_size"`      // all training images of the source
	SweepK       []int                `json:"sweep_k"`        // k values of the sweep
	SweepAcc     []float64            `json:"sweep_accuracy"` // with all training rows of the split
}

func runScaling(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "scaling", "scaling [--data D] [--val 0.2] [--start 200] [--k 5] [--ks 1,5,10,20,100] [--json]")
	d.add(fs)
	start := fs.Int("start", 200, "smallest training size; sizes double up to the whole train split")
	k := fs.Int("k", 5, "neighbours for the learning curve")
	ksText := fs.String("ks", "1,5,10,20,100", "k values of the sweep")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	var ks []int
	for _, f := range strings.Split(*ksText, ",") {
		var v int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &v); err != nil || v < 1 {
			return fmt.Errorf("--ks: %q is not a whole number ≥ 1", f)
		}
		ks = append(ks, v)
	}
	if d.val < 0 {
		d.val = 0.2 // the seed's 48,000 / 12,000 split of the full training set
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	ws := svc.WS
	t := progress.New()
	stop := c.reportProgress("learning curve", t)
	sr, err := svc.Scaling(c.Ctx, service.ScalingRequest{Space: "pixels", Eval: "validation", K: *k, Start: *start, Ks: ks}, t)
	stop()
	if err != nil {
		return err
	}
	pts, acc, full := sr.Points, sr.SweepAcc, sr.FullSize
	res := ScalingResult{Data: ws.Data().Name, K: *k, EvalSplit: sr.EvalSplit, Points: pts, Slope: sr.Law.Slope,
		Extrapolated: sr.Extrapolated, FullSize: full, SweepK: ks, SweepAcc: acc}
	return c.emit(res, func(w io.Writer) {
		fmt.Fprintf(w, "kNN (k=%d) error on the %s split of %s against training size:\n", res.K, res.EvalSplit, res.Data)
		for _, p := range pts {
			fmt.Fprintf(w, "  %6d images: error %.4f (%.1f s)\n", p.N, p.Error, p.Seconds)
		}
		fmt.Fprintf(w, "log2(error) falls %.3f per doubling; extrapolated error at %d images: %.4f\n", -res.Slope, full, res.Extrapolated)
		fmt.Fprint(w, "accuracy by k:")
		for i, kk := range ks {
			fmt.Fprintf(w, "  k=%d %.4f", kk, acc[i])
		}
		fmt.Fprintln(w)
	})
}
