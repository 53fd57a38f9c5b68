package cli

import (
	"fmt"
	"io"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/progress"
	"embedscope/ml/tsne"
)

func init() {
	register(command{Name: "tsne", Summary: "t-SNE map of the first N evaluation items: time, 5-NN accuracy, trustworthiness", Run: runTSNE})
}

// TSNEResult is what `embedscope tsne --json` prints.
type TSNEResult struct {
	Data            string  `json:"data"`
	Split           string  `json:"split"`
	N               int     `json:"n"`
	Perplexity      float64 `json:"perplexity"`
	Iterations      int     `json:"iterations"`
	LearningRate    float64 `json:"learning_rate"`
	KL              float64 `json:"kl"`
	Seconds         float64 `json:"seconds"` // PCA-50 + t-SNE, as sklearn's pipeline is timed
	KNN5            float64 `json:"knn5"`    // leave-one-out 5-NN accuracy inside the map
	Trustworthiness float64 `json:"trustworthiness,omitempty"`
	Out             string  `json:"out,omitempty"`
}

func runTSNE(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "tsne", "tsne [--data D] [--n N] [--all] [--perplexity 30] [--iters 1000] [--trust] [--out map.csv] [--json]")
	d.add(fs)
	n := fs.Int("n", 10000, "number of points: the first N items of the evaluation split (test, else validation)")
	all := fs.Bool("all", false, "map every item of every split instead")
	perp := fs.Float64("perplexity", 30, "perplexity, below n/3")
	iters := fs.Int("iters", 1000, "iterations")
	trust := fs.Bool("trust", true, "measure trustworthiness(5) against PCA-50 (O(n²): about a second for 10,000 points)")
	out := fs.String("out", "", "write the map as CSV (split, index, label, x, y)")
	seed := fs.Uint64("tseed", 0, "seed of t-SNE")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	ws, err := d.open(c)
	if err != nil {
		return err
	}
	px, err := ws.PixelSpace(c.Ctx)
	if err != nil {
		return err
	}
	var items []workspace.Item
	splitName := "all"
	if *all {
		it := workspace.NewItems(ws.Splits())
		for i := 0; i < it.Len(); i++ {
			items = append(items, it.At(i))
		}
	} else {
		ev := ws.Splits().Eval()
		if ev.Len() == 0 {
			ev = ws.Splits().Train
		}
		if *n < 4 {
			return fmt.Errorf("--n %d: t-SNE needs at least 4 points", *n)
		}
		for p := 0; p < min(*n, ev.Len()); p++ {
			items = append(items, workspace.Item{Split: ev, Pos: p})
		}
		splitName = ev.Name
	}
	if !(*perp > 0) || *perp >= float64(len(items))/3 {
		return fmt.Errorf("--perplexity %v must be above 0 and below n/3 = %.0f", *perp, float64(len(items))/3)
	}
	dim := px.Dim()
	X := blas32.General{Rows: len(items), Cols: dim, Stride: dim, Data: make([]float32, 0, len(items)*dim)}
	labels := make([]int, len(items))
	for i, it := range items {
		m := px.Split(it.Split.Name)
		X.Data = append(X.Data, m.Data[it.Pos*m.Stride:it.Pos*m.Stride+dim]...)
		labels[i] = it.Label()
	}
	t := progress.New()
	stop := c.reportProgress("t-SNE", t)
	defer stop()
	start := time.Now()
	X50, err := tsne.PCA50(c.Ctx, X)
	if err != nil {
		return err
	}
	m, err := tsne.TSNE{Perplexity: *perp, Iterations: *iters, Seed: *seed, Progress: t}.Fit(c.Ctx, X50)
	if err != nil {
		return err
	}
	res := TSNEResult{Data: ws.Data().Name, Split: splitName, N: len(items), Perplexity: *perp, Iterations: m.Iterations,
		LearningRate: m.LearningRate, KL: m.KL, Seconds: time.Since(start).Seconds()}
	if res.KNN5, err = tsne.LeaveOneOut5NN(c.Ctx, m.Embedding, labels); err != nil {
		return err
	}
	if *trust {
		if res.Trustworthiness, err = tsne.Trustworthiness(c.Ctx, X50, m.Embedding, 5); err != nil {
			return err
		}
	}
	stop()
	if *out != "" {
		if err := writeMapCSV(*out, ws, items, m.Embedding); err != nil {
			return err
		}
		res.Out = *out
	}
	return c.emit(res, func(w io.Writer) {
		fmt.Fprintf(w, "t-SNE of %d %s items of %s: %d iterations, learning rate %.0f, KL %.3f, %.1f s (PCA-50 included)\n",
			res.N, res.Split, res.Data, res.Iterations, res.LearningRate, res.KL, res.Seconds)
		fmt.Fprintf(w, "leave-one-out 5-NN accuracy in the map %.4f", res.KNN5)
		if *trust {
			fmt.Fprintf(w, ", trustworthiness(5) %.4f", res.Trustworthiness)
		}
		fmt.Fprintln(w)
	})
}
