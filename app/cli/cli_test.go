package cli

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(args, &o, &e)
	return code, o.String(), e.String()
}

func TestInfoJSONOnEmbeddedData(t *testing.T) {
	code, out, errOut := run(t, "info", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r InfoResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if r.Train != 8000 || r.Validation != 2000 || r.Test != 0 || r.Features != 784 || len(r.Classes) != 10 {
		t.Errorf("sizes %d/%d/%d, %d features, %d classes", r.Train, r.Validation, r.Test, r.Features, len(r.Classes))
	}
	for _, c := range r.Classes {
		if c.Train != 800 || c.Validation != 200 {
			t.Errorf("class %s: %d train, %d validation; want 800/200 (stratified)", c.Name, c.Train, c.Validation)
		}
	}
	// The Fashion-MNIST test set has no exact duplicate images.
	if r.Duplicates != (DupInfo{}) {
		t.Errorf("duplicates %+v, want none", r.Duplicates)
	}
}

func TestInfoTextAndFlags(t *testing.T) {
	code, out, _ := run(t, "info", "--val", "0.5", "--seed", "3")
	if code != 0 || !strings.Contains(out, "train 5000, validation 5000") || !strings.Contains(out, "Ankle boot") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	if code, _, e := run(t, "info", "--val", "1.5"); code != 1 || !strings.Contains(e, "validation fraction") {
		t.Errorf("--val 1.5: exit %d, %s", code, e)
	}
	if code, _, e := run(t, "info", "--scaling", "log"); code != 1 || !strings.Contains(e, "unknown scaling") {
		t.Errorf("--scaling log: exit %d, %s", code, e)
	}
	if code, _, _ := run(t, "info", "--bogus"); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if code, _, _ := run(t, "info", "extra"); code != 2 {
		t.Errorf("stray argument: exit %d, want 2", code)
	}
	if code, _, e := run(t, "info", "--data", filepath.Join(t.TempDir(), "missing")); code != 1 || e == "" {
		t.Errorf("missing data: exit %d, stderr %q", code, e)
	}
}

func TestUnknownCommandAndHelp(t *testing.T) {
	if code, _, e := run(t, "frobnicate"); code != 2 || !strings.Contains(e, "unknown command") {
		t.Errorf("unknown command: exit %d, %s", code, e)
	}
	code, out, _ := run(t, "help")
	if code != 0 || !strings.Contains(out, "export-figure") || !strings.Contains(out, "info") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
	if !IsCommand("info") || IsCommand("--data") {
		t.Error("IsCommand is wrong")
	}
}

func TestExportFigure(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"class-counts", "examples", "duplicates"} {
		out := filepath.Join(dir, name+".png")
		code, _, e := run(t, "export-figure", "--figure", name, "--out", out)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, e)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		_, err = png.Decode(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: PNG does not decode: %v", name, err)
		}
	}
	svg := filepath.Join(dir, "c.svg")
	if code, _, e := run(t, "export-figure", "--figure", "class-counts", "--out", svg, "--width", "5", "--height", "3"); code != 0 {
		t.Fatalf("svg: %s", e)
	}
	if b, _ := os.ReadFile(svg); !bytes.Contains(b, []byte("<svg")) {
		t.Error("SVG export is not SVG")
	}
	if code, _, e := run(t, "export-figure", "--figure", "nope", "--out", "x.png"); code != 1 || !strings.Contains(e, "class-counts") {
		t.Errorf("unknown figure: exit %d, %s", code, e)
	}
	if code, _, e := run(t, "export-figure", "--figure", "examples", "--out", filepath.Join(dir, "x.gif")); code != 1 || !strings.Contains(e, ".png") {
		t.Errorf("bad format: exit %d, %s", code, e)
	}
	if code, _, _ := run(t, "export-figure", "--figure", "examples", "--out", filepath.Join(dir, "no", "x.png")); code != 1 {
		t.Errorf("unwritable path: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.gif")); err == nil {
		t.Error("a file was written for a refused format")
	}
}
