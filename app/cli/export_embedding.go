package cli

import (
	"fmt"
	"io"
	"strings"

	"embedscope/app/service"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "export-embedding", Summary: "write a feature space (pixels, PCA, a run, a model's embedding, GLRM, t-SNE) as CSV or a projector TSV pair", Run: runExportEmbedding})
}

// ExportEmbeddingResult is what `embedscope export-embedding --json` prints.
type ExportEmbeddingResult struct {
	RunID string `json:"run_id,omitempty"` // the run whose space was written (none for pixels)
	service.ExportResult
}

func runExportEmbedding(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "export-embedding", "export-embedding --space pixels|pca|pca:K|glrm|tsne|embedding|ae|RUN --format csv|tsv --out FILE [--components N] [--model M.esm]")
	d.add(fs)
	space := fs.String("space", "pca", "space: pixels; pca (--components) or pca:K; glrm (rank --components); tsne (of every item); embedding or ae (the network in --model); or a run's ID or name (embedscope runs list)")
	format := fs.String("format", "csv", "csv (one file: split, index, label, then the coordinates) or tsv (the TensorFlow projector's vectors file FILE and FILE_metadata.tsv)")
	out := fs.String("out", "", "output file")
	comps := fs.Int("components", 32, "components of pca, rank of glrm")
	model := fs.String("model", "", "trained model (.esm) for --space embedding or ae")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	if *format != "csv" && *format != "tsv" {
		return fmt.Errorf("unknown format %q: use csv or tsv", *format)
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	t := progress.New()
	stop := c.reportProgress("export-embedding", t)
	id, err := spaceID(c, svc, *space, *comps, *model, t)
	stop()
	if err != nil {
		return err
	}
	res, err := svc.ExportSpace(c.Ctx, service.ExportRequest{Space: id, Format: *format, Path: *out})
	if err != nil {
		return err
	}
	r := ExportEmbeddingResult{ExportResult: *res}
	if id != "pixels" {
		r.RunID = id
	}
	return c.emit(r, func(w io.Writer) {
		if r.Metadata != "" {
			fmt.Fprintf(w, "wrote %d × %d %s vectors to %s and their labels to %s\n", r.Rows, r.Dim, r.Space, r.Path, r.Metadata)
			return
		}
		fmt.Fprintf(w, "wrote %d × %d %s coordinates to %s\n", r.Rows, r.Dim, r.Space, r.Path)
	})
}

// spaceID returns the ID of the space a command line names, computing it
// (as a run) when it names a computation: pca, glrm, tsne, or a model
// file's embedding.
func spaceID(c *Context, svc *service.Service, name string, k int, model string, t *progress.Tracker) (string, error) {
	switch strings.ToLower(name) {
	case "pixels":
		return "pixels", nil
	case "pca":
		name = fmt.Sprintf("pca:%d", k)
	case "glrm":
		r, err := svc.FitGLRM(c.Ctx, service.GLRMRequest{K: k, MaxIter: 100, Seed: 1}, t)
		if err != nil {
			return "", err
		}
		return r.Run.ID, nil
	case "tsne":
		r, err := svc.MapTSNE(c.Ctx, service.TSNERequest{MapItems: service.MapItems{Input: "pixels", All: true}, Perplexity: 30, Iterations: 1000}, t, nil)
		if err != nil {
			return "", err
		}
		return r.Run.ID, nil
	case "embedding", "ae", "code":
		if model == "" {
			return "", fmt.Errorf("--model F.esm is needed for %s: a model saved by the Embedding panel, train-siamese or train-ae (or give the run's ID as --space)", name)
		}
		return publishModel(c, svc, model, name != "embedding", t)
	}
	sp, err := svc.ResolveSpec(c.Ctx, name, t)
	if err != nil {
		return "", err
	}
	return sp.ID, nil
}

// publishModel makes a run of a model file and publishes its space; with
// needAE the model must be an autoencoder.
func publishModel(c *Context, svc *service.Service, path string, needAE bool, t *progress.Tracker) (string, error) {
	tr, err := svc.ImportModel(c.Ctx, path)
	if err != nil {
		return "", err
	}
	if cfg := tr.Trainer.Config(); needAE && !cfg.Arch.Autoencoder() {
		svc.Delete(tr.Record().ID)
		return "", fmt.Errorf("%s holds the %s embedding network, not an autoencoder: use --features embedding", path, cfg.Arch)
	}
	res, err := tr.Publish(c.Ctx, service.PublishOptions{}, t)
	if err != nil {
		return "", err
	}
	return res.Run.ID, nil
}
