package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/knn"
	"embedscope/ml/metrics"
	"embedscope/ml/pca"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "knn", Summary: "exact kNN classifier on pixels or PCA: accuracy and timing", Run: runKNN})
}

// KNNResult is what `embedscope knn --json` prints.
type KNNResult struct {
	Data           string       `json:"data"`
	Scaling        string       `json:"scaling"`
	Features       string       `json:"features"` // "pixels" or "pca"
	Components     int          `json:"components,omitempty"`
	K              int          `json:"k"`
	Metric         string       `json:"metric"`
	Weights        string       `json:"weights"`
	Train          int          `json:"train"`
	EvalSplit      string       `json:"eval_split"`
	Eval           int          `json:"eval"`
	Accuracy       float64      `json:"accuracy"`
	PCASeconds     float64      `json:"pca_seconds,omitempty"`
	PredictSeconds float64      `json:"predict_seconds"`
	TotalSeconds   float64      `json:"total_seconds"`
	PerClass       []ClassScore `json:"per_class"`
}

// ClassScore is one class's recall (accuracy within the class) and precision.
type ClassScore struct {
	Class     string  `json:"class"`
	Count     int     `json:"count"`
	Recall    float64 `json:"recall"`
	Precision float64 `json:"precision"`
}

func parseMetric(s string) (knn.Metric, error) {
	for _, m := range []knn.Metric{knn.Euclidean, knn.Manhattan} {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown metric %q: use euclidean or manhattan", s)
}

func parseWeights(s string) (knn.Weights, error) {
	switch strings.ToLower(s) {
	case "uniform":
		return knn.Uniform, nil
	case "distance":
		return knn.Distance, nil
	}
	return 0, fmt.Errorf("unknown weights %q: use uniform or distance", s)
}

func runKNN(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "knn", "knn [--data D] [--features pixels|pca] [--components N] [--k K] [--metric euclidean|manhattan] [--weights uniform|distance] [--json]")
	d.add(fs)
	features := fs.String("features", "pixels", "feature space: pixels (the scaled features) or pca")
	comps := fs.Int("components", 32, "PCA components (with --features pca)")
	k := fs.Int("k", 5, "number of neighbours")
	metricName := fs.String("metric", "euclidean", "distance: euclidean or manhattan")
	weightsName := fs.String("weights", "uniform", "vote weights: uniform or distance")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	metric, err := parseMetric(*metricName)
	if err != nil {
		return err
	}
	weights, err := parseWeights(*weightsName)
	if err != nil {
		return err
	}
	if *features != "pixels" && *features != "pca" {
		return fmt.Errorf("unknown feature space %q: use pixels or pca", *features)
	}
	ws, err := d.open(c)
	if err != nil {
		return err
	}
	start := time.Now()
	train, val, test, err := ws.Features(c.Ctx)
	if err != nil {
		return err
	}
	eval := test
	if eval.Split.Len() == 0 {
		eval = val
	}
	if eval.Split.Len() == 0 {
		return fmt.Errorf("%s has neither a test part nor a validation split to evaluate on: use --val 0.2", ws.Data().Name)
	}
	res := KNNResult{Data: ws.Data().Name, Scaling: ws.Scaling().String(), Features: *features, K: *k,
		Metric: metric.String(), Weights: *weightsName, Train: train.Split.Len(), EvalSplit: eval.Split.Name, Eval: eval.Split.Len()}
	Xtr, Xev := train.X, eval.X
	if *features == "pca" {
		m, secs, err := fitPCA(c, train.X, *comps, pca.Auto)
		if err != nil {
			return err
		}
		res.Components, res.PCASeconds = m.K(), secs
		Xtr = m.Transform(train.X, blas32.General{})
		Xev = m.Transform(eval.X, blas32.General{})
	}
	pred, secs, err := predictKNN(c, Xtr, train.Split.Labels(), Xev, *k, metric, weights)
	if err != nil {
		return err
	}
	res.PredictSeconds = secs
	res.TotalSeconds = time.Since(start).Seconds()
	truth := eval.Split.Labels()
	conf, err := metrics.NewConfusion(pred, truth, len(ws.Data().Classes))
	if err != nil {
		return err
	}
	res.Accuracy = conf.Accuracy()
	rec, prec, tot := conf.Recall(), conf.Precision(), conf.TrueTotals()
	for i, name := range ws.Data().Classes {
		res.PerClass = append(res.PerClass, ClassScore{Class: name, Count: tot[i], Recall: nanToZero(rec[i]), Precision: nanToZero(prec[i])})
	}
	return c.emit(res, func(w io.Writer) { res.writeText(w) })
}

// predictKNN fits an exact kNN classifier on (Xtr, ytr) and predicts Xev,
// with progress on stderr and the time it took.
func predictKNN(c *Context, Xtr blas32.General, ytr []int, Xev blas32.General, k int, m knn.Metric, w knn.Weights) ([]int, float64, error) {
	t := progress.New()
	stop := c.reportProgress("kNN", t)
	defer stop()
	start := time.Now()
	cl := &knn.Classifier{K: k, Metric: m, Weights: w, Progress: t}
	if err := cl.Fit(Xtr, ytr); err != nil {
		return nil, 0, err
	}
	pred, err := cl.Predict(c.Ctx, Xev)
	return pred, time.Since(start).Seconds(), err
}

func nanToZero(v float64) float64 {
	if v != v {
		return 0
	}
	return v
}

func (r KNNResult) writeText(w io.Writer) {
	space := "the scaled features"
	if r.Features == "pca" {
		space = fmt.Sprintf("PCA(%d)", r.Components)
	}
	fmt.Fprintf(w, "kNN(k=%d, %s, %s) on %s of %s (%s scaling): %d train → %d %s\n",
		r.K, r.Metric, r.Weights, space, r.Data, r.Scaling, r.Train, r.Eval, r.EvalSplit)
	fmt.Fprintf(w, "accuracy %.4f   predict %.2f s", r.Accuracy, r.PredictSeconds)
	if r.PCASeconds > 0 {
		fmt.Fprintf(w, "   PCA fit %.2f s", r.PCASeconds)
	}
	fmt.Fprintf(w, "   total %.2f s\n\n", r.TotalSeconds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\tcount\trecall\tprecision\t")
	for _, c := range r.PerClass {
		fmt.Fprintf(tw, "%s\t%d\t%.4f\t%.4f\t\n", c.Class, c.Count, c.Recall, c.Precision)
	}
	tw.Flush()
}
