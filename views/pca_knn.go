package views

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/knn"
	"embedscope/ml/metrics"
	"embedscope/ml/progress"
	"embedscope/views/figures"
)

// knnScore is the result of classifying one split.
type knnScore struct {
	split    string
	n        int
	accuracy float64
	recall   []float64
	pred     []int // predicted class of each item of the split
}

// startKNN classifies the validation and test splits with kNN on the
// current PCA projection.
func (v *pcaView) startKNN() {
	f := v.fit
	if f == nil {
		v.env.ShowError(fmt.Errorf("fit PCA first: kNN runs on the projection"))
		return
	}
	k, err := positiveInt(v.k, "k", 1, f.Space.Train.Rows)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	if f.Space.Val.Rows == 0 && f.Space.Test.Rows == 0 {
		v.env.ShowError(fmt.Errorf("there is nothing to evaluate on: set a validation share in the Data panel"))
		return
	}
	cl := &knn.Classifier{K: k}
	if v.metric.Selected == "manhattan" {
		cl.Metric = knn.Manhattan
	}
	if v.weights.Selected == "distance" {
		cl.Weights = knn.Distance
	}
	ws := v.env.Workspace
	classes := ws.Data().Classes
	var scores []knnScore
	var secs float64
	v.knnButton.Disable()
	v.knnSummary.SetText("Classifying…")
	v.env.Jobs.Start(fmt.Sprintf("kNN(%d) on %s", k, f.Space.Name), func(ctx context.Context, t *progress.Tracker) error {
		cl.Progress = t
		start := time.Now()
		var err error
		scores, err = classifySplits(ctx, cl, f, len(classes))
		secs = time.Since(start).Seconds()
		return err
	}, func(err error) {
		v.knnButton.Enable()
		if err != nil {
			v.knnSummary.SetText("")
			return
		}
		if v.fit != f {
			return // a new fit replaced the one classified
		}
		v.showKNN(cl, f.Space.Name, scores, secs, classes)
		publishPredictions(ws, f.Items, fmt.Sprintf("kNN(%d) prediction, %s", k, f.Space.Name), scores, classes)
	})
}

// classifySplits fits cl on the projected train split and scores the
// validation and test splits.
func classifySplits(ctx context.Context, cl *knn.Classifier, f *pcaFit, classes int) ([]knnScore, error) {
	train := f.Items.Splits[0]
	if err := cl.Fit(f.Space.Train, train.Labels()); err != nil {
		return nil, err
	}
	var out []knnScore
	for _, sp := range f.Items.Splits[1:] {
		pred, err := cl.Predict(ctx, f.Space.Split(sp.Name))
		if err != nil {
			return nil, err
		}
		conf, err := metrics.NewConfusion(pred, sp.Labels(), classes)
		if err != nil {
			return nil, err
		}
		out = append(out, knnScore{split: sp.Name, n: sp.Len(), accuracy: conf.Accuracy(), recall: conf.Recall(), pred: pred})
	}
	return out, nil
}

func (v *pcaView) showKNN(cl *knn.Classifier, space string, scores []knnScore, secs float64, classes []string) {
	var parts []string
	var series []figures.Series
	for _, s := range scores {
		parts = append(parts, fmt.Sprintf("%s accuracy %.4f (%d images)", s.split, s.accuracy, s.n))
		series = append(series, figures.Series{Name: fmt.Sprintf("%s (%.4f)", s.split, s.accuracy), Values: s.recall})
	}
	v.knnSummary.SetText(fmt.Sprintf("kNN(k=%d, %s, %s) on %s: %s; %.2f s.",
		cl.K, cl.Metric, weightsName(cl.Weights), space, strings.Join(parts, ", "), secs))
	v.knnTable.SetText(perClassTable(classes, scores))
	title := fmt.Sprintf("kNN (k=%d) on %s: accuracy per class — %s", cl.K, space, v.env.Workspace.Data().Name)
	if p, err := figures.PerClassAccuracy(title, classes, series); err == nil {
		v.perClass.SetPlot(p)
	}
}

func weightsName(w knn.Weights) string {
	if w == knn.Distance {
		return "distance"
	}
	return "uniform"
}

// perClassTable formats the per-class accuracies as aligned text.
func perClassTable(classes []string, scores []knnScore) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "class\t")
	for _, s := range scores {
		fmt.Fprintf(tw, "%s\t", s.split)
	}
	fmt.Fprintln(tw)
	for c, name := range classes {
		fmt.Fprintf(tw, "%s\t", name)
		for _, s := range scores {
			if r := s.recall[c]; r == r {
				fmt.Fprintf(tw, "%.3f\t", r)
			} else {
				fmt.Fprint(tw, "—\t")
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	return b.String()
}

// publishPredictions stores the predictions of the scored splits as a
// workspace labelling (items of other splits: none), so every linked
// scatter can colour by them and by correct / wrong.
func publishPredictions(ws *workspace.Workspace, items workspace.Items, name string, scores []knnScore, classes []string) {
	labels := make([]int, items.Len())
	for i := range labels {
		labels[i] = -1
	}
	for _, s := range scores {
		for p, c := range s.pred {
			if i := items.PositionOf(workspace.Item{Split: splitNamed(items, s.split), Pos: p}); i >= 0 {
				labels[i] = c
			}
		}
	}
	ws.SetLabeling(&workspace.Labeling{Name: name, Labels: labels, Classes: classes, Prediction: true}, ws.Generation())
}

// splitNamed returns the split of items with the given name.
func splitNamed(items workspace.Items, name string) dataset.Split {
	for _, sp := range items.Splits {
		if sp.Name == name {
			return sp
		}
	}
	return dataset.Split{Name: name}
}
