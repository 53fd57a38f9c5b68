// Command mutation checks that the tests of EmbedScope's ml packages catch
// deliberate bugs. For each package it collects the operator sites of its
// non-test Go files (binary operators + - * / < <= > >= == != && ||, the
// assignments += -= *= /= and the statements ++ --), draws a seeded sample of
// them, and for each one builds a mutant in which that single operator is
// flipped (+ ↔ -, * ↔ /, < ↔ <=, > ↔ >=, == ↔ !=, && ↔ ||, += ↔ -=, *= ↔ /=,
// ++ ↔ --). The mutant is written to a temporary folder and handed to
// `go test -overlay`, so the source tree is never modified. A mutant is
// killed when the package's tests fail (or time out), survives when they
// pass, and is left out of the score when it does not compile.
//
//	go run ./tools/mutation -pkgs pca,knn -n 20 -seed 1 -md docs/mutation-run.md
//
// It is a separate main package: nothing in app/, ml/ or views/ imports it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// flips maps an operator to the one its mutant uses.
var flips = map[token.Token]token.Token{
	token.ADD: token.SUB, token.SUB: token.ADD,
	token.MUL: token.QUO, token.QUO: token.MUL,
	token.LSS: token.LEQ, token.LEQ: token.LSS,
	token.GTR: token.GEQ, token.GEQ: token.GTR,
	token.EQL: token.NEQ, token.NEQ: token.EQL,
	token.LAND: token.LOR, token.LOR: token.LAND,
	token.ADD_ASSIGN: token.SUB_ASSIGN, token.SUB_ASSIGN: token.ADD_ASSIGN,
	token.MUL_ASSIGN: token.QUO_ASSIGN, token.QUO_ASSIGN: token.MUL_ASSIGN,
	token.INC: token.DEC, token.DEC: token.INC,
}

// site is one operator that can be flipped: the n-th mutable operator (in
// ast.Inspect order) of a file.
type site struct {
	File string // absolute path
	Nth  int
	Line int
	Func string
	From token.Token `json:"-"`
	To   token.Token `json:"-"`
	Op   string      // "+→-"
}

// result is the outcome of one mutant.
type result struct {
	Site    site
	Outcome string // killed, survived, timeout, uncompiled
	Secs    float64
	Detail  string // first failing test or build error
}

func main() {
	pkgs := flag.String("pkgs", "pca,knn,kmeans,prototype,metrics,compare,tsne,umap,glrm,nn", "comma-separated packages under ml/")
	n := flag.Int("n", 15, "mutants per package (a seeded sample of its operator sites)")
	seed := flag.Int64("seed", 1, "seed of the sample")
	tags := flag.String("tags", "ci", "build tags for go test")
	timeout := flag.Duration("timeout", 0, "go test -timeout per mutant (default: 4× the package's unmutated run, at least 60 s)")
	budget := flag.Duration("budget", 0, "stop starting mutants after this long (0: no limit)")
	md := flag.String("md", "", "write the report as Markdown to this file")
	jsonOut := flag.String("json", "", "write every result as JSON to this file")
	flag.Parse()

	root, err := moduleRoot()
	if err != nil {
		fatal(err)
	}
	tmp, err := os.MkdirTemp("", "mutation-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)

	start := time.Now()
	var all []result
	type summary struct {
		Pkg                                   string
		Sites, Killed, Survived, Timeout, Bad int
		Baseline                              float64
	}
	var sums []summary
	for _, p := range strings.Split(*pkgs, ",") {
		p = strings.TrimSpace(p)
		dir := filepath.Join(root, "ml", p)
		sites, err := collect(dir)
		if err != nil {
			fatal(err)
		}
		rng := rand.New(rand.NewSource(*seed))
		rng.Shuffle(len(sites), func(i, j int) { sites[i], sites[j] = sites[j], sites[i] })
		if len(sites) > *n {
			sites = sites[:*n]
		}
		t0 := time.Now()
		out, err := goTest(root, "./ml/"+p, *tags, "", 10*time.Minute)
		base := time.Since(t0)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ml/%s: the unmutated tests fail, skipped:\n%s\n", p, tail(out, 20))
			continue
		}
		to := *timeout
		if to == 0 {
			to = 4 * base
			if to < 60*time.Second {
				to = 60 * time.Second
			}
		}
		fmt.Printf("ml/%s: %d sites sampled, unmutated tests %.1f s, timeout %s\n", p, len(sites), base.Seconds(), to)
		s := summary{Pkg: p, Sites: len(sites), Baseline: base.Seconds()}
		for i, st := range sites {
			if *budget > 0 && time.Since(start) > *budget {
				fmt.Println("budget spent; stopping")
				break
			}
			r := run(root, tmp, p, st, *tags, to)
			all = append(all, r)
			switch r.Outcome {
			case "killed":
				s.Killed++
			case "survived":
				s.Survived++
			case "timeout":
				s.Timeout++
			default:
				s.Bad++
			}
			rel, _ := filepath.Rel(root, st.File)
			fmt.Printf("  [%d/%d] %-10s %s:%d %s %s→%s (%.0f s) %s\n", i+1, len(sites), r.Outcome, rel, st.Line, st.Func, st.From, st.To, r.Secs, r.Detail)
		}
		sums = append(sums, s)
		if *budget > 0 && time.Since(start) > *budget {
			break
		}
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "| package | mutants | killed | timed out (killed) | survived | did not compile | score |\n|---|---|---|---|---|---|---|\n")
	var tk, ts, tt, tb int
	for _, s := range sums {
		valid := s.Killed + s.Survived + s.Timeout
		fmt.Fprintf(&b, "| ml/%s | %d | %d | %d | %d | %d | %s |\n", s.Pkg, s.Killed+s.Survived+s.Timeout+s.Bad, s.Killed, s.Timeout, s.Survived, s.Bad, score(s.Killed+s.Timeout, valid))
		tk += s.Killed
		ts += s.Survived
		tt += s.Timeout
		tb += s.Bad
	}
	fmt.Fprintf(&b, "| **all** | %d | %d | %d | %d | %d | %s |\n", tk+ts+tt+tb, tk, tt, ts, tb, score(tk+tt, tk+ts+tt))
	fmt.Fprintf(&b, "\nSurvivors:\n\n")
	for _, r := range all {
		if r.Outcome == "survived" {
			rel, _ := filepath.Rel(root, r.Site.File)
			fmt.Fprintf(&b, "- `%s:%d` %s: `%s` → `%s`\n", rel, r.Site.Line, r.Site.Func, r.Site.From, r.Site.To)
		}
	}
	fmt.Fprintf(&b, "\n(%s, %s total)\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), time.Since(start).Round(time.Second))
	fmt.Print("\n", b.String())
	if *md != "" {
		if err := os.WriteFile(*md, b.Bytes(), 0o644); err != nil {
			fatal(err)
		}
	}
	if *jsonOut != "" {
		j, _ := json.MarshalIndent(all, "", "  ")
		if err := os.WriteFile(*jsonOut, j, 0o644); err != nil {
			fatal(err)
		}
	}
}

func score(killed, valid int) string {
	if valid == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f %%", 100*float64(killed)/float64(valid))
}

// collect returns every mutable operator site in the non-test Go files of dir.
func collect(dir string) ([]site, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var sites []site
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		af, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		walk(af, func(nth int, pos token.Pos, fn string, op *token.Token) bool {
			sites = append(sites, site{File: f, Nth: nth, Line: fset.Position(pos).Line, Func: fn, From: *op, To: flips[*op], Op: op.String() + "→" + flips[*op].String()})
			return false
		})
	}
	return sites, nil
}

// walk calls visit for every mutable operator inside a function body of af,
// numbering them in ast.Inspect order; visit returns true to stop. Operators
// with a string literal operand (concatenation) are left out, as are
// constant declarations (their mutants rarely compile).
func walk(af *ast.File, visit func(nth int, pos token.Pos, fn string, op *token.Token) bool) {
	nth := 0
	stop := false
	for _, d := range af.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		name := fd.Name.Name
		if fd.Recv != nil && len(fd.Recv.List) == 1 {
			name = recvName(fd.Recv.List[0].Type) + "." + name
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if stop {
				return false
			}
			var op *token.Token
			var pos token.Pos
			switch x := n.(type) {
			case *ast.BinaryExpr:
				if isString(x.X) || isString(x.Y) {
					return true
				}
				op, pos = &x.Op, x.OpPos
			case *ast.AssignStmt:
				op, pos = &x.Tok, x.TokPos
			case *ast.IncDecStmt:
				op, pos = &x.Tok, x.TokPos
			}
			if op != nil {
				if _, ok := flips[*op]; ok {
					if visit(nth, pos, name, op) {
						stop = true
						return false
					}
					nth++
				}
			}
			return true
		})
	}
}

func recvName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return recvName(x.X)
	case *ast.Ident:
		return x.Name
	case *ast.IndexExpr:
		return recvName(x.X)
	case *ast.IndexListExpr:
		return recvName(x.X)
	}
	return "?"
}

func isString(e ast.Expr) bool {
	l, ok := e.(*ast.BasicLit)
	return ok && l.Kind == token.STRING
}

// mutate returns the source of s.File with site s flipped.
func mutate(s site) ([]byte, error) {
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, s.File, nil, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	done := false
	walk(af, func(nth int, _ token.Pos, _ string, op *token.Token) bool {
		if nth == s.Nth {
			*op = s.To
			done = true
			return true
		}
		return false
	})
	if !done {
		return nil, fmt.Errorf("%s: site %d not found", s.File, s.Nth)
	}
	var b bytes.Buffer
	if err := format.Node(&b, fset, af); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func run(root, tmp, pkg string, s site, tags string, timeout time.Duration) result {
	t0 := time.Now()
	src, err := mutate(s)
	if err != nil {
		return result{Site: s, Outcome: "uncompiled", Detail: err.Error()}
	}
	mf := filepath.Join(tmp, "mutant.go")
	if err := os.WriteFile(mf, src, 0o644); err != nil {
		fatal(err)
	}
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {s.File: mf}})
	of := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(of, ov, 0o644); err != nil {
		fatal(err)
	}
	out, err := goTest(root, "./ml/"+pkg, tags, of, timeout)
	r := result{Site: s, Secs: time.Since(t0).Seconds()}
	switch {
	case err == nil:
		r.Outcome = "survived"
	case strings.Contains(out, "[build failed]") || strings.Contains(out, "[setup failed]") || strings.Contains(out, "vet:"):
		r.Outcome = "uncompiled"
		r.Detail = firstLine(out, "")
	case strings.Contains(out, "panic: test timed out") || errors.Is(err, context.DeadlineExceeded):
		r.Outcome = "timeout"
	default:
		r.Outcome = "killed"
		r.Detail = firstLine(out, "--- FAIL")
	}
	return r
}

// goTest runs the package's tests with -short; the error is non-nil when they
// fail, time out or do not build.
func goTest(root, pkg, tags, overlay string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout+90*time.Second)
	defer cancel()
	args := []string{"test", "-short", "-count=1", "-vet=off", "-failfast", "-tags", tags, "-timeout", timeout.String()}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(args, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), ctx.Err()
	}
	return string(out), err
}

func firstLine(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if prefix == "" || strings.HasPrefix(l, prefix) {
			if len(l) > 100 {
				l = l[:100] + "…"
			}
			return l
		}
	}
	return ""
}

func tail(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run inside the embedscope module")
	}
	return filepath.Dir(mod), nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "mutation:", err)
	os.Exit(2)
}
