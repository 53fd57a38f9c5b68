package views

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/progress"
	"embedscope/views/figures"
)

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
	req := service.ClassifyRequest{Space: f.Space.ID, K: k, Metric: v.metric.Selected, Weights: v.weights.Selected}
	ws := v.env.Workspace
	classes := ws.Data().Classes
	var res *service.ClassifyResult
	v.knnButton.Disable()
	v.knnSummary.SetText("Classifying…")
	v.env.Jobs.Start(fmt.Sprintf("kNN(%d) on %s", k, f.Space.Name), func(ctx context.Context, t *progress.Tracker) error {
		var err error
		res, err = v.env.Service.Classify(ctx, req, t)
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
		v.showKNN(res, classes)
		ws.SetLabeling(res.Labeling(ws, fmt.Sprintf("kNN(%d) prediction, %s", k, f.Space.Name)), res.Generation)
	})
}

func (v *pcaView) showKNN(res *service.ClassifyResult, classes []string) {
	var parts []string
	var series []figures.Series
	for _, s := range res.Scores {
		parts = append(parts, fmt.Sprintf("%s accuracy %.4f (%d images)", s.Split, s.Accuracy, s.N))
		series = append(series, figures.Series{Name: fmt.Sprintf("%s (%.4f)", s.Split, s.Accuracy), Values: s.Confusion.Recall()})
	}
	r := res.Request
	v.knnSummary.SetText(fmt.Sprintf("kNN(k=%d, %s, %s) on %s: %s; %.2f s.",
		r.K, res.Classifier.Metric, r.Weights, res.Space.Name, strings.Join(parts, ", "), res.Seconds))
	v.knnTable.SetText(perClassTable(classes, res.Scores))
	title := fmt.Sprintf("kNN (k=%d) on %s: accuracy per class — %s", r.K, res.Space.Name, v.env.Workspace.Data().Name)
	if p, err := figures.PerClassAccuracy(title, classes, series); err == nil {
		v.perClass.SetPlot(p)
	}
}

// perClassTable formats the per-class accuracies as aligned text.
func perClassTable(classes []string, scores []service.SplitScore) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "class\t")
	for _, s := range scores {
		fmt.Fprintf(tw, "%s\t", s.Split)
	}
	fmt.Fprintln(tw)
	for c, name := range classes {
		fmt.Fprintf(tw, "%s\t", name)
		for _, s := range scores {
			if r := s.Confusion.Recall()[c]; r == r {
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
func publishPredictions(ws *workspace.Workspace, items workspace.Items, name string, scores []service.SplitScore, classes []string) {
	labels := make([]int, items.Len())
	for i := range labels {
		labels[i] = -1
	}
	for _, s := range scores {
		for p, c := range s.Pred {
			if i := items.PositionOf(workspace.Item{Split: splitNamed(items, s.Split), Pos: p}); i >= 0 {
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
