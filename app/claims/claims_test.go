package claims

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readClaims parses the project's docs/claims.md.
func readClaims(t *testing.T) *File {
	t.Helper()
	b, err := os.ReadFile("../../docs/claims.md")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestDocumentsAgreeWithClaims is the guard against drift: every claim's
// text (with its expected value as written) is in its document, and every
// measurement in the README's "Measured here" section is a claim's value or
// explained in the table of numbers that are not claims.
func TestDocumentsAgreeWithClaims(t *testing.T) {
	f := readClaims(t)
	docs := map[string]string{}
	paths, _ := filepath.Glob("../../docs/*.md")
	paths = append(paths, "../../README.md")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(p)
		if name != "README.md" {
			name = "docs/" + name
		}
		docs[name] = string(b)
	}
	for _, err := range f.CheckDocs(docs) {
		t.Error(err)
	}
	section := Section(docs["README.md"], "## Measured here")
	if section == "" {
		t.Fatal(`README.md has no "## Measured here" section`)
	}
	for _, n := range f.Uncovered("README.md", section) {
		t.Errorf("README.md states %s, which no claim in docs/claims.md measures: add a row (or explain it in the second table)", n)
	}
	quick := 0
	for _, c := range f.Claims {
		if c.Set == Quick {
			quick++
		}
	}
	if quick == 0 || quick == len(f.Claims) {
		t.Errorf("%d quick claims of %d", quick, len(f.Claims))
	}
}

func TestDriftIsCaught(t *testing.T) {
	f := readClaims(t)
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{"README.md": string(readme)}
	for _, e := range f.CheckDocs(docs) {
		if !strings.Contains(e.Error(), "docs/") {
			t.Fatalf("the README disagrees already: %v", e)
		}
	}
	// A number changed in the README: the claim no longer finds its text,
	// and the new number is covered by no claim.
	changed := strings.Replace(string(readme), "k=5 (0.8554)", "k=5 (0.8564)", 1)
	docs["README.md"] = changed
	if errs := f.CheckDocs(docs); !containsErr(errs, "knn.k5") {
		t.Errorf("a changed README number was not caught: %v", errs)
	}
	if un := f.Uncovered("README.md", Section(changed, "## Measured here")); len(un) != 1 || !strings.HasPrefix(un[0], "0.8564") {
		t.Errorf("uncovered %v, want the changed number", un)
	}
	// A claim's expected value changed: its snippet no longer holds it.
	b, _ := os.ReadFile("../../docs/claims.md")
	bad := strings.Replace(string(b), "| accuracy | 0.8554 | ±0.00005 |", "| accuracy | 0.8555 | ±0.00005 |", 1)
	if _, err := Parse(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "knn.k5") {
		t.Errorf("an expected value that its snippet does not hold was accepted: %v", err)
	}
}

func containsErr(errs []error, s string) bool {
	for _, e := range errs {
		if strings.Contains(e.Error(), s) {
			return true
		}
	}
	return false
}

const sample = `# x

| id | set | time | claim | doc | command | field | expected | tol |
|---|---|---|---|---|---|---|---|---|
| a.one | quick | 1 s | first | README.md: "acc 0.8554 here" | ` + "`embedscope knn --data $FULL --k 5`" + ` | accuracy | 0.8554 | ±0.00005 |
| b | all | 1 min | second | README.md: "at most 1,906,653 \| x" | embedscope kmeans --space {a.one} | job=k/inertia | ≤ 1,906,653 | ±1% |

| doc | not a claim | why |
|---|---|---|
| README.md | "1.30 s" | a time |
`

func TestParse(t *testing.T) {
	f, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Claims) != 2 || len(f.Exempt) != 1 {
		t.Fatalf("%d claims, %d exempt", len(f.Claims), len(f.Exempt))
	}
	a, b := f.Claims[0], f.Claims[1]
	if a.ID != "a.one" || a.Set != Quick || a.Command != "embedscope knn --data $FULL --k 5" || a.Value != 0.8554 || a.AbsTol != 0.00005 || a.Op != Equal || a.Line != 5 {
		t.Errorf("a = %+v", a)
	}
	if b.Snippet != "at most 1,906,653 | x" || b.Op != AtMost || b.Value != 1906653 || b.RelTol != 0.01 || b.Literal != "1,906,653" {
		t.Errorf("b = %+v", b)
	}
	if got := References(b.Command); len(got) != 1 || got[0] != "a.one" {
		t.Errorf("references %v", got)
	}
	if e := f.Exempt[0]; e.Doc != "README.md" || e.Snippet != "1.30 s" || e.Why != "a time" {
		t.Errorf("exempt %+v", e)
	}
	if f.ByID("b") != &f.Claims[1] || f.ByID("zz") != nil {
		t.Error("ByID")
	}
}

func TestParseErrors(t *testing.T) {
	row := func(cells string) string {
		return "| id | set | time | claim | doc | command | field | expected | tol |\n|---|---|---|---|---|---|---|---|---|\n" + cells + "\n"
	}
	good := `| a | quick | 1 s | c | README.md: "x 0.5" | embedscope info | train | 0.5 | — |`
	for name, c := range map[string]struct{ text, want string }{
		"set":       {row(strings.Replace(good, "quick", "often", 1)), "use quick or all"},
		"doc":       {row(strings.Replace(good, `README.md: "x 0.5"`, `README.md x`, 1)), `FILE: "text`},
		"command":   {row(strings.Replace(good, "embedscope info", "ls -l", 1)), "does not start with `embedscope `"},
		"field":     {row(strings.Replace(good, "| train |", "| a[ |", 1)), "unclosed"},
		"expected":  {row(strings.Replace(good, "| 0.5 |", "| lots |", 1)), "not a number"},
		"tol":       {row(strings.Replace(good, "| — |", "| 5 |", 1)), "write ±"},
		"literal":   {row(strings.Replace(good, "| 0.5 |", "| 0.6 |", 1)), "does not hold the expected value"},
		"cells":     {row("| a | quick |"), "2 cells"},
		"duplicate": {row(good + "\n" + good), `id "a" is used`},
		"reference": {row(strings.Replace(good, "embedscope info", "embedscope knn --space {nope}", 1)), "{nope}"},
		"header":    {"| a | b |\n|---|---|\n", "header"},
		"empty":     {"no table here\n", "no claims table"},
		"quote":     {row(strings.Replace(good, "embedscope info", `embedscope info --data "x`, 1)), "unclosed quote"},
		"id":        {row(strings.Replace(good, "| a |", "| a b |", 1)), "one word"},
	} {
		_, err := Parse(strings.NewReader(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, c.want)
		}
	}
}

func TestHolds(t *testing.T) {
	for _, c := range []struct {
		op       Op
		v, a, r  float64
		measured float64
		want     bool
	}{
		{Equal, 0.8554, 0.00005, 0, 0.85544, true},
		{Equal, 0.8554, 0.00005, 0, 0.85546, false},
		{Equal, 0.8554, 0.00005, 0, 0.85534, false},
		{Equal, 0.42, 0, 0.5, 0.62, true},
		{Equal, 0.42, 0, 0.5, 0.64, false},
		{Equal, 20, 0, 0, 20, true},
		{Equal, 20, 0, 0, 21, false},
		{AtLeast, 0.92, 0, 0, 0.92, true},
		{AtLeast, 0.92, 0, 0, 0.9199, false},
		{AtLeast, 0.92, 0.001, 0, 0.9195, true},
		{AtMost, 1, 0, 0, 1.0001, false},
		{Below, 1, 0, 0, 1, false},
		{Below, 1, 0, 0, 0.99, true},
		{Above, 1, 0, 0, 1.01, true},
		{Equal, 1, 1, 0, math.NaN(), false},
		{Range, 0.549, 0, 0, 0.549, true}, // range 0.549–0.590 (High below)
		{Range, 0.549, 0, 0, 0.590, true},
		{Range, 0.549, 0, 0, 0.5489, false},
		{Range, 0.549, 0, 0, 0.5901, false},
		{Range, 0.549, 0.001, 0, 0.5905, true},
		{Range, 0.549, 0, 0, math.NaN(), false},
	} {
		cl := Claim{Op: c.op, Value: c.v, AbsTol: c.a, RelTol: c.r}
		if c.op == Range {
			cl.High = 0.590
		}
		if got := cl.Holds(c.measured); got != c.want {
			t.Errorf("%s %v (±%v, ±%v%%) holds for %v: %v, want %v", c.op, c.v, c.a, 100*c.r, c.measured, got, c.want)
		}
	}
}

// TestParseRange: an expected range "lo–hi" parses into the Range
// comparison with both ends, its ends count as stated numbers of the
// document, and a range written high end first is refused.
func TestParseRange(t *testing.T) {
	const head = "| id | set | time | claim | doc | command | field | expected | tol |\n|---|---|---|---|---|---|---|---|---|\n"
	f, err := Parse(strings.NewReader(head + "| r.a | all | 1 min | a range | README.md: \"weighted purity 0.549–0.590 over four\" | `embedscope x` | a | 0.549–0.590 | — |\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Claims[0]
	if c.Op != Range || c.Value != 0.549 || c.High != 0.590 || c.Literal != "0.549–0.590" || c.Expected() != "0.549–0.590" {
		t.Errorf("parsed %+v", c)
	}
	if un := f.Uncovered("README.md", "weighted purity 0.549–0.590 over four, and 0.7"); len(un) != 1 || !strings.HasPrefix(un[0], "0.7") {
		t.Errorf("uncovered: %q, want only 0.7", un)
	}
	if _, err := Parse(strings.NewReader(head + "| r.b | all | 1 min | a range | README.md: \"0.590–0.549\" | `embedscope x` | a | 0.590–0.549 | — |\n")); err == nil || !strings.Contains(err.Error(), "lower end first") {
		t.Errorf("a reversed range: %v", err)
	}
}

func TestExtract(t *testing.T) {
	out := []byte(`progress line
{"epoch":1,"knn":0.5}
{"epoch":2,"knn":0.75}
{"job":"kmeans10","ratio":0.19}
{"run_id":"r1","accuracy":{"train":0.6857},"components_for":{"0.80":24},"cumulative":[0.29,0.47],"slope":-0.156,"s":"x","n":null}
`)
	for field, want := range map[string]float64{
		"accuracy.train":              0.6857,
		"components_for[0.80]":        24,
		"cumulative[1]":               0.47,
		"cumulative[1]*100":           47,
		"-slope":                      0.156,
		"epoch=2/knn":                 0.75,
		"epoch=1/knn":                 0.5,
		"job=kmeans10/ratio":          0.19,
		"cumulative[1]/cumulative[0]": 0.47 / 0.29,
		"epoch=2/knn/epoch":           0.375,
	} {
		f, err := ParseField(field)
		if err != nil {
			t.Fatalf("%s: %v", field, err)
		}
		got, err := f.Extract(out)
		if err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %v, %v; want %v", field, got, err, want)
		}
	}
	for field, want := range map[string]string{
		"accuracy.test":     "no accuracy.test",
		"cumulative[2]":     "[2] is outside",
		"s":                 "not a number",
		"n":                 "not a number",
		"epoch=3/knn":       "no output line has epoch=3",
		"accuracy.train.x":  "not an object",
		"cumulative[x]":     "outside",
		"job=mlp/ratio":     "no output line",
		"components_for[1]": "no components_for.1",
		"slope/nothing":     "no nothing",
	} {
		f, err := ParseField(field)
		if err != nil {
			t.Fatalf("%s: %v", field, err)
		}
		if _, err := f.Extract(out); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", field, err, want)
		}
	}
	f, _ := ParseField("x")
	if _, err := f.Extract([]byte("no json\n")); err == nil {
		t.Error("output without JSON gave a value")
	}
	for _, bad := range []string{"", "-", "a*x", "=v/x", "k=/x", "a[]", "a/", "a/b["} {
		if _, err := ParseField(bad); err == nil {
			t.Errorf("field %q was accepted", bad)
		}
	}
}

func TestExpand(t *testing.T) {
	ids := map[string]string{"ae": "20261201-ae-1"}
	args, err := Expand(`embedscope kmeans --data $FULL --space {ae} --name 'two words'`, "/d", func(id string) (string, error) { return ids[id], nil })
	want := []string{"kmeans", "--data", "/d", "--space", "20261201-ae-1", "--name", "two words"}
	if err != nil || strings.Join(args, "|") != strings.Join(want, "|") {
		t.Errorf("Expand = %q, %v; want %q", args, err, want)
	}
}

func TestUncoveredAndSection(t *testing.T) {
	f, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	doc := "# T\n\n## Measured here\nacc 0.8554 here, took 1.30 s, version 1.2.1, a new 0.77 and 12,000 images, k=10.\n## Next\n0.99\n"
	sec := Section(doc, "## Measured here")
	if strings.Contains(sec, "0.99") || !strings.Contains(sec, "0.8554") {
		t.Fatalf("section %q", sec)
	}
	un := f.Uncovered("README.md", sec)
	if len(un) != 2 || !strings.HasPrefix(un[0], "0.77") || !strings.HasPrefix(un[1], "12,000") {
		t.Errorf("uncovered %q, want 0.77 and 12,000", un)
	}
	if Section(doc, "## Nothing") != "" {
		t.Error("a missing section was found")
	}
}
