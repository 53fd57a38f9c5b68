//go:build unix && !purego

package linalg

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// startChildEnv makes TestMain act as a program calling Start: it prints
// Info and its remaining arguments as JSON and exits.
const startChildEnv = "LINALG_TEST_START_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(startChildEnv) != "" {
		args, err := Start(os.Args)
		if err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(2)
		}
		json.NewEncoder(os.Stdout).Encode(struct {
			Info BLASInfo
			Args []string
			Env  string
		}{Info(), args, os.Getenv(markerEnv)})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestStartReexecutes runs this test binary as a program calling Start
// and checks the core it ends on: the re-execution with OPENBLAS_CORETYPE,
// the self-check in the new process, and the override by flag and by
// environment.
func TestStartReexecutes(t *testing.T) {
	_, config, _ := libraryCore()
	if !strings.Contains(config, "DYNAMIC_ARCH") {
		t.Skipf("OpenBLAS %q cannot switch cores", config)
	}
	run := func(env []string, args ...string) (BLASInfo, []string, int) {
		t.Helper()
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(mergeEnv(os.Environ(), map[string]string{coreTypeEnv: "", CoreEnv: "", markerEnv: ""}),
			append(env, startChildEnv+"=1")...)
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok {
			return BLASInfo{}, nil, ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Info BLASInfo
			Args []string
			Env  string
		}
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if r.Env != "" {
			t.Errorf("the marker %s=%s leaks to the program", markerEnv, r.Env)
		}
		return r.Info, r.Args, 0
	}
	// The library's own choice, in a process whose OPENBLAS_CORETYPE is
	// unset: this one's may be set (some machines set it for everyone).
	lib, _, _ := run(nil, "-test.run=^$", "--blas-core=default")
	if lib.Core == "" {
		t.Fatalf("--blas-core default: no core in %+v", lib)
	}
	core := lib.Core
	// Sandybridge (AVX) runs on any CPU with AVX: every machine this
	// project builds on. Without AVX, Prescott.
	other := "Sandybridge"
	if !HostFeatures().AVX || strings.EqualFold(core, other) {
		other = "Prescott"
	}
	b, args, _ := run(nil, "-test.run=^$", "--blas-core", other, "x")
	if b.Core != other || !strings.Contains(b.Choice, "set by --blas-core; the library chose "+core) {
		t.Errorf("--blas-core %s: %+v", other, b)
	}
	if len(args) != 3 || args[2] != "x" {
		t.Errorf("arguments after Start: %q", args)
	}
	if b, _, _ := run([]string{CoreEnv + "=" + other}, "-test.run=^$"); b.Core != other {
		t.Errorf("%s=%s: %+v", CoreEnv, other, b)
	}
	if b, _, _ := run([]string{CoreEnv + "=" + other}, "-test.run=^$", "--blas-core=default"); b.Core != core {
		t.Errorf("--blas-core default under %s=%s: %+v", CoreEnv, other, b)
	}
	if b, _, _ := run([]string{coreTypeEnv + "=" + other}, "-test.run=^$"); b.Core != other || !strings.Contains(b.Choice, coreTypeEnv) {
		t.Errorf("the user's %s=%s: %+v", coreTypeEnv, other, b)
	}
	if _, _, code := run(nil, "-test.run=^$", "--blas-core", "NoSuchCore"); code != 2 {
		t.Errorf("--blas-core NoSuchCore: exit %d, want 2", code)
	}
}
