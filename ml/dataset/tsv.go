package dataset

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// The TensorFlow projector's TSV pair: a vectors file (one row of
// tab-separated numbers per item, no header) and a metadata file (one line
// per item: a single column without header, or several columns under a
// header row, whose label column is chosen as for CSV tables).

// MetadataFileFor returns the metadata file that goes with a vectors file:
// "NAME_metadata.tsv" or "NAME-metadata.tsv" beside "NAME.tsv" (also
// "NAME_vectors.tsv" → "NAME_metadata.tsv"), or "metadata.tsv" in the same
// folder; "" when there is none.
func MetadataFileFor(vectors string) string {
	dir, base := filepath.Split(vectors)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	var cands []string
	for _, s := range []string{stem, strings.TrimSuffix(strings.TrimSuffix(stem, "_vectors"), "-vectors"), strings.TrimSuffix(stem, "vectors")} {
		cands = append(cands, s+"_metadata.tsv", s+"-metadata.tsv", s+"metadata.tsv")
	}
	cands = append(cands, "metadata.tsv")
	for _, c := range cands {
		p := filepath.Join(dir, c)
		if p == vectors {
			continue
		}
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// LoadTSVPair reads a vectors file and its metadata file (see
// MetadataFileFor; an empty metadata path looks for it) as a numeric data
// set whose classes are the distinct labels, sorted.
func LoadTSVPair(ctx context.Context, vectors, metadata string) (*Dataset, error) {
	if metadata == "" {
		metadata = MetadataFileFor(vectors)
		if metadata == "" {
			return nil, fmt.Errorf("%s: no metadata file beside it: the labels go in %s (one per line, or columns under a header)",
				vectors, strings.TrimSuffix(vectors, filepath.Ext(vectors))+"_metadata.tsv")
		}
	}
	vf, err := os.Open(vectors)
	if err != nil {
		return nil, err
	}
	defer vf.Close()
	mf, err := os.Open(metadata)
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	ds, err := ReadTSVPair(ctx, vf, mf, strings.TrimSuffix(filepath.Base(vectors), filepath.Ext(vectors)))
	if err != nil {
		return nil, err
	}
	ds.Source = vectors
	return ds, nil
}

// ReadTSVPair reads vectors and metadata (see the comment above) as a
// numeric data set named name. Errors name the file, the line and what is
// wrong: a ragged or non-numeric vector row, NaN or infinite values, rows
// that disagree in count between the two files, an empty file.
func ReadTSVPair(ctx context.Context, vectors, metadata io.Reader, name string) (*Dataset, error) {
	var values []float32
	dim, n := 0, 0
	sc := bufio.NewScanner(vectors)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	for line := 1; sc.Scan(); line++ {
		if line%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Split(text, "\t")
		if dim == 0 {
			dim = len(fields)
		} else if len(fields) != dim {
			return nil, fmt.Errorf("vectors, line %d: %d values where the first row has %d (every vector must have the same length)", line, len(fields), dim)
		}
		for j, f := range fields {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
			if err != nil {
				return nil, fmt.Errorf("vectors, line %d, value %d: %q is not a number", line, j+1, f)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("vectors, line %d, value %d: %v is not a finite number", line, j+1, f)
			}
			values = append(values, float32(v))
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("vectors: %w", err)
	}
	if n == 0 {
		return nil, fmt.Errorf("vectors: the file holds no rows")
	}
	labels, header, err := readMetadata(metadata)
	if err != nil {
		return nil, err
	}
	if len(labels) != n {
		return nil, fmt.Errorf("the metadata has %d rows for %d vectors: the two files must list the same items in the same order", len(labels), n)
	}
	classes := append([]string(nil), labels...)
	sort.Strings(classes)
	classes = compactStrings(classes)
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	ds := &Dataset{Name: name, Classes: classes, Dim: dim}
	for j := 0; j < dim; j++ {
		ds.FeatureNames = append(ds.FeatureNames, fmt.Sprintf("v%d", j+1))
	}
	ds.Train = Part{N: n, Dim: dim, Values: values, Labels: make([]int, n)}
	for i, l := range labels {
		ds.Train.Labels[i] = index[l]
	}
	if header != "" {
		ds.Warnings = append(ds.Warnings, fmt.Sprintf("labels from the metadata column %q", header))
	}
	return ds, ds.Validate()
}

// readMetadata returns one label per line: the whole line for a
// single-column file without header, else the label column (label, class,
// target, species or y; else the first column) under the header row.
func readMetadata(r io.Reader) (labels []string, column string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var lines []string
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("metadata: %w", err)
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, "", fmt.Errorf("metadata: the file holds no rows")
	}
	if !strings.Contains(lines[0], "\t") {
		return lines, "", nil // one label per line, no header (the projector's single-column form)
	}
	head := strings.Split(lines[0], "\t")
	col := 0
	for j, h := range head {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "label", "class", "target", "species", "y":
			col = j
		}
	}
	for i, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != len(head) {
			return nil, "", fmt.Errorf("metadata, line %d: %d columns under a header of %d", i+2, len(f), len(head))
		}
		labels = append(labels, f[col])
	}
	return labels, head[col], nil
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// WriteTSVPair writes rows (n×d, row-major) as a projector vectors file and
// their metadata (a header and one line per row with the given columns,
// e.g. label and index) as the metadata file.
func WriteTSVPair(vectors, metadata io.Writer, rows []float32, d int, header []string, meta [][]string) error {
	if d <= 0 || len(rows)%d != 0 || len(rows)/d != len(meta) {
		return fmt.Errorf("dataset: %d values of width %d for %d metadata rows", len(rows), d, len(meta))
	}
	bw := bufio.NewWriter(vectors)
	for i := 0; i < len(meta); i++ {
		for j := 0; j < d; j++ {
			if j > 0 {
				bw.WriteByte('\t')
			}
			bw.WriteString(strconv.FormatFloat(float64(rows[i*d+j]), 'g', -1, 32))
		}
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	mw := bufio.NewWriter(metadata)
	mw.WriteString(strings.Join(header, "\t") + "\n")
	for _, m := range meta {
		for k, v := range m {
			m[k] = strings.NewReplacer("\t", " ", "\n", " ").Replace(v)
		}
		mw.WriteString(strings.Join(m, "\t") + "\n")
	}
	return mw.Flush()
}
