package cli

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var regenKeys = flag.Bool("regen-keys", false, "rewrite the golden JSON key lists in testdata/jsonkeys")

// jsonKeys returns the set of key paths of every JSON object in out (one
// per line): "a", "a.b", "list[].c". The values of maps keyed by data (such
// as per-split scores) appear as keys too, which is intended: they are part
// of the output's shape.
func jsonKeys(t *testing.T, out string) []string {
	t.Helper()
	set := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				set[p] = true
				walk(p, e)
			}
		case []any:
			for _, e := range x {
				walk(prefix+"[]", e)
			}
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var v any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("a line of --json output is not JSON: %v\n%s", err, line)
		}
		walk("", v)
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestJSONKeysAreStable runs every command with --json on the embedded
// data and compares the set of keys of its output with a golden list, so
// that renaming a key (or dropping one) fails here; every key must be
// snake_case. `go test ./app/cli -run JSONKeys -regen-keys` rewrites the
// lists after a deliberate change.
func TestJSONKeysAreStable(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "mlp.esm")
	cases := []struct {
		name string
		args []string
	}{
		{"info", []string{"info", "--near", "2"}},
		{"pca", []string{"pca", "--components", "8"}},
		{"knn", []string{"knn", "--space", "pca:16"}},
		{"prototypes", []string{"prototypes"}},
		{"scaling", []string{"scaling", "--start", "2000", "--ks", "1,5"}},
		{"kmeans", []string{"kmeans", "--space", "pca:8", "--k", "10"}},
		{"glrm", []string{"glrm", "--k", "2", "--iters", "5", "--impute", "0.2", "--compress", "2,4"}},
		{"tsne", []string{"tsne", "--n", "300", "--iters", "250"}},
		{"train-siamese", []string{"train-siamese", "--arch", "mlp", "--epochs", "1", "--out", model}},
		{"train-ae", []string{"train-ae", "--arch", "modern", "--dim", "2", "--epochs", "1", "--n-init", "1"}},
		{"export-embedding", []string{"export-embedding", "--space", "pca:4", "--format", "tsv", "--out", filepath.Join(dir, "p.tsv")}},
		{"export-figure", []string{"export-figure", "--figure", "class-counts", "--out", filepath.Join(dir, "c.png")}},
		{"umap", []string{"umap", "--n", "300", "--epochs", "20"}},
		{"compare", []string{"compare", "--a", "pixels", "--b", "pca:8", "--n", "300"}},
		{"quality", []string{"quality", "--space", "pca:8", "--sample", "300"}},
		{"runs-list", []string{"runs", "list"}},
		{"verify", []string{"verify", "--only", "data.emb.train"}},
		{"make-cifar", []string{"make-cifar", "--out", filepath.Join(dir, "cifar"), "--train", "20", "--test", "10"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, e := run(t, append(c.args, "--json")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, e)
			}
			keys := jsonKeys(t, out)
			for _, k := range keys {
				for _, part := range strings.Split(strings.ReplaceAll(k, "[]", ""), ".") {
					if part != strings.ToLower(part) || strings.ContainsAny(part, " -") {
						// Keys of data-keyed maps (class names, "0.80") are values, not names.
						if !strings.ContainsAny(part, "0123456789") && !strings.Contains(part, " ") {
							t.Errorf("key %q is not snake_case", k)
						}
					}
				}
			}
			golden := filepath.Join("testdata", "jsonkeys", c.name+".txt")
			got := strings.Join(keys, "\n") + "\n"
			if *regenKeys {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -regen-keys to write it)", err)
			}
			if got != string(want) {
				t.Errorf("the keys of `embedscope %s --json` changed:\n got: %s\nwant: %s", strings.Join(c.args, " "),
					strings.ReplaceAll(got, "\n", " "), strings.ReplaceAll(string(want), "\n", " "))
			}
		})
	}
}
