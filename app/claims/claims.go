// Package claims reads docs/claims.md, the table of every number that
// EmbedScope's documents state about what it measures, each with the
// `embedscope` command that measures it again, the JSON field of that
// command's output that holds it, the expected value and its tolerance.
// `embedscope verify` runs the commands and checks the fields (app/cli);
// Check and Coverage keep the documents and the table from drifting apart.
package claims

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Set names which runs of verify include a claim.
type Set string

const (
	// Quick claims run in CI (`embedscope verify --quick`): about ten
	// minutes on two cores, embedded data and quick full-data commands.
	Quick Set = "quick"
	// All claims run only with `embedscope verify --all` (trainings,
	// t-SNE of 70,000 items, benchmarks beside scikit-learn).
	All Set = "all"
)

// Op is how a measured value is compared with the expected one.
type Op string

const (
	Equal   Op = "=" // within the tolerance
	AtLeast Op = "≥" // at least the expected value (less the tolerance)
	AtMost  Op = "≤" // at most the expected value (plus the tolerance)
	Below   Op = "<" // strictly below the expected value
	Above   Op = ">" // strictly above the expected value
	Range   Op = "–" // within [Value, High], written "0.978–0.982" (widened by the tolerance)
	NoOp    Op = ""  // not a comparison (used only while parsing)
)

// Claim is one row of the claims table.
type Claim struct {
	ID   string
	Set  Set
	Time string // rough duration of the command on a quiet 2-core machine, as written
	Text string // what is claimed, in words
	// Doc is the document that states the number ("README.md",
	// "docs/…"), Snippet the text copied from it verbatim that holds the
	// number as written there (Literal).
	Doc, Snippet string
	// Command is the `embedscope …` invocation, as written (with $FULL
	// and {id} references; see Expand).
	Command string
	Field   Field
	Op      Op
	// Literal is the expected value as the document writes it
	// ("1,906,653", or a range "0.549–0.590"); Value is its number (a
	// range's lower end, High its upper end).
	Literal string
	Value   float64
	High    float64
	// AbsTol and RelTol are the tolerance: |measured − Value| ≤ AbsTol +
	// RelTol·|Value| (for ≥ and ≤, the slack on the bound).
	AbsTol, RelTol float64
	Tol            string // the tolerance as written
	Line           int    // line in the claims file
}

// Exempt is a row of the second table: text of a document whose numbers
// are not claims re-measured by verify, and why.
type Exempt struct {
	Doc, Snippet, Why string
	Line              int
}

// File is a parsed claims file.
type File struct {
	Claims []Claim
	Exempt []Exempt
}

// ByID returns the claim named id, or nil.
func (f *File) ByID(id string) *Claim {
	for i := range f.Claims {
		if f.Claims[i].ID == id {
			return &f.Claims[i]
		}
	}
	return nil
}

// claimColumns and exemptColumns are the header rows the tables must have.
var (
	claimColumns  = []string{"id", "set", "time", "claim", "doc", "command", "field", "expected", "tol"}
	exemptColumns = []string{"doc", "not a claim", "why"}
)

// Parse reads a claims file: Markdown with two pipe tables, recognised by
// their header rows (claimColumns, exemptColumns); everything else is
// prose. An error names the line and what is wrong with it.
func Parse(r io.Reader) (*File, error) {
	f := &File{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var table []string // header of the table being read, nil outside tables
	ids := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			table = nil
			continue
		}
		cells := splitRow(line)
		switch {
		case table == nil:
			switch {
			case equalFold(cells, claimColumns), equalFold(cells, exemptColumns):
				table = cells
			default:
				return nil, fmt.Errorf("line %d: a table whose header is neither %q nor %q", n,
					strings.Join(claimColumns, " | "), strings.Join(exemptColumns, " | "))
			}
			continue
		case isRule(cells):
			continue
		}
		if len(cells) != len(table) {
			return nil, fmt.Errorf("line %d: %d cells, the table has %d columns (a | inside a cell is written \\|)", n, len(cells), len(table))
		}
		if len(table) == len(exemptColumns) {
			doc, snip, err := parseDoc(cells[0] + ": " + cells[1])
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
			f.Exempt = append(f.Exempt, Exempt{Doc: doc, Snippet: snip, Why: cells[2], Line: n})
			continue
		}
		c, err := parseClaim(cells)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		c.Line = n
		if prev, dup := ids[c.ID]; dup {
			return nil, fmt.Errorf("line %d: id %q is used on line %d too", n, c.ID, prev)
		}
		ids[c.ID] = n
		f.Claims = append(f.Claims, c)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(f.Claims) == 0 {
		return nil, fmt.Errorf("no claims table (a table with the header | %s |)", strings.Join(claimColumns, " | "))
	}
	for _, c := range f.Claims {
		for _, ref := range References(c.Command) {
			if _, ok := ids[ref]; !ok {
				return nil, fmt.Errorf("line %d: the command of %s refers to {%s}, which is no claim's id", c.Line, c.ID, ref)
			}
		}
	}
	return f, nil
}

func parseClaim(cells []string) (Claim, error) {
	c := Claim{ID: cells[0], Set: Set(cells[1]), Time: cells[2], Text: cells[3], Command: cells[5], Tol: cells[8]}
	if c.ID == "" || strings.ContainsAny(c.ID, " ,{}") {
		return c, fmt.Errorf("id %q: an id is one word without commas or braces", c.ID)
	}
	if c.Set != Quick && c.Set != All {
		return c, fmt.Errorf("%s: set %q: use quick or all", c.ID, c.Set)
	}
	var err error
	if c.Doc, c.Snippet, err = parseDoc(cells[4]); err != nil {
		return c, fmt.Errorf("%s: %v", c.ID, err)
	}
	if !strings.HasPrefix(c.Command, "embedscope ") {
		return c, fmt.Errorf("%s: the command %q does not start with `embedscope `", c.ID, c.Command)
	}
	if _, err := SplitCommand(c.Command); err != nil {
		return c, fmt.Errorf("%s: %v", c.ID, err)
	}
	if c.Field, err = ParseField(cells[6]); err != nil {
		return c, fmt.Errorf("%s: field: %v", c.ID, err)
	}
	if c.Op, c.Literal, c.Value, c.High, err = parseExpected(cells[7]); err != nil {
		return c, fmt.Errorf("%s: expected: %v", c.ID, err)
	}
	if c.AbsTol, c.RelTol, err = parseTol(c.Tol); err != nil {
		return c, fmt.Errorf("%s: tol: %v", c.ID, err)
	}
	if !strings.Contains(c.Snippet, c.Literal) {
		return c, fmt.Errorf("%s: the snippet %q does not hold the expected value as written, %q", c.ID, c.Snippet, c.Literal)
	}
	return c, nil
}

// parseDoc reads `README.md: "snippet"`.
func parseDoc(s string) (doc, snippet string, err error) {
	doc, rest, ok := strings.Cut(s, ":")
	rest = strings.TrimSpace(rest)
	if !ok || doc == "" || len(rest) < 3 || rest[0] != '"' || rest[len(rest)-1] != '"' {
		return "", "", fmt.Errorf("doc %q: write it as FILE: \"text copied from FILE\"", s)
	}
	return strings.TrimSpace(doc), rest[1 : len(rest)-1], nil
}

// parseExpected reads "0.8261", "≥ 0.92", "< 1,926,914", "none" (0) or a
// range "0.549–0.590" (an en dash; the lower end first), and returns the
// comparison, the literal, its value (a range's lower end) and a range's
// upper end.
func parseExpected(s string) (Op, string, float64, float64, error) {
	if lo, hi, ok := strings.Cut(s, string(Range)); ok {
		a, err := ParseNumber(strings.TrimSpace(lo))
		if err != nil {
			return NoOp, "", 0, 0, err
		}
		b, err := ParseNumber(strings.TrimSpace(hi))
		if err != nil {
			return NoOp, "", 0, 0, err
		}
		if !(a <= b) {
			return NoOp, "", 0, 0, fmt.Errorf("range %q: write the lower end first", s)
		}
		return Range, s, a, b, nil
	}
	op := Equal
	for _, o := range []Op{AtLeast, AtMost, Below, Above, Equal} {
		if rest, ok := strings.CutPrefix(s, string(o)); ok {
			op, s = o, strings.TrimSpace(rest)
			break
		}
	}
	if s == "none" { // "none in Fashion-MNIST": a count of 0
		return op, s, 0, 0, nil
	}
	v, err := ParseNumber(s)
	if err != nil {
		return NoOp, "", 0, 0, err
	}
	return op, s, v, 0, nil
}

// ParseNumber reads a number as documents write it: "0.8261",
// "1,906,653", "-0.156".
func ParseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// parseTol reads "±0.0005", "±2%" or "—" (none: exact).
func parseTol(s string) (abs, rel float64, err error) {
	if s == "—" || s == "-" || s == "" {
		return 0, 0, nil
	}
	body, ok := strings.CutPrefix(s, "±")
	if !ok {
		return 0, 0, fmt.Errorf("%q: write ±0.001, ±2%% or —", s)
	}
	if p, isRel := strings.CutSuffix(body, "%"); isRel {
		v, err := ParseNumber(strings.TrimSpace(p))
		if err != nil || v < 0 {
			return 0, 0, fmt.Errorf("%q is not a tolerance", s)
		}
		return 0, v / 100, nil
	}
	v, err := ParseNumber(strings.TrimSpace(body))
	if err != nil || v < 0 {
		return 0, 0, fmt.Errorf("%q is not a tolerance", s)
	}
	return v, 0, nil
}

// Holds reports whether measured satisfies c.
func (c *Claim) Holds(measured float64) bool {
	if math.IsNaN(measured) {
		return false
	}
	slack := c.AbsTol + c.RelTol*math.Abs(c.Value)
	switch c.Op {
	case AtLeast:
		return measured >= c.Value-slack
	case AtMost:
		return measured <= c.Value+slack
	case Below:
		return measured < c.Value
	case Above:
		return measured > c.Value
	case Range:
		return measured >= c.Value-slack && measured <= c.High+slack
	}
	return math.Abs(measured-c.Value) <= slack*(1+1e-12)
}

// Expected describes the expected value and tolerance: "0.8261 ±0.00005".
func (c *Claim) Expected() string {
	s := c.Literal
	if c.Op != Equal && c.Op != Range {
		s = string(c.Op) + " " + s
	}
	if c.Tol != "—" && c.Tol != "" {
		s += " " + c.Tol
	}
	return s
}

// splitRow splits "| a | b \| c |" into its trimmed cells.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	var cells []string
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			b.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(b.String()))
			b.Reset()
		default:
			b.WriteByte(line[i])
		}
	}
	cells = append(cells, strings.TrimSpace(b.String()))
	for i, c := range cells {
		// `code` spans are for reading; the value is what is inside.
		if len(c) >= 2 && c[0] == '`' && c[len(c)-1] == '`' && !strings.Contains(c[1:len(c)-1], "`") {
			cells[i] = c[1 : len(c)-1]
		}
	}
	return cells
}

func isRule(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, "-: ") != "" {
			return false
		}
	}
	return true
}

func equalFold(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}
