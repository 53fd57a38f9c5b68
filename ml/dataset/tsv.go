package dataset

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
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
	vf, _, err := openRegular(vectors)
	if err != nil {
		return nil, err
	}
	defer vf.Close()
	mf, _, err := openRegular(metadata)
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	ds, err := readTSVPair(ctx, vf, mf, strings.TrimSuffix(filepath.Base(vectors), filepath.Ext(vectors)), vectors, metadata)
	if err != nil {
		return nil, err
	}
	ds.Source = vectors
	return ds, nil
}

// ReadTSVPair reads vectors and metadata (see the comment above) as a
// numeric data set named name. Errors name the file, the line and what is
// wrong: a ragged or non-numeric vector row, NaN or infinite values, rows
// that disagree in count between the two files, an empty file, a row of
// more than MaxColumns values or MaxLineBytes bytes, more than MaxItems
// rows or MaxDataBytes of values. When the metadata has a column named
// pair (WriteTSVPair writes one), each of its cells must hold the token of
// the vectors read (the first 16 hex digits of their SHA-256): a metadata
// file beside vectors it was not written with is refused.
func ReadTSVPair(ctx context.Context, vectors, metadata io.Reader, name string) (*Dataset, error) {
	return readTSVPair(ctx, vectors, metadata, name, "vectors", "metadata")
}

// readTSVPair is ReadTSVPair with the names of the two files for messages.
func readTSVPair(ctx context.Context, vectors, metadata io.Reader, name, vname, mname string) (*Dataset, error) {
	hash := sha256.New()
	values, n, dim, err := readVectors(ctx, io.TeeReader(vectors, hash), vname)
	if err != nil {
		return nil, err
	}
	labels, header, tokens, err := readMetadata(metadata, mname, n)
	if err != nil {
		return nil, err
	}
	if len(labels) != n {
		return nil, fmt.Errorf("%s has %d rows for the %d vectors of %s: the two files must list the same items in the same order", mname, len(labels), n, vname)
	}
	if tokens != nil {
		want := pairToken(hash)
		for i, tok := range tokens {
			if tok != want {
				return nil, fmt.Errorf("%s, row %d: its pair column holds %q, but %s has the token %q: the two files were not written together (one was replaced or edited since), so the labels would not match the vectors; export the pair again (or delete the pair column to accept them as they are)",
					mname, i+1, tok, vname, want)
			}
		}
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

// readVectors reads a projector vectors file, named name in messages.
func readVectors(ctx context.Context, r io.Reader, name string) (values []float32, n, dim int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLineBytes)
	line := 0
	for sc.Scan() {
		line++
		if line%4096 == 0 && ctx.Err() != nil {
			return nil, 0, 0, ctx.Err()
		}
		text := bytes.TrimRight(sc.Bytes(), "\r")
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		if cells := bytes.Count(text, []byte{'\t'}) + 1; cells > MaxColumns {
			return nil, 0, 0, fmt.Errorf("%s, line %d: %d values, more than the limit of %d (dataset.MaxColumns) this program reads", name, line, cells, MaxColumns)
		}
		fields := strings.Split(string(text), "\t")
		if dim == 0 {
			dim = len(fields)
		} else if len(fields) != dim {
			return nil, 0, 0, fmt.Errorf("%s, line %d: %d values where the first row has %d (every vector must have the same length)", name, line, len(fields), dim)
		}
		if n >= MaxItems || 4*int64(len(values)+dim) > MaxDataBytes {
			return nil, 0, 0, fmt.Errorf("%s, line %d: more than %d rows or %s of values, the limits (dataset.MaxItems, dataset.MaxDataBytes) this program reads", name, line, MaxItems, humanBytes(MaxDataBytes))
		}
		for j, f := range fields {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
			if err != nil {
				return nil, 0, 0, fmt.Errorf("%s, line %d, value %d: %q is not a number", name, line, j+1, f)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, 0, fmt.Errorf("%s, line %d, value %d: %v is not a finite number", name, line, j+1, f)
			}
			values = append(values, float32(v))
		}
		n++
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, 0, 0, fmt.Errorf("%s, line %d: longer than %s, the limit (dataset.MaxLineBytes) of one row this program reads", name, line+1, humanBytes(MaxLineBytes))
		}
		return nil, 0, 0, fmt.Errorf("%s: %w", name, err)
	}
	if n == 0 {
		return nil, 0, 0, fmt.Errorf("%s: the file holds no rows", name)
	}
	return values, n, dim, nil
}

// pairColumn is the metadata column that ties a metadata file to its
// vectors file (see WriteTSVPair).
const pairColumn = "pair"

// pairToken returns the token of the vectors hashed by h: the first 16 hex
// digits of their SHA-256.
func pairToken(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)[:8]) }

// readMetadata returns one label per line: the whole line for a
// single-column file without header, else the label column (label, class,
// target, species or y; else the first column) under the header row, and
// the cells of the pair column (nil without one). name names the file in
// messages; n is the number of vectors: lines after the first n+1 are not
// kept, only counted when they are not blank.
func readMetadata(r io.Reader, name string, n int) (labels []string, column string, tokens []string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLineBytes)
	var lines []string
	more := 0 // non-blank lines after the first n+1
	for sc.Scan() {
		if len(lines) <= n {
			lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
		} else if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			more++
		}
	}
	if more > 0 {
		return nil, "", nil, fmt.Errorf("%s has at least %d rows for the %d vectors: the two files must list the same items in the same order", name, n+more, n)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, "", nil, fmt.Errorf("%s, line %d: longer than %s, the limit (dataset.MaxLineBytes) of one row this program reads", name, len(lines)+1, humanBytes(MaxLineBytes))
		}
		return nil, "", nil, fmt.Errorf("%s: %w", name, err)
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, "", nil, fmt.Errorf("%s: the file holds no rows", name)
	}
	if !strings.Contains(lines[0], "\t") {
		return lines, "", nil, nil // one label per line, no header (the projector's single-column form)
	}
	head := strings.Split(lines[0], "\t")
	col, pair := 0, -1
	for j, h := range head {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "label", "class", "target", "species", "y":
			col = j
		case pairColumn:
			pair = j
		}
	}
	for i, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != len(head) {
			return nil, "", nil, fmt.Errorf("%s, line %d: %d columns under a header of %d", name, i+2, len(f), len(head))
		}
		labels = append(labels, f[col])
		if pair >= 0 {
			tokens = append(tokens, f[pair])
		}
	}
	return labels, head[col], tokens, nil
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
// e.g. label and index) as the metadata file. The metadata gets a last
// column, pair, holding in every row the token of the vectors written (the
// first 16 hex digits of their SHA-256), by which ReadTSVPair refuses a
// metadata file beside vectors it was not written with.
func WriteTSVPair(vectors, metadata io.Writer, rows []float32, d int, header []string, meta [][]string) error {
	if d <= 0 || len(rows)%d != 0 || len(rows)/d != len(meta) {
		return fmt.Errorf("dataset: %d values of width %d for %d metadata rows", len(rows), d, len(meta))
	}
	hash := sha256.New()
	bw := bufio.NewWriter(io.MultiWriter(vectors, hash))
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
	token := pairToken(hash)
	mw := bufio.NewWriter(metadata)
	mw.WriteString(strings.Join(append(slices.Clone(header), pairColumn), "\t") + "\n")
	for _, m := range meta {
		for k, v := range m {
			m[k] = strings.NewReplacer("\t", " ", "\n", " ").Replace(v)
		}
		mw.WriteString(strings.Join(m, "\t") + "\t" + token + "\n")
	}
	return mw.Flush()
}
