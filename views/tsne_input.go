package views

import (
	"context"
	"fmt"
	"strings"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
)

// The t-SNE panel maps the scaled pixels (through PCA-50) or any feature
// space another panel published — an autoencoder's code, the learned
// embedding, GLRM's representation — and publishes a map of every item as
// a 2-D space, so the Clusters panel can run the published route
// autoencoder → t-SNE → k-means.

const tsneInputPixels = "pixels (via PCA-50)"

// The exaggeration choices: the standard schedule, or a factor of 4 for
// the whole run, which draws tighter, UMAP-like clusters that k-means
// separates better. On a modern autoencoder's 10-d code of the full
// training set, k-means on the map reached a weighted purity of 0.636–0.638
// with the standard schedule (perplexity 30–100), 0.643–0.646 with 4
// throughout, and 0.650–0.706 with 4 throughout at perplexity 15.
const (
	exagStandard = "12 for 250 iterations (standard)"
	exagClusters = "4 throughout (tighter clusters)"
)

// tsnePrefix starts the names of published t-SNE maps.
const tsnePrefix = "t-SNE of "

// refreshInputs offers the published spaces as inputs (not t-SNE maps).
func (v *tsneView) refreshInputs() {
	opts := []string{tsneInputPixels}
	for _, n := range v.env.Workspace.SpaceNames() {
		if n != workspace.PixelsSpace && !strings.HasPrefix(n, tsnePrefix) {
			opts = append(opts, n)
		}
	}
	v.input.Options = opts
	if indexOf(opts, v.input.Selected) < 0 {
		v.input.Selected = tsneInputPixels
	}
	v.input.Refresh()
}

// inputSpace returns the space the chosen input names.
func (v *tsneView) inputSpace(ctx context.Context) (*workspace.Space, error) {
	name := v.input.Selected
	if name == tsneInputPixels || name == "" {
		return v.env.Workspace.PixelSpace(ctx)
	}
	if s := v.env.Workspace.Space(name); s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("the %s space is not available any more: compute it again in its panel", name)
}

// inputName names the input in messages: what t-SNE's neighbours are
// measured in.
func inputName(input string) string {
	if input == tsneInputPixels || input == "" {
		return "PCA-50"
	}
	if strings.HasPrefix(input, "PCA-") {
		return input
	}
	return input + " (PCA-50 of it when wider than 50)"
}

// publish stores a map of every item as the space "t-SNE of <input>",
// for k-means in the Clusters panel. Maps of a subset are not published.
func (v *tsneView) publish(items []workspace.Item, Y blas32.General, input string, gen int) {
	ws := v.env.Workspace
	all := workspace.NewItems(ws.Splits())
	if len(items) != all.Len() || Y.Rows != len(items) {
		return
	}
	name := tsnePrefix + strings.TrimSuffix(input, " (via PCA-50)")
	sp := &workspace.Space{Name: name}
	rows := map[string][]int{}
	for i, it := range items {
		rows[it.Split.Name] = append(rows[it.Split.Name], i)
	}
	for _, s := range []struct {
		name string
		dst  *blas32.General
	}{{"train", &sp.Train}, {"validation", &sp.Val}, {"test", &sp.Test}} {
		r := rows[s.name]
		m := blas32.General{Rows: len(r), Cols: 2, Stride: 2, Data: make([]float32, 2*len(r))}
		for k, i := range r {
			copy(m.Data[2*k:2*k+2], Y.Data[i*Y.Stride:i*Y.Stride+2])
		}
		*s.dst = m
	}
	ws.SetSpace(sp, gen)
}
