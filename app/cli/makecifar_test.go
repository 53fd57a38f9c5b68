package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeCIFARAndBench writes a small synthetic CIFAR-format set, reads
// it with --data, and runs the benchmark on it: ours and, when
// /usr/bin/python3 has scikit-learn, the sklearn script reading the same
// batches, whose exact kNN(5) must give the same test accuracy (so both
// see the same feature matrix).
func TestMakeCIFARAndBench(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cifar")
	code, out, errOut := run(t, "make-cifar", "--out", dir, "--train", "600", "--test", "150", "--json")
	if code != 0 {
		t.Fatalf("make-cifar: %d, %s", code, errOut)
	}
	var made MakeCIFARResult
	if err := json.Unmarshal([]byte(out), &made); err != nil || made.Train != 600 || made.Test != 150 || len(made.Classes) != 10 {
		t.Fatalf("make-cifar printed %q (%v)", out, err)
	}
	code, out, errOut = run(t, "info", "--data", dir, "--json")
	var info InfoResult
	if code != 0 || json.Unmarshal([]byte(out), &info) != nil {
		t.Fatalf("info: %d %s", code, errOut)
	}
	if !info.Image || info.Width != 32 || info.Height != 32 || info.Channels != 3 || info.Features != 3072 || info.Train != 600 || info.Test != 150 {
		t.Errorf("info %+v", info)
	}
	sk := "off"
	if exec.Command("/usr/bin/python3", "-c", "import sklearn").Run() == nil {
		sk = "auto"
	}
	code, out, errOut = run(t, "bench", "--data", dir, "--only", "knn5_pixels,smallnet_epoch", "--sklearn", sk, "--json")
	if code != 0 {
		t.Fatalf("bench: %d, %s", code, errOut)
	}
	var rows []BenchRow
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r BenchRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 2 || rows[0].Error != "" || rows[1].Error != "" || rows[0].Quality == nil || !(rows[1].Seconds > 0) {
		t.Fatalf("rows %+v", rows)
	}
	if sk == "auto" {
		if rows[0].SklearnQuality == nil || *rows[0].SklearnQuality != *rows[0].Quality {
			t.Errorf("kNN(5) accuracy: ours %v, scikit-learn %v", *rows[0].Quality, rows[0].SklearnQuality)
		}
	}
}

// TestImageFolderFlags: --side, --fit and --grey reach the image folder
// reader.
func TestImageFolderFlags(t *testing.T) {
	dir := t.TempDir()
	for i, size := range [][2]int{{20, 10}, {12, 16}} {
		img := image.NewNRGBA(image.Rect(0, 0, size[0], size[1]))
		for p := range img.Pix {
			img.Pix[p] = uint8(40 * (p%4 + i))
		}
		var b bytes.Buffer
		png.Encode(&b, img)
		if err := os.MkdirAll(filepath.Join(dir, fmt.Sprint(i)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprint(i), "a.png"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		args          []string
		side, channel int
	}{
		{nil, 20, 3},
		{[]string{"--side", "8", "--fit", "crop"}, 8, 3},
		{[]string{"--side", "6", "--grey"}, 6, 1},
	} {
		code, out, errOut := run(t, append([]string{"info", "--data", dir, "--json"}, tc.args...)...)
		var info InfoResult
		if code != 0 || json.Unmarshal([]byte(out), &info) != nil {
			t.Fatalf("%v: %d %s", tc.args, code, errOut)
		}
		if info.Width != tc.side || info.Height != tc.side || info.Channels != tc.channel {
			t.Errorf("%v: %d×%d×%d", tc.args, info.Width, info.Height, info.Channels)
		}
	}
	if code, _, errOut := run(t, "info", "--data", dir, "--fit", "squash"); code != 1 || !strings.Contains(errOut, `--fit: unknown fit "squash": use one of letterbox, crop, stretch`) {
		t.Errorf("--fit squash: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, "info", "--data", dir, "--side", "5000"); code != 2 && code != 1 || !strings.Contains(errOut, "--side 5000 is out of range") {
		t.Errorf("--side 5000: %d %s", code, errOut)
	}
}
