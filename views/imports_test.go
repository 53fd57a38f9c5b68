package views

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// frontEndML lists what the front ends (views/, app/, app/cli/) may import
// from ml/: data types only. Every computation goes through app/service.
var frontEndML = map[string]bool{
	"embedscope/ml/dataset":    true, // the data set and its splits
	"embedscope/ml/progress":   true, // the progress tracker of jobs
	"embedscope/ml/embed":      true, // training configuration and snapshot types
	"embedscope/ml/atomicfile": true, // writing exported files
	"embedscope/ml/linalg":     true, // the BLAS in use, for Help ▸ About and info
}

// benchFiles time ml/ directly beside the peers (as the peers' scripts time
// their libraries), so they are the one exception.
func benchFile(name string) bool { return strings.HasPrefix(filepath.Base(name), "bench") }

func TestFrontEndsReachMLOnlyThroughTheService(t *testing.T) {
	for _, dir := range []string{".", "../app", "../app/cli"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || benchFile(f) {
				continue
			}
			pf, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range pf.Imports {
				path := strings.Trim(imp.Path.Value, `"`)
				if strings.HasPrefix(path, "embedscope/ml/") && !frontEndML[path] {
					t.Errorf("%s imports %s: computations go through app/service", f, path)
				}
			}
		}
	}
}
