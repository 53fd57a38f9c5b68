package service

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/atomicfile"
	"embedscope/ml/dataset"
)

// SpaceFiles is a space written out: CSV (one file) or the TensorFlow
// projector's TSV pair (vectors, and labels in a metadata file).
type SpaceFiles struct {
	Vectors  []byte // the CSV file, or the vectors TSV
	Metadata []byte // the metadata TSV (nil for CSV)
	Rows     int
	Dim      int
}

// MetadataPath returns where a TSV pair's labels go beside the vectors
// file: "F.tsv" → "F_metadata.tsv".
func MetadataPath(vectors string) string {
	return strings.TrimSuffix(vectors, ".tsv") + "_metadata.tsv"
}

// EncodeSpace writes every item of space s (in NewItems order: train,
// validation, test) with its split, original index and class, as CSV or
// as a TSV pair (format "tsv"); see EncodeItems.
func (svc *Service) EncodeSpace(s *workspace.Space, format string) (SpaceFiles, error) {
	ds := svc.WS.Data()
	if ds == nil {
		return SpaceFiles{}, fmt.Errorf("no data set is open")
	}
	all := workspace.NewItems(svc.WS.Splits())
	dim := s.Dim()
	for _, sp := range all.Splits {
		if m := s.Split(sp.Name); m.Rows != sp.Len() || (m.Rows > 0 && m.Cols != dim) {
			return SpaceFiles{}, fmt.Errorf("the %s space has %d %s rows, the split has %d: compute it again", s.Name, m.Rows, sp.Name, sp.Len())
		}
	}
	items := make([]workspace.Item, all.Len())
	for i := range items {
		items[i] = all.At(i)
	}
	return EncodeItems(ds, items, Rows(s, items), s.Name, format)
}

// EncodeItems writes items with their rows of X (one per item), the one
// writer of every format the app exports coordinates in:
//   - "csv": columns split, index, label (the class name), then one per
//     dimension named <space>_1, <space>_2, … (the space's name in lower
//     case, letters and digits only), values with float32's shortest exact
//     representation;
//   - "tsv": the TensorFlow projector's pair, vectors (tab-separated, no
//     header) and metadata (label, split, index, with a header), which
//     Open data reads back.
func EncodeItems(ds *dataset.Dataset, items []workspace.Item, X blas32.General, space, format string) (SpaceFiles, error) {
	dim := X.Cols
	out := SpaceFiles{Rows: len(items), Dim: dim}
	if X.Rows != len(items) {
		return out, fmt.Errorf("service: %d rows for %d items", X.Rows, len(items))
	}
	meta := make([][]string, len(items))
	for i, it := range items {
		meta[i] = []string{ds.Classes[it.Label()], it.Split.Name, strconv.Itoa(it.Row())}
	}
	switch format {
	case "tsv":
		rows := make([]float32, 0, len(items)*dim)
		for i := range items {
			rows = append(rows, X.Data[i*X.Stride:i*X.Stride+dim]...)
		}
		var vb, mb bytes.Buffer
		if err := dataset.WriteTSVPair(&vb, &mb, rows, dim, []string{"label", "split", "index"}, meta); err != nil {
			return out, err
		}
		out.Vectors, out.Metadata = vb.Bytes(), mb.Bytes()
	case "csv":
		var b bytes.Buffer
		cw := csv.NewWriter(&b)
		head := []string{"split", "index", "label"}
		prefix := columnPrefix(space)
		for j := range dim {
			head = append(head, fmt.Sprintf("%s_%d", prefix, j+1))
		}
		cw.Write(head)
		for i, m := range meta {
			rec := []string{m[1], m[2], m[0]}
			for _, v := range X.Data[i*X.Stride : i*X.Stride+dim] {
				rec = append(rec, strconv.FormatFloat(float64(v), 'g', -1, 32))
			}
			cw.Write(rec)
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return out, err
		}
		out.Vectors = b.Bytes()
	default:
		return out, fmt.Errorf("unknown format %q: use csv or tsv", format)
	}
	return out, nil
}

func columnPrefix(space string) string {
	p := strings.ToLower(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, space))
	if p == "" {
		return "dim"
	}
	return p
}

// ExportRequest asks to write a space to a file.
type ExportRequest struct {
	Space  string `json:"space"`  // space ID: "pixels" or a run ID
	Format string `json:"format"` // "csv" or "tsv"
	Path   string `json:"path"`   // the CSV file, or the vectors file of the TSV pair
}

// ExportResult says what was written.
type ExportResult struct {
	Space    string `json:"space"` // its name
	Rows     int    `json:"rows"`
	Dim      int    `json:"dim"`
	Path     string `json:"path"`
	Metadata string `json:"metadata,omitempty"` // the TSV pair's metadata file
}

// ExportSpace writes the requested space as CSV or as a TSV pair.
func (s *Service) ExportSpace(ctx context.Context, req ExportRequest) (*ExportResult, error) {
	if req.Path == "" {
		return nil, fmt.Errorf("no file given to export to")
	}
	sp, err := s.Space(ctx, req.Space)
	if err != nil {
		return nil, err
	}
	f, err := s.EncodeSpace(sp, req.Format)
	if err != nil {
		return nil, err
	}
	res := &ExportResult{Space: sp.Name, Rows: f.Rows, Dim: f.Dim, Path: req.Path}
	if req.Format == "tsv" {
		res.Metadata = MetadataPath(req.Path)
		return res, WritePair(req.Path, f.Vectors, res.Metadata, f.Metadata)
	}
	return res, atomicfile.Write(req.Path, f.Vectors)
}

// WritePair writes two files that belong together (a projector's vectors
// and metadata) so that a failure leaves both old files or both new (see
// atomicfile.WriteFiles); the metadata names the vectors it goes with
// (dataset.WriteTSVPair), so a pair mixed by a crash between the two
// renames is refused when it is read.
func WritePair(pathA string, a []byte, pathB string, b []byte) error {
	return atomicfile.WriteFiles([]atomicfile.File{{Path: pathA, Data: a}, {Path: pathB, Data: b}})
}
