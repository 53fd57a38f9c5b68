package workspace

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

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

// Write writes f to path (and a TSV pair's metadata to MetadataPath(path))
// atomically: both files of a pair are replaced together or neither is
// (see atomicfile.WriteFiles), and the metadata names the vectors it goes
// with (see dataset.WriteTSVPair), so a mismatched pair is refused when it
// is read.
func (f SpaceFiles) Write(path string) error {
	files := []atomicfile.File{{Path: path, Data: f.Vectors}}
	if f.Metadata != nil {
		files = append(files, atomicfile.File{Path: MetadataPath(path), Data: f.Metadata})
	}
	if err := atomicfile.WriteFiles(files); err != nil {
		return fmt.Errorf("cannot write %s: %w (choose a folder you can write to)", path, err)
	}
	return nil
}

// EncodeSpace writes every item of space s (in NewItems order: train,
// validation, test) with its split, original index and class, as CSV
// (columns split, index, label, then one per dimension) or as a TSV pair
// (format "tsv"), which the projector and Open data read back.
func (w *Workspace) EncodeSpace(s *Space, format string) (SpaceFiles, error) {
	ds := w.Data()
	if ds == nil {
		return SpaceFiles{}, fmt.Errorf("no data set is open")
	}
	items := NewItems(w.Splits())
	dim := s.Dim()
	for _, sp := range items.Splits {
		if m := s.Split(sp.Name); m.Rows != sp.Len() || (m.Rows > 0 && m.Cols != dim) {
			return SpaceFiles{}, fmt.Errorf("the %s space has %d %s rows, the split has %d: compute it again", s.Name, m.Rows, sp.Name, sp.Len())
		}
	}
	rows := make([]float32, 0, items.Len()*dim)
	meta := make([][]string, 0, items.Len())
	for i := 0; i < items.Len(); i++ {
		it := items.At(i)
		rows = append(rows, items.Row(s, i)...)
		meta = append(meta, []string{ds.Classes[it.Label()], it.Split.Name, strconv.Itoa(it.Row())})
	}
	out := SpaceFiles{Rows: len(meta), Dim: dim}
	switch format {
	case "tsv":
		var vb, mb bytes.Buffer
		if err := dataset.WriteTSVPair(&vb, &mb, rows, dim, []string{"label", "split", "index"}, meta); err != nil {
			return SpaceFiles{}, err
		}
		out.Vectors, out.Metadata = vb.Bytes(), mb.Bytes()
	case "csv":
		var b bytes.Buffer
		cw := csv.NewWriter(&b)
		head := []string{"split", "index", "label"}
		prefix := strings.ToLower(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s.Name))
		for j := range dim {
			head = append(head, fmt.Sprintf("%s_%d", prefix, j+1))
		}
		cw.Write(head)
		for i, m := range meta {
			rec := []string{m[1], m[2], m[0]}
			for _, v := range rows[i*dim : (i+1)*dim] {
				rec = append(rec, strconv.FormatFloat(float64(v), 'g', -1, 32))
			}
			cw.Write(rec)
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return SpaceFiles{}, err
		}
		out.Vectors = b.Bytes()
	default:
		return SpaceFiles{}, fmt.Errorf("unknown format %q: use csv or tsv", format)
	}
	return out, nil
}
