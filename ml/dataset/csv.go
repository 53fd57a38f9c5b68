package dataset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// labelColumnNames are the header names, compared without case, that mark
// the label column of a CSV table, in order of preference.
var labelColumnNames = []string{"label", "class", "target", "species", "y"}

// minHeaderlessPixelSide is the smallest image side for which a CSV without
// header whose rows hold a label and side² numbers is read as images.
const minHeaderlessPixelSide = 16

// LoadCSV reads the labelled table in the CSV file at path; see ReadCSV.
// A ClassNamesFile beside it names the classes of an image table (and
// declares labels beyond those the rows declare). Source is set to path.
func LoadCSV(path string) (*Dataset, error) {
	return loadCSV(context.Background(), path, nil)
}

// loadCSV is LoadCSV with cancellation and progress in bytes read.
func loadCSV(ctx context.Context, path string, onProgress func(done, total int)) (*Dataset, error) {
	prog, err := newFileProgress(ctx, []string{path}, onProgress)
	if err != nil {
		return nil, err
	}
	defer prog.close()
	ds, err := readCSV(prog.open(path), path, filepath.Join(filepath.Dir(path), ClassNamesFile))
	if err != nil {
		return nil, err
	}
	ds.Source = path
	return ds, nil
}

// ReadCSV reads a labelled table in CSV form (comma-separated, or
// semicolon- or tab-separated when the first line holds no comma); name,
// usually the file's path, appears in error messages and names the data
// set. Two kinds of table are recognised:
//
//   - Images, as Kaggle ships Fashion-MNIST: a header "label,pixel1,...,pixelD"
//     where D = side² (the label column may be anywhere and the pixels are
//     placed by their number; "RxC" names also work), values whole numbers
//     0..255, labels 0..255. A file without header whose rows hold a label
//     followed by side² numbers (side ≥ 16, e.g. 785 columns for MNIST) is
//     read the same way. The number of classes is the largest label plus
//     one and the class names come from GuessClassNames applied to name
//     (see below for labels beyond the declared classes).
//   - Numeric tables such as iris: one label column, named label, class,
//     target, species or y (without case, in this order of preference), or
//     else the last column when its first value is not a number; every other
//     column is a feature and must hold finite numbers. If the first row holds
//     numbers only (but for a non-numeric last cell) it is data, not a header,
//     and the features are named x1, x2, ... Labels that are the whole numbers
//     0..K-1, each present, are kept as they are; other labels are sorted
//     (numerically when all are numbers, else by their bytes, which for
//     ASCII is alphabetical) and numbered in that order; the class names are
//     the label texts.
//
// Errors name the file, the 1-based line and, for a bad cell, its column.
// Without a class names file (see LoadCSV), an image table's labels must
// lie within the classes they declare: 0 up to the first label no row has,
// and at least 0–9; a label beyond them is an error naming its line. A
// UTF-8 byte order mark is skipped; lines that end with a carriage return
// alone, two columns of one name, and a row of more than MaxColumns cells
// or MaxLineBytes bytes are errors, found before the row is held in memory.
func ReadCSV(r io.Reader, name string) (*Dataset, error) {
	return readCSV(r, name, "")
}

// readCSV is ReadCSV with the path of an optional class names file for
// image tables ("" for none).
func readCSV(r io.Reader, name, classesFile string) (*Dataset, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if err := prepareCSV(br, name); err != nil {
		return nil, err
	}
	comma := sniffDelimiter(br)
	cr := csv.NewReader(newCSVGuard(br, name, comma, comma != '\t'))
	cr.Comma = comma
	cr.TrimLeadingSpace = cr.Comma != '\t' // allow `a, "b"`; with tabs, keep empty cells
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	first, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file: expected a header row such as \"label,pixel1,...,pixel784\" or \"sepal_length,...,species\" and one row per item", name)
	}
	if err != nil {
		return nil, csvReadError(name, err)
	}
	firstLine, _ := cr.FieldPos(0)
	first = slices.Clone(first)
	first[0] = strings.TrimPrefix(first[0], "\uFEFF")
	for i := range first {
		first[i] = strings.TrimSpace(first[i])
	}
	p, err := newCSVParser(cr, name, first, firstLine)
	if err != nil {
		return nil, err
	}
	p.classesFile = classesFile
	if p.pendingFirst {
		if err := p.row(first, firstLine); err != nil {
			return nil, err
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvReadError(name, err)
		}
		line, _ := cr.FieldPos(0)
		if err := p.row(rec, line); err != nil {
			return nil, err
		}
	}
	return p.dataset()
}

// sniffDelimiter returns ',' unless the first line of br holds no comma but
// holds semicolons or tabs.
func sniffDelimiter(br *bufio.Reader) rune {
	head, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	switch {
	case bytes.IndexByte(head, ',') >= 0:
		return ','
	case bytes.IndexByte(head, ';') >= 0:
		return ';'
	case bytes.IndexByte(head, '\t') >= 0:
		return '\t'
	}
	return ','
}

// csvReadError describes an error of the CSV syntax.
func csvReadError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s, line %d: %v: check the quoting of the cells", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// csvParser accumulates the rows of one CSV table.
type csvParser struct {
	name         string
	columns      []string // column names, generated when there is no header
	labelCol     int
	pendingFirst bool // the first record is data, not a header

	// Image tables.
	pixelIndex []int // pixel number of each column; nil for numeric tables
	side       int
	pixels     []uint8
	maxLabel   int
	firstLine  [256]int // the line where each label first appears (0: none)
	// classesFile is the path of a class names file that may name the
	// classes of an image table ("" for none).
	classesFile string

	// Numeric tables.
	values     []float32
	labelIDs   map[string]int // label text → order of first appearance
	labelTexts []string       // label texts in order of first appearance

	labels []int // class per row: the label for images, the label ID for tables
	n      int
}

// newCSVParser chooses the kind of table from its first record, read
// from line firstLine.
func newCSVParser(cr *csv.Reader, name string, first []string, firstLine int) (*csvParser, error) {
	p := &csvParser{name: name, labelCol: -1}
	numeric := 0
	for _, c := range first {
		if _, err := strconv.ParseFloat(c, 64); err == nil {
			numeric++
		}
	}
	headerless := numeric == len(first) || (numeric == len(first)-1 && len(first) > 1 && !isNumber(first[len(first)-1]))
	if headerless {
		p.pendingFirst = true
		p.columns = make([]string, len(first))
		for i := range p.columns {
			p.columns[i] = "x" + strconv.Itoa(i+1)
		}
		side := int(math.Sqrt(float64(len(first) - 1)))
		if numeric == len(first) && side >= minHeaderlessPixelSide && side*side == len(first)-1 {
			p.columns[0] = "label"
			p.labelCol, p.side, p.pixelIndex = 0, side, make([]int, len(first))
			for i := 1; i < len(first); i++ {
				p.columns[i] = "pixel" + strconv.Itoa(i)
				p.pixelIndex[i] = i - 1
			}
			return p, nil
		}
		p.columns[len(first)-1] = "label"
	} else {
		p.columns = first
		seen := make(map[string]int, len(first))
		for i, c := range p.columns {
			if c == "" {
				p.columns[i] = "column " + strconv.Itoa(i+1)
			}
			if j, ok := seen[c]; ok && c != "" {
				return nil, fmt.Errorf("%s, line %d: columns %d and %d are both named %q: give every column its own name (an image table needs label and pixel1 ... pixelD, each once)", name, firstLine, j+1, i+1, c)
			}
			seen[c] = i
		}
		p.labelCol = findLabelColumn(p.columns)
		if p.labelCol >= 0 {
			p.pixelIndex, p.side = pixelColumns(p.columns, p.labelCol)
			if p.pixelIndex != nil {
				return p, nil
			}
		}
	}
	if len(first) < 2 {
		return nil, fmt.Errorf("%s, line %d: only one column: expected feature columns and a label column, separated by commas", name, firstLine)
	}
	p.labelIDs = make(map[string]int)
	if p.labelCol >= 0 {
		return p, nil
	}
	if !headerless {
		// Decide on the last column from the first data row.
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, fmt.Errorf("%s: the file has a header but no data rows: add one row per item below the header", name)
		}
		if err != nil {
			return nil, csvReadError(name, err)
		}
		if len(rec) == len(first) && !isNumber(strings.TrimSpace(rec[len(rec)-1])) {
			p.labelCol = len(first) - 1
		} else if len(rec) == len(first) {
			return nil, fmt.Errorf("%s: no label column: name the column of class labels label, class, target, species or y, or put it last with non-numeric labels", name)
		}
		line, _ := cr.FieldPos(0)
		if err := p.row(rec, line); err != nil {
			return nil, err
		}
		return p, nil
	}
	if numeric == len(first) {
		return nil, fmt.Errorf("%s: no label column: the first row holds numbers only; add a header naming the label column label, class, target, species or y, or put non-numeric labels in the last column", name)
	}
	p.labelCol = len(first) - 1
	return p, nil
}

// isNumber reports whether s parses as a floating-point number.
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// findLabelColumn returns the index of the column named as a label
// column, or -1.
func findLabelColumn(columns []string) int {
	for _, want := range labelColumnNames {
		for i, c := range columns {
			if strings.EqualFold(c, want) {
				return i
			}
		}
	}
	return -1
}

// pixelColumns returns the pixel number of each column and the image side
// when there are side² columns besides labelCol, each named either
// "pixel" followed by a number, the numbers being k..k+side²-1 for some k
// (Kaggle's Fashion-MNIST), or "RxC" with row and column 1..side (a Kaggle
// MNIST); else nil and 0.
func pixelColumns(columns []string, labelCol int) ([]int, int) {
	d := len(columns) - 1
	side := int(math.Sqrt(float64(d)))
	if d == 0 || side*side != d {
		return nil, 0
	}
	index := make([]int, len(columns))
	lowest := math.MaxInt
	for i, c := range columns {
		if i == labelCol {
			continue
		}
		k, ok := pixelNumber(strings.ToLower(c), side)
		if !ok {
			return nil, 0
		}
		index[i] = k
		lowest = min(lowest, k)
	}
	seen := make([]bool, d)
	for i := range index {
		if i == labelCol {
			continue
		}
		index[i] -= lowest
		if index[i] >= d || seen[index[i]] {
			return nil, 0
		}
		seen[index[i]] = true
	}
	return index, side
}

// pixelNumber parses a pixel column name, "pixelK" or "RxC" (whose
// number is ·side + C-1).
func pixelNumber(name string, side int) (int, bool) {
	if digits, ok := strings.CutPrefix(name, "pixel"); ok {
		k, err := strconv.Atoi(digits)
		return k, err == nil && k >= 0 && digits[0] != '+'
	}
	rs, cs, ok := strings.Cut(name, "x")
	r, err1 := strconv.Atoi(rs)
	c, err2 := strconv.Atoi(cs)
	if !ok || err1 != nil || err2 != nil || r < 1 || c < 1 || r > side || c > side {
		return 0, false
	}
	return (r-1)*side + c - 1, true
}

// row adds one record read from the given line.
func (p *csvParser) row(rec []string, line int) error {
	if len(rec) != len(p.columns) {
		return fmt.Errorf("%s, line %d: %d cells but the %s has %d columns: every row needs one cell per column",
			p.name, line, len(rec), p.firstRowName(), len(p.columns))
	}
	if p.pixelIndex != nil {
		return p.pixelRow(rec, line)
	}
	return p.numericRow(rec, line)
}

// firstRowName names what the column count comes from in messages.
func (p *csvParser) firstRowName() string {
	if p.pendingFirst {
		return "first row"
	}
	return "header"
}

// pixelRow adds one row of an image table.
func (p *csvParser) pixelRow(rec []string, line int) error {
	d := p.side * p.side
	if err := p.checkSize(line, d, 1); err != nil {
		return err
	}
	start := len(p.pixels)
	p.pixels = slices.Grow(p.pixels, d)[:start+d]
	row := p.pixels[start:]
	for i, cell := range rec {
		v, ok := parseByte(cell)
		if !ok {
			what := "pixel value"
			if i == p.labelCol {
				what = "label"
			}
			return fmt.Errorf("%s, line %d: %s %q in column %q is not a whole number 0..255", p.name, line, what, strings.TrimSpace(cell), p.columns[i])
		}
		if i == p.labelCol {
			p.labels = append(p.labels, int(v))
			p.maxLabel = max(p.maxLabel, int(v))
			if p.firstLine[v] == 0 {
				p.firstLine[v] = line
			}
		} else {
			row[p.pixelIndex[i]] = v
		}
	}
	p.n++
	return nil
}

// parseByte parses a whole number 0..255, also written as a float such as
// "12.0".
func parseByte(s string) (uint8, bool) {
	if len(s) >= 1 && len(s) <= 3 {
		v := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				goto slow
			}
			v = 10*v + int(c-'0')
		}
		if v <= 255 {
			return uint8(v), true
		}
		return 0, false
	}
slow:
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || f > 255 || f != math.Trunc(f) {
		return 0, false
	}
	return uint8(f), true
}

// checkSize returns an error when one more row of d values of width bytes
// each would pass MaxItems or MaxDataBytes.
func (p *csvParser) checkSize(line, d, width int) error {
	if p.n >= MaxItems {
		return fmt.Errorf("%s, line %d: more than %d rows, the limit (dataset.MaxItems) this program reads", p.name, line, MaxItems)
	}
	if size := int64(p.n+1) * int64(d) * int64(width); size > MaxDataBytes {
		return fmt.Errorf("%s, line %d: the rows so far hold more than %s of data, the limit (dataset.MaxDataBytes) this program reads", p.name, line, humanBytes(MaxDataBytes))
	}
	return nil
}

// numericRow adds one row of a numeric table.
func (p *csvParser) numericRow(rec []string, line int) error {
	if err := p.checkSize(line, len(p.columns)-1, 4); err != nil {
		return err
	}
	for i, cell := range rec {
		cell = strings.TrimSpace(cell)
		if i == p.labelCol {
			if cell == "" {
				return fmt.Errorf("%s, line %d: empty label in column %q: give every row a label", p.name, line, p.columns[i])
			}
			id, ok := p.labelIDs[cell]
			if !ok {
				if len(p.labelTexts) == maxCSVClasses {
					return fmt.Errorf("%s, line %d: column %q holds more than %d different labels: it looks like measurements, not classes; name the class column label, class, target, species or y",
						p.name, line, p.columns[i], maxCSVClasses)
				}
				id = len(p.labelTexts)
				p.labelIDs[cell] = id
				p.labelTexts = append(p.labelTexts, cell)
			}
			p.labels = append(p.labels, id)
			continue
		}
		v, err := parseFeature(cell)
		if err != nil {
			return fmt.Errorf("%s, line %d, column %q: %v", p.name, line, p.columns[i], err)
		}
		p.values = append(p.values, v)
	}
	p.n++
	return nil
}

// parseFeature parses a finite number that fits a float32.
func parseFeature(cell string) (float32, error) {
	if cell == "" {
		return 0, errors.New("empty cell (a missing value; fill it in or remove the row)")
	}
	v, err := strconv.ParseFloat(cell, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("cell %q is not a number", cell)
	}
	if math.IsInf(v, 0) && errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("cell %q is too large for a 32-bit float", cell)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("cell %q is not a finite number (NaN and infinities are not allowed)", cell)
	}
	if math.Abs(v) > math.MaxFloat32 {
		return 0, fmt.Errorf("cell %q is too large for a 32-bit float", cell)
	}
	return float32(v), nil
}

// dataset returns the table read as a Dataset.
func (p *csvParser) dataset() (*Dataset, error) {
	if p.n == 0 {
		return nil, fmt.Errorf("%s: the file has a header but no data rows: add one row per item below the header", p.name)
	}
	base := strings.TrimSuffix(filepath.Base(p.name), filepath.Ext(p.name))
	ds := &Dataset{Name: base}
	if p.pixelIndex != nil {
		if err := p.imageClasses(ds); err != nil {
			return nil, err
		}
		ds.Width, ds.Height, ds.Dim = p.side, p.side, p.side*p.side
		ds.Train = Part{N: p.n, Dim: ds.Dim, Pixels: p.pixels, Labels: p.labels}
	} else {
		ds.Dim = len(p.columns) - 1
		ds.FeatureNames = slices.Delete(slices.Clone(p.columns), p.labelCol, p.labelCol+1)
		var classOf []int
		ds.Classes, classOf = orderLabels(p.labelTexts)
		for i, id := range p.labels {
			p.labels[i] = classOf[id]
		}
		ds.Train = Part{N: p.n, Dim: ds.Dim, Values: p.values, Labels: p.labels}
	}
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", p.name, err)
	}
	return ds, nil
}

// imageClasses sets the class names (and maybe the name) of an image
// table: those of the class names file when there is one, else those of
// GuessClassNames once no label lies beyond the declared classes.
func (p *csvParser) imageClasses(ds *Dataset) error {
	if p.classesFile != "" {
		names, err := readClassNamesFile(p.classesFile, p.maxLabel)
		if err != nil {
			return err
		}
		if names != nil {
			ds.Classes = names
			return nil
		}
	}
	counts := make([]int, p.maxLabel+1)
	for _, l := range p.labels {
		counts[l]++
	}
	if k := declaredClasses(counts); p.maxLabel >= k {
		stray := k
		for v := k; v <= p.maxLabel; v++ {
			if p.firstLine[v] > 0 && (p.firstLine[stray] == 0 || p.firstLine[v] < p.firstLine[stray]) {
				stray = v
			}
		}
		return strayLabelError(fmt.Sprintf("%s, line %d: label %d", p.name, p.firstLine[stray], stray), k)
	}
	var name string
	name, ds.Classes = GuessClassNames(p.name, p.maxLabel)
	if name != "" {
		ds.Name = name
	}
	return nil
}
