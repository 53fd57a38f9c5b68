package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"embedscope/app/service"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "knn", Summary: "exact kNN classifier on pixels or PCA: accuracy and timing", Run: runKNN})
}

// KNNResult is what `embedscope knn --json` prints.
type KNNResult struct {
	Data           string       `json:"data"`
	Scaling        string       `json:"scaling"`
	Space          string       `json:"space"`    // name of the space classified in
	SpaceID        string       `json:"space_id"` // "pixels" or the run whose space it is
	Dim            int          `json:"dim"`
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

func runKNN(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "knn", "knn [--data D] [--space pixels|pca:K|RUN] [--features pixels|pca] [--components N] [--k K] [--metric euclidean|manhattan] [--weights uniform|distance] [--json]")
	d.add(fs)
	space := fs.String("space", "", "space: pixels, pca:K or a run's ID or name (embedscope runs list); overrides --features")
	features := fs.String("features", "pixels", "feature space: pixels (the scaled features) or pca")
	comps := fs.Int("components", 32, "PCA components (with --features pca)")
	k := fs.Int("k", 5, "number of neighbours")
	metricName := fs.String("metric", "euclidean", "distance: euclidean or manhattan")
	weightsName := fs.String("weights", "uniform", "vote weights: uniform or distance")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	if _, err := service.ParseMetric(*metricName); err != nil {
		return err
	}
	if _, err := service.ParseWeights(*weightsName); err != nil {
		return err
	}
	name := *space
	if name == "" {
		if *features != "pixels" && *features != "pca" {
			return fmt.Errorf("unknown feature space %q: use pixels or pca", *features)
		}
		name = *features
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	ws := svc.WS
	start := time.Now()
	t := progress.New()
	stop := c.reportProgress("kNN", t)
	defer stop()
	pcaStart := time.Now()
	id, err := spaceID(c, svc, name, *comps, "", t)
	if err != nil {
		return err
	}
	pcaSecs := time.Since(pcaStart).Seconds()
	cr, err := svc.Classify(c.Ctx, service.ClassifyRequest{Space: id, K: *k, Metric: *metricName, Weights: *weightsName}, t)
	stop()
	if err != nil {
		return err
	}
	ev, ok := cr.Eval()
	if !ok {
		return fmt.Errorf("%s has neither a test part nor a validation split to evaluate on: use --val 0.2", ws.Data().Name)
	}
	res := KNNResult{Data: ws.Data().Name, Scaling: ws.Scaling().String(), Space: cr.Space.Name, SpaceID: cr.Space.ID, Dim: cr.Space.Dim(), K: *k,
		Metric: cr.Classifier.Metric.String(), Weights: strings.ToLower(*weightsName), Train: ws.Splits().Train.Len(), EvalSplit: ev.Split, Eval: ev.N,
		Accuracy: ev.Accuracy, PredictSeconds: cr.Seconds, TotalSeconds: time.Since(start).Seconds()}
	if id != "pixels" && name != id {
		res.PCASeconds = pcaSecs
	}
	rec, prec, tot := ev.Confusion.Recall(), ev.Confusion.Precision(), ev.Confusion.TrueTotals()
	for i, cls := range ws.Data().Classes {
		res.PerClass = append(res.PerClass, ClassScore{Class: cls, Count: tot[i], Recall: nanToZero(rec[i]), Precision: nanToZero(prec[i])})
	}
	return c.emit(res, func(w io.Writer) { res.writeText(w) })
}

func nanToZero(v float64) float64 {
	if v != v {
		return 0
	}
	return v
}

func (r KNNResult) writeText(w io.Writer) {
	space := r.Space
	if r.SpaceID == "pixels" {
		space = "the scaled features"
	}
	fmt.Fprintf(w, "kNN(k=%d, %s, %s) on %s of %s (%s scaling): %d train → %d %s\n",
		r.K, r.Metric, r.Weights, space, r.Data, r.Scaling, r.Train, r.Eval, r.EvalSplit)
	fmt.Fprintf(w, "accuracy %.4f   fit and predict %.2f s", r.Accuracy, r.PredictSeconds)
	if r.PCASeconds > 0 {
		fmt.Fprintf(w, "   %s %.2f s", r.SpaceID, r.PCASeconds)
	}
	fmt.Fprintf(w, "   total %.2f s\n\n", r.TotalSeconds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\tcount\trecall\tprecision\t")
	for _, c := range r.PerClass {
		fmt.Fprintf(tw, "%s\t%d\t%.4f\t%.4f\t\n", c.Class, c.Count, c.Recall, c.Precision)
	}
	tw.Flush()
}
