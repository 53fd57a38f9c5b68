package views

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"embedscope/app/service"
	"embedscope/ml/progress"
	"embedscope/views/figures"
)

// splitAClass replaces the chosen class's mean by k-means prototypes.
func (v *prototypesView) splitAClass() {
	fit := v.fit
	ds := v.env.Workspace.Data()
	if fit == nil || ds == nil {
		return
	}
	c := indexOf(ds.Classes, v.splitClass.Selected)
	if c < 0 {
		v.env.ShowError(fmt.Errorf("choose the class to split"))
		return
	}
	n := 0
	for _, l := range fit.Train.Split.Labels() {
		if l == c {
			n++
		}
	}
	k, err := positiveInt(v.splitK, "The number of prototypes", 1, max(n, 1))
	if err != nil {
		v.env.ShowError(fmt.Errorf("%w: %s has %d training images", err, ds.Classes[c], n))
		return
	}
	before := fit.Accuracy[v.evalSplit.Selected]
	var out *service.Prototypes
	v.splitButton.Disable()
	v.env.Jobs.Start(fmt.Sprintf("k-means: %s into %d", ds.Classes[c], k), func(ctx context.Context, t *progress.Tracker) error {
		var err error
		out, err = fit.WithSplitClass(ctx, c, k, 3, 0, t)
		return err
	}, func(err error) {
		v.splitButton.Enable()
		if err != nil || v.fit != fit {
			return
		}
		after := out.Accuracy[v.evalSplit.Selected]
		v.splitInfo.SetText(fmt.Sprintf("%s split into %d k-means prototypes: %s accuracy %.4f → %.4f (%+.4f).",
			ds.Classes[c], k, v.evalSplit.Selected, before, after, after-before))
		v.show(out)
	})
}

// runKNN measures kNN accuracy on the evaluated split.
func (v *prototypesView) runKNN() {
	fit := v.fit
	if fit == nil {
		return
	}
	k, err := positiveInt(v.knnK, "k", 1, fit.Train.X.Rows)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	split := v.evalSplit.Selected
	var acc float64
	v.knnButton.Disable()
	v.env.Jobs.Start(fmt.Sprintf("kNN(%d) on %s", k, split), func(ctx context.Context, t *progress.Tracker) error {
		var err error
		acc, err = v.env.Service.SplitAccuracy(ctx, fit.SpaceID(), split, k, t)
		return err
	}, func(err error) {
		v.knnButton.Enable()
		if err == nil && v.fit == fit {
			v.knnInfo.SetText(fmt.Sprintf("kNN(k=%d) on the %s split: accuracy %.4f (nearest prototype: %.4f).", k, split, acc, fit.Accuracy[split]))
		}
	})
}

// explain shows the k nearest training images of item i of the analysed
// split: why kNN predicts what it predicts.
func (v *prototypesView) explain(i int) {
	fit, an := v.fit, v.an
	if fit == nil || an == nil || i < 0 || i >= an.Split.Split.Len() {
		return
	}
	k, err := positiveInt(v.knnK, "k", 1, fit.Train.X.Rows)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	ds := v.env.Workspace.Data()
	sp := an.Split.Split
	row := an.Split.X.Data[i*an.Split.X.Stride : i*an.Split.X.Stride+an.Split.X.Cols]
	self := -1
	if sp.Name == "train" {
		self = i
	}
	v.tabs.Select(v.whyTab)
	v.whyInfo.SetText("Searching…")
	svc := v.env.Service
	go func() {
		space, err := svc.Space(context.Background(), fit.SpaceID())
		if err != nil {
			return
		}
		search, err := svc.NewTrainSearch(space)
		if err != nil {
			return
		}
		thumbs := neighbourThumbs(ds, fit.Train.Split, search, row, self, k)
		var votes []int
		for _, th := range thumbs {
			votes = append(votes, indexOf(ds.Classes, strings.SplitN(th.Caption, " · ", 2)[0]))
		}
		q := Thumb{Caption: "query: " + ds.Classes[sp.Label(i)], Index: -1}
		if ds.IsImage() {
			q.Image = ds.Image(sp.Part, sp.Index[i])
		}
		thumbs = append([]Thumb{q}, thumbs...)
		counts := map[int]int{}
		for _, c := range votes {
			counts[c]++
		}
		best := -1
		for c := range ds.Classes {
			if counts[c] > 0 && (best < 0 || counts[c] > counts[best]) {
				best = c
			}
		}
		uiDo(func() {
			if v.fit != fit {
				return
			}
			text := fmt.Sprintf("#%d of the %s split, a %s: its %d nearest training images", sp.Index[i], sp.Name, ds.Classes[sp.Label(i)], k)
			if best >= 0 {
				text += fmt.Sprintf(" vote %s (%d of %d)", ds.Classes[best], counts[best], k)
			}
			text += fmt.Sprintf("; the nearest prototype says %s.", ds.Classes[an.Pred[i].Class])
			v.whyInfo.SetText(text)
			v.why.SetItems(thumbs)
		})
	}()
}

// parseInts reads a comma-separated list of whole numbers ≥ 1.
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a whole number ≥ 1", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("give at least one value")
	}
	return out, nil
}

// runSweep measures kNN accuracy for each k in the list.
func (v *prototypesView) runSweep() {
	fit := v.fit
	if fit == nil {
		return
	}
	ks, err := parseInts(v.sweepKs.Text)
	if err != nil {
		v.env.ShowError(fmt.Errorf("k values: %w", err))
		return
	}
	req := service.ScalingRequest{Space: fit.SpaceID(), Eval: v.evalSplit.Selected, K: 1, Ks: ks}
	var res *service.ScalingResult
	v.sweepButton.Disable()
	v.env.Jobs.Start("kNN: sweep of k", func(ctx context.Context, t *progress.Tracker) error {
		var err error
		res, err = v.env.Service.Scaling(ctx, req, t)
		return err
	}, func(err error) {
		v.sweepButton.Enable()
		if err != nil || v.fit != fit {
			return
		}
		ds := v.env.Workspace.Data()
		v.sweep.SetPlot(figures.KSweep(fmt.Sprintf("kNN accuracy against k — %s, %s split", ds.Name, res.EvalSplit), res.SweepK, res.SweepAcc))
		v.tabs.SelectIndex(5)
	})
}

// runCurve measures the learning curve of kNN over doubling training sizes.
func (v *prototypesView) runCurve() {
	fit := v.fit
	if fit == nil {
		return
	}
	n := fit.Train.X.Rows
	k, err := positiveInt(v.knnK, "k", 1, n)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	start, err := positiveInt(v.curveStart, "The smallest training size", k, n)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	if v.evalSplit.Selected == "train" {
		v.env.ShowError(fmt.Errorf("the learning curve measures the error on held-out images: evaluate on the validation or test split"))
		return
	}
	req := service.ScalingRequest{Space: fit.SpaceID(), Eval: v.evalSplit.Selected, K: k, Start: start}
	var res *service.ScalingResult
	v.curveButton.Disable()
	v.env.Jobs.Start("kNN learning curve", func(ctx context.Context, t *progress.Tracker) error {
		var err error
		res, err = v.env.Service.Scaling(ctx, req, t)
		return err
	}, func(err error) {
		v.curveButton.Enable()
		if err != nil || v.fit != fit {
			return
		}
		ds := v.env.Workspace.Data()
		pts, law := res.Points, res.Law
		fp := make([]figures.CurvePoint, len(pts))
		for i, p := range pts {
			fp[i] = figures.CurvePoint{N: p.N, Error: p.Error}
		}
		full := res.FullSize
		v.curve.SetPlot(figures.LearningCurve(fmt.Sprintf("kNN (k=%d) error against training size — %s, %s split", k, ds.Name, res.EvalSplit), fp, law.Slope, law.Intercept, full))
		v.curveInfo.SetText(fmt.Sprintf("log₂ error falls %.3f per doubling of the training set; extrapolated error with all %d training images: %.4f (measured at %d: %.4f).",
			-law.Slope, full, res.Extrapolated, pts[len(pts)-1].N, pts[len(pts)-1].Error))
		v.tabs.SelectIndex(4)
	})
}
