package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"embedscope/ml/embed"
)

// trainLines runs train-siamese with --json and decodes its epoch lines and
// final result.
func trainLines(t *testing.T, args ...string) ([]embed.EpochStat, TrainResult) {
	t.Helper()
	return trainCommandLines[TrainResult](t, "train-siamese", args...)
}

// trainCommandLines runs a training command with --json and decodes its
// epoch lines and its final result, a R.
func trainCommandLines[R any](t *testing.T, command string, args ...string) ([]embed.EpochStat, R) {
	t.Helper()
	var res R
	code, out, errOut := run(t, append([]string{command, "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var epochs []embed.EpochStat
	for _, l := range lines[:len(lines)-1] {
		var e embed.EpochStat
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("epoch line %q: %v", l, err)
		}
		epochs = append(epochs, e)
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("result line %q: %v", lines[len(lines)-1], err)
	}
	return epochs, res
}

// TestTrainSiameseMLP trains the MLP on the embedded data for two epochs,
// resumes it for a third, and checks the errors of bad flags.
func TestTrainSiameseMLP(t *testing.T) {
	skipShort(t)
	model := filepath.Join(t.TempDir(), "mlp.esm")
	epochs, res := trainLines(t, "--arch", "mlp", "--loss", "softmax", "--epochs", "2", "--out", model)
	if len(epochs) != 2 || epochs[1].Epoch != 2 || !(epochs[1].EvalAcc > 0.7) || !(epochs[1].Seconds > 0) {
		t.Errorf("epoch lines %+v", epochs)
	}
	if res.Arch != "mlp" || res.Loss != "softmax" || res.Dim != 32 || res.Batch != 256 || !res.OneCycle || res.LR != 3e-3 ||
		res.Train != 8000 || res.EvalSplit != "validation" || res.Eval != 2000 || res.Params != 237_984 || res.Model != model {
		t.Errorf("result %+v", res)
	}
	if res.KNN5 < 0.78 || !(res.TrainSeconds > 0) || !(res.TotalSeconds >= res.EvalSeconds) {
		t.Errorf("kNN(5) %.4f, times %+v", res.KNN5, res)
	}
	if _, err := os.Stat(model); err != nil {
		t.Fatal(err)
	}

	// Resume for one more epoch: the new cycle's epoch is number 3.
	epochs, res = trainLines(t, "--resume", model, "--epochs", "3")
	if len(epochs) != 1 || epochs[0].Epoch != 3 || res.Epochs != 3 || res.Model != model || res.KNN5 < 0.78 {
		t.Errorf("resumed: %+v, %+v", epochs, res)
	}

	// Text output.
	code, out, errOut := run(t, "train-siamese", "--arch", "mlp", "--loss", "siamese", "--epochs", "1", "--batch", "500", "--out", filepath.Join(t.TempDir(), "s.esm"))
	if code != 0 || !strings.Contains(out, "epoch 1/1") || !strings.Contains(out, "kNN(5) accuracy of the 32-d embedding") {
		t.Errorf("text output (exit %d):\n%s\n%s", code, out, errOut)
	}

	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--arch", "mlp", "--batch", "9000"}, 1, "larger than the 8000 training items"},
		{[]string{"--arch", "resnet"}, 1, `unknown architecture "resnet"`},
		{[]string{"--loss", "triplet"}, 1, `unknown loss "triplet"`},
		{[]string{"--arch", "mlp", "--lr", "-1"}, 1, "learning rate"},
		{[]string{"--arch", "mlp", "--epochs", "0"}, 1, "0 epochs"},
		{[]string{"--resume", model, "--arch", "seed"}, 1, "--arch differs"},
		{[]string{"--resume", model, "--epochs", "1"}, 1, "3 are done"},
		{[]string{"--resume", filepath.Join(t.TempDir(), "none.esm")}, 1, "no such file"},
		{[]string{"--epochs", "x"}, 2, ""},
	} {
		code, _, e := run(t, append([]string{"train-siamese"}, c.args...)...)
		if code != c.code || !strings.Contains(e, c.msg) {
			t.Errorf("%v: exit %d, %q; want %d with %q", c.args, code, e, c.code, c.msg)
		}
	}
	// A model for 28×28 images refuses other data.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.csv"), []byte("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n1,3,x\n2,2,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, e := run(t, "train-siamese", "--data", filepath.Join(dir, "t.csv"), "--resume", model)
	if code != 1 || !strings.Contains(e, "model expects 28×28×1 images, data has rows of 2 features") {
		t.Errorf("resume on a table: exit %d, %s", code, e)
	}
}
