package views

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/runs"
	"embedscope/app/service"
)

// The Maps panel maps the scaled pixels (through PCA-50) or any space a
// run made — an autoencoder's code, a learned embedding, GLRM's
// representation — with t-SNE or UMAP; the service keeps a map of every
// item as a 2-D space, so the Clusters panel can run the route
// autoencoder → map → k-means and the Compare panel can compare maps.

// The methods of the panel.
const (
	methodTSNE = "t-SNE (Barnes-Hut)"
	methodUMAP = "UMAP"
)

// Which items a map covers.
const (
	pointsFirst = "first N of the evaluation split"
	pointsAll   = "all items"
	pointsPlace = "fit on train, place the others (UMAP)"
)

// The exaggeration choices: the standard schedule, or a factor of 4 for
// the whole run, which draws tighter, UMAP-like clusters that k-means
// separates better. On a modern autoencoder's 10-d code of the full
// training set, k-means on the map reached a weighted purity of 0.636–0.638
// with the standard schedule (perplexity 30–100), 0.643–0.646 with 4
// throughout, and 0.639–0.706 with 4 throughout at perplexity 15 (over
// four trainings of the autoencoder).
const (
	exagStandard = "12 for 250 iterations (standard)"
	exagClusters = "4 throughout (tighter clusters)"
)

// notAMap offers every space but 2-D maps as a map's input.
func notAMap(c service.SpaceChoice) bool { return c.Kind != runs.KindTSNE && c.Kind != runs.KindUMAP }

// mapForms are the settings of each method.
type mapForms struct {
	perplexity, iters, lr          *widget.Entry
	exaggeration                   *widget.Select
	neighbors, minDist, spread, ep *widget.Entry
	metric                         *widget.Select
	supervised                     *widget.Check
	tsne, umap                     *fyne.Container
}

func newMapForms() *mapForms {
	f := &mapForms{}
	f.perplexity, f.iters, f.lr = entryWith("30"), entryWith("1000"), entryWith("auto")
	f.exaggeration = widget.NewSelect([]string{exagStandard, exagClusters}, nil)
	f.exaggeration.SetSelected(exagStandard)
	f.neighbors, f.minDist, f.spread, f.ep = entryWith("15"), entryWith("0.1"), entryWith("1"), entryWith("auto")
	f.metric = widget.NewSelect([]string{"euclidean", "cosine"}, nil)
	f.metric.SetSelected("euclidean")
	f.supervised = widget.NewCheck("supervised (classes shape the map)", nil)
	f.tsne = container.NewVBox(widget.NewForm(
		widget.NewFormItem("Perplexity", f.perplexity),
		widget.NewFormItem("Iterations", f.iters),
		widget.NewFormItem("Learning rate", f.lr),
	), stacked(widget.NewFormItem("Exaggeration", f.exaggeration)))
	f.umap = container.NewVBox(widget.NewForm(
		widget.NewFormItem("Neighbours", f.neighbors),
		widget.NewFormItem("Min. distance", f.minDist),
		widget.NewFormItem("Spread", f.spread),
		widget.NewFormItem("Metric", f.metric),
		widget.NewFormItem("Epochs", f.ep),
	), f.supervised)
	return f
}

// show shows the settings of method.
func (f *mapForms) show(method string) {
	if method == methodUMAP {
		f.tsne.Hide()
		f.umap.Show()
	} else {
		f.umap.Hide()
		f.tsne.Show()
	}
}

func parseFloat(e *widget.Entry, name string) (float64, error) {
	x, err := strconv.ParseFloat(strings.TrimSpace(e.Text), 64)
	if err != nil {
		return 0, fmt.Errorf("%s must be a number (got %q)", name, e.Text)
	}
	return x, nil
}

// tsneRequest reads the t-SNE settings (on the UI goroutine).
func (f *mapForms) tsneRequest(items service.MapItems, seed uint64) (service.TSNERequest, error) {
	req := service.TSNERequest{MapItems: items, Trust: true, Seed: seed}
	var err error
	if req.Perplexity, err = parseFloat(f.perplexity, "The perplexity"); err != nil || !(req.Perplexity > 0) {
		return req, fmt.Errorf("the perplexity must be a number above 0 (got %q)", f.perplexity.Text)
	}
	if req.Iterations, err = positiveInt(f.iters, "Iterations", 1, 100000); err != nil {
		return req, err
	}
	if s := strings.TrimSpace(f.lr.Text); s != "" && s != "auto" {
		if req.LearningRate, err = strconv.ParseFloat(s, 64); err != nil || !(req.LearningRate > 0) {
			return req, fmt.Errorf("the learning rate must be auto or a number above 0 (got %q)", f.lr.Text)
		}
	}
	if f.exaggeration.Selected == exagClusters {
		req.Exaggeration = 4
	}
	return req, nil
}

// umapRequest reads the UMAP settings (on the UI goroutine).
func (f *mapForms) umapRequest(items service.MapItems, place bool, seed uint64) (service.UMAPRequest, error) {
	req := service.DefaultUMAPRequest(items.N)
	req.Input, req.All, req.Place, req.Seed = items.Input, items.All || place, place, seed
	var err error
	if req.Neighbors, err = positiveInt(f.neighbors, "Neighbours", 2, 200); err != nil {
		return req, err
	}
	if req.Spread, err = parseFloat(f.spread, "The spread"); err != nil || !(req.Spread > 0) || req.Spread > 100 {
		return req, fmt.Errorf("the spread must be a number above 0 and at most 100 (got %q)", f.spread.Text)
	}
	if req.MinDist, err = parseFloat(f.minDist, "The minimum distance"); err != nil || !(req.MinDist >= 0) || req.MinDist > req.Spread {
		return req, fmt.Errorf("the minimum distance must be a number from 0 to the spread %v (got %q)", req.Spread, f.minDist.Text)
	}
	req.Metric = f.metric.Selected
	if s := strings.TrimSpace(f.ep.Text); s != "" && s != "auto" {
		if req.Epochs, err = positiveInt(f.ep, "Epochs", 1, 10000); err != nil {
			return req, err
		}
	}
	req.Supervised = f.supervised.Checked
	return req, nil
}
