package cli

import (
	"fmt"
	"io"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/embed"
	"embedscope/ml/glrm"
	"embedscope/ml/pca"
	"embedscope/ml/progress"
	"embedscope/ml/tsne"
)

func init() {
	register(command{Name: "export-embedding", Summary: "write a feature space (pixels, PCA, embedding, GLRM, t-SNE) as CSV or a projector TSV pair", Run: runExportEmbedding})
}

func runExportEmbedding(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "export-embedding", "export-embedding --space pixels|pca|embedding|ae|glrm|tsne --format csv|tsv --out FILE [--components N] [--model M.esm]")
	d.add(fs)
	space := fs.String("space", "pca", "space: pixels, pca, embedding or ae (the network or autoencoder in --model), glrm or tsne")
	format := fs.String("format", "csv", "csv (one file: split, index, label, then the coordinates) or tsv (the TensorFlow projector's vectors file FILE and FILE_metadata.tsv)")
	out := fs.String("out", "", "output file")
	comps := fs.Int("components", 32, "components of pca, rank of glrm")
	model := fs.String("model", "", "trained embedding model (.esm) for --space embedding")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	if *format != "csv" && *format != "tsv" {
		return fmt.Errorf("unknown format %q: use csv or tsv", *format)
	}
	ws, err := d.open(c)
	if err != nil {
		return err
	}
	t := progress.New()
	stop := c.reportProgress("export-embedding", t)
	s, err := computeSpace(c, ws, *space, *comps, *model, t)
	stop()
	if err != nil {
		return err
	}
	f, err := ws.EncodeSpace(s, *format)
	if err != nil {
		return err
	}
	if *format == "tsv" {
		metaPath := workspace.MetadataPath(*out)
		if err := f.Write(*out); err != nil {
			return err
		}
		return c.emit(map[string]any{"space": s.Name, "rows": f.Rows, "dim": f.Dim, "vectors": *out, "metadata": metaPath},
			func(w io.Writer) {
				fmt.Fprintf(w, "wrote %d × %d %s vectors to %s and their labels to %s\n", f.Rows, f.Dim, s.Name, *out, metaPath)
			})
	}
	if err := f.Write(*out); err != nil {
		return err
	}
	return c.emit(map[string]any{"space": s.Name, "rows": f.Rows, "dim": f.Dim, "out": *out},
		func(w io.Writer) {
			fmt.Fprintf(w, "wrote %d × %d %s coordinates to %s\n", f.Rows, f.Dim, s.Name, *out)
		})
}

// computeSpace computes a feature space of every split of ws.
func computeSpace(c *Context, ws *workspace.Workspace, name string, k int, model string, t *progress.Tracker) (*workspace.Space, error) {
	switch name {
	case "pixels":
		return ws.PixelSpace(c.Ctx)
	case "pca":
		p, err := ws.FitPCA(c.Ctx, k, pca.Auto, t)
		if err != nil {
			return nil, err
		}
		return p.Space, nil
	case "glrm":
		train, val, test, err := ws.Features(c.Ctx)
		if err != nil {
			return nil, err
		}
		m, err := glrm.GLRM{K: k, Seed: 1, Progress: t}.Fit(c.Ctx, train.X, nil)
		if err != nil {
			return nil, err
		}
		s := &workspace.Space{Name: fmt.Sprintf("GLRM-%d", k), Train: m.A}
		if s.Val, err = m.Transform(c.Ctx, val.X, nil); err != nil {
			return nil, err
		}
		if s.Test, err = m.Transform(c.Ctx, test.X, nil); err != nil {
			return nil, err
		}
		return s, nil
	case "embedding", "ae", "code":
		if model == "" {
			return nil, fmt.Errorf("--space %s needs --model: a model saved by the Embedding panel, train-siamese or train-ae", name)
		}
		train, val, test, err := ws.Features(c.Ctx)
		if err != nil {
			return nil, err
		}
		ds := ws.Data()
		shape := embed.Shape{Height: 1, Width: ds.Dim, Channels: 1, Classes: len(ds.Classes)}
		if ds.IsImage() {
			shape.Height, shape.Width = ds.Height, ds.Width
		}
		tr, err := embed.LoadFor(model, shape)
		if err != nil {
			return nil, err
		}
		s := &workspace.Space{Name: "embedding"}
		if tr.Config().Arch.Autoencoder() {
			s.Name = fmt.Sprintf("%s code d=%d", tr.Config().Arch, tr.Config().Dim)
		}
		for _, p := range []struct {
			dst *blas32.General
			src blas32.General
		}{{&s.Train, train.X}, {&s.Val, val.X}, {&s.Test, test.X}} {
			if *p.dst, err = tr.Embed(c.Ctx, p.src); err != nil {
				return nil, err
			}
		}
		return s, nil
	case "tsne":
		px, err := ws.PixelSpace(c.Ctx)
		if err != nil {
			return nil, err
		}
		items := workspace.NewItems(ws.Splits())
		d := px.Dim()
		X := blas32.General{Rows: items.Len(), Cols: d, Stride: d, Data: make([]float32, 0, items.Len()*d)}
		for i := 0; i < items.Len(); i++ {
			X.Data = append(X.Data, items.Row(px, i)...)
		}
		X50, err := tsne.PCA50(c.Ctx, X)
		if err != nil {
			return nil, err
		}
		m, err := tsne.TSNE{Progress: t}.Fit(c.Ctx, X50)
		if err != nil {
			return nil, err
		}
		// Split the map back into the splits, in the items' order.
		s := &workspace.Space{Name: "t-SNE"}
		off := 0
		for _, sp := range items.Splits {
			part := blas32.General{Rows: sp.Len(), Cols: 2, Stride: 2, Data: m.Embedding.Data[off*2 : (off+sp.Len())*2]}
			off += sp.Len()
			switch sp.Name {
			case "train":
				s.Train = part
			case "validation":
				s.Val = part
			default:
				s.Test = part
			}
		}
		return s, nil
	}
	return nil, fmt.Errorf("unknown space %q: use pixels, pca, embedding (or ae: an autoencoder's code), glrm or tsne", name)
}
