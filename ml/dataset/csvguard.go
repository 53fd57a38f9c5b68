package dataset

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// csvGuard passes a CSV stream through to encoding/csv, which reads a whole
// record before it returns any of it, and stops the stream with an error
// as soon as a record has more than MaxColumns cells or MaxLineBytes bytes:
// memory then follows the data, not the longest line. It follows the
// quoting (a delimiter or a line end inside quotes belongs to the cell),
// as encoding/csv does with LazyQuotes off.
type csvGuard struct {
	r          io.Reader
	name       string
	comma      byte
	trimSpace  bool // spaces before an opening quote belong to no cell
	line       int  // line of the byte being read, from 1
	recordLine int  // line where the current record started
	cells      int  // cells of the current record so far
	size       int  // bytes of the current record so far
	state      csvState
	err        error
}

// csvState is where a csvGuard is within a record.
type csvState uint8

const (
	csvCellStart   csvState = iota // at the start of a cell
	csvUnquoted                    // inside a cell without quotes
	csvQuoted                      // inside a quoted cell
	csvQuoteQuoted                 // after a quote inside a quoted cell: its end, or the first of two
)

func newCSVGuard(r io.Reader, name string, comma rune, trimSpace bool) *csvGuard {
	return &csvGuard{r: r, name: name, comma: byte(comma), trimSpace: trimSpace, line: 1, recordLine: 1, cells: 1}
}

func (g *csvGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for i, c := range p[:n] {
		if e := g.step(c); e != nil {
			g.err = e
			return i, e
		}
	}
	return n, err
}

// step takes one byte.
func (g *csvGuard) step(c byte) error {
	g.size++
	if c == '\n' {
		g.line++
	}
	switch g.state {
	case csvCellStart:
		switch {
		case c == '"':
			g.state = csvQuoted
		case c == g.comma:
			g.cells++
		case c == '\n':
			g.endRecord()
		case g.trimSpace && (c == ' ' || c == '\t'):
		default:
			g.state = csvUnquoted
		}
	case csvUnquoted:
		switch c {
		case g.comma:
			g.cells++
			g.state = csvCellStart
		case '\n':
			g.endRecord()
		}
	case csvQuoted:
		if c == '"' {
			g.state = csvQuoteQuoted
		}
	case csvQuoteQuoted:
		switch c {
		case '"':
			g.state = csvQuoted
		case g.comma:
			g.cells++
			g.state = csvCellStart
		case '\n':
			g.endRecord()
		case '\r':
		default:
			g.state = csvUnquoted // encoding/csv reports the stray quote
		}
	}
	switch {
	case g.cells > MaxColumns:
		return fmt.Errorf("line %d: more than %d cells in one row, the limit (dataset.MaxColumns) of columns this program reads: is this a table with one row per item?", g.recordLine, MaxColumns)
	case g.size > MaxLineBytes:
		return fmt.Errorf("line %d: a row longer than %s, the limit (dataset.MaxLineBytes) of one row this program reads (a quote that is never closed makes the rest of the file one cell): check the quoting and the line ends", g.recordLine, humanBytes(MaxLineBytes))
	}
	return nil
}

// endRecord starts the next record.
func (g *csvGuard) endRecord() {
	g.recordLine, g.cells, g.size, g.state = g.line, 1, 0, csvCellStart
}

// prepareCSV skips a UTF-8 byte order mark at the start of br (so that a
// quoted first header cell parses) and refuses a file whose lines end with
// a carriage return alone (classic Mac OS), which encoding/csv would read
// as one line.
func prepareCSV(br *bufio.Reader, name string) error {
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xEF\xBB\xBF")) {
		br.Discard(3)
	}
	head, _ := br.Peek(br.Size())
	if bytes.IndexByte(head, '\n') < 0 {
		if i := bytes.IndexByte(head, '\r'); i >= 0 && i+1 < len(head) {
			return fmt.Errorf("%s: the lines end with a carriage return alone (CR, as classic Mac OS wrote them), not with a line feed (LF or CR LF): convert the line ends, e.g. with tr '\\r' '\\n' < %s > fixed.csv", name, name)
		}
	}
	return nil
}
