package cli

import (
	"fmt"
	"io"

	"embedscope/app/service"
	"embedscope/ml/atomicfile"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "tsne", Summary: "t-SNE map of the first N evaluation items (or all): time, 5-NN accuracy, trustworthiness", Run: runTSNE})
}

// TSNEResult is what `embedscope tsne --json` prints.
type TSNEResult struct {
	RunID           string   `json:"run_id"`
	Data            string   `json:"data"`
	Input           string   `json:"input"` // what the neighbours were measured in
	N               int      `json:"n"`
	Perplexity      float64  `json:"perplexity"`
	Iterations      int      `json:"iterations"`
	LearningRate    float64  `json:"learning_rate"`
	KL              float64  `json:"kl"`
	Seconds         float64  `json:"seconds"` // PCA-50 + t-SNE, as sklearn's pipeline is timed
	KNN5            float64  `json:"knn5"`    // leave-one-out 5-NN accuracy inside the map
	Trustworthiness *float64 `json:"trustworthiness,omitempty"`
	Note            string   `json:"note,omitempty"`
	Out             string   `json:"out,omitempty"`
}

func runTSNE(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "tsne", "tsne [--data D] [--space pixels|RUN] [--n N] [--all] [--perplexity 30] [--iters 1000] [--exaggeration X] [--trust] [--out map.csv] [--json]")
	d.add(fs)
	space := fs.String("space", "pixels", "space mapped: pixels (through PCA-50), pca:K or a run's ID or name")
	n := fs.Int("n", 10000, "number of points: the first N items of the evaluation split (test, else validation), then of the others")
	all := fs.Bool("all", false, "map every item of every split instead")
	perp := fs.Float64("perplexity", 30, "perplexity, below n/3")
	iters := fs.Int("iters", 1000, "iterations")
	exag := fs.Float64("exaggeration", 0, "exaggerate the affinities by this factor for the whole run (4: tighter clusters); 0: the standard 12 for 250 iterations")
	lr := fs.Float64("lr", 0, "learning rate (0: automatic, n/12)")
	trust := fs.Bool("trust", true, "measure trustworthiness(5) against the input (O(n²): about a second for 10,000 points)")
	out := fs.String("out", "", "write the map as CSV (split, index, label, then its two coordinates)")
	seed := fs.Uint64("tseed", 0, "seed of t-SNE")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	t := progress.New()
	stop := c.reportProgress("t-SNE", t)
	defer stop()
	id, err := spaceID(c, svc, *space, 32, "", t)
	if err != nil {
		return err
	}
	req := service.TSNERequest{MapItems: service.MapItems{Input: id, All: *all, N: *n}, Perplexity: *perp, Iterations: *iters,
		LearningRate: *lr, Exaggeration: *exag, Seed: *seed, Trust: *trust}
	m, err := svc.MapTSNE(c.Ctx, req, t, nil)
	stop()
	if err != nil {
		return err
	}
	res := TSNEResult{RunID: m.Run.ID, Data: svc.WS.Data().Name, Input: m.InputName, N: len(m.Items), Perplexity: *perp, Iterations: m.Iterations,
		LearningRate: m.LearningRate, KL: m.KL, Seconds: m.Seconds, KNN5: m.KNN5, Note: m.Note}
	if m.TrustN > 0 {
		res.Trustworthiness = &m.Trustworthiness
	}
	if *out != "" {
		f, err := service.EncodeItems(svc.WS.Data(), m.Items, m.Embedding, "tsne", "csv")
		if err != nil {
			return err
		}
		if err := atomicfile.Write(*out, f.Vectors); err != nil {
			return err
		}
		res.Out = *out
	}
	return c.emit(res, func(w io.Writer) {
		fmt.Fprintf(w, "t-SNE of %d items of %s (%s): %d iterations, learning rate %.0f, KL %.3f, %.1f s (PCA-50 included; run %s)\n",
			res.N, res.Data, res.Input, res.Iterations, res.LearningRate, res.KL, res.Seconds, res.RunID)
		if res.Note != "" {
			fmt.Fprintln(w, "note:", res.Note)
		}
		fmt.Fprintf(w, "leave-one-out 5-NN accuracy in the map %.4f", res.KNN5)
		if res.Trustworthiness != nil {
			fmt.Fprintf(w, ", trustworthiness(5) %.4f", *res.Trustworthiness)
			if m.TrustN < res.N {
				fmt.Fprintf(w, " (on the first %d points)", m.TrustN)
			}
		}
		fmt.Fprintln(w)
	})
}
