package linalg

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// The environment variables of the core choice. OPENBLAS_CORETYPE is
// OpenBLAS's own: the library reads it once, when it is loaded, which is
// why a different core needs a fresh process (Start re-executes the
// program).
const (
	coreTypeEnv = "OPENBLAS_CORETYPE"
	// CoreEnv overrides the automatic choice like the --blas-core flag
	// (which wins over it): auto, default, or a core name.
	CoreEnv = "EMBEDSCOPE_BLAS_CORE"
	// markerEnv is set by Start for the process it re-executes:
	// "how|previous core" with how "auto", "--blas-core" or CoreEnv, or
	// "fallback|core that failed the self-check".
	markerEnv = "EMBEDSCOPE_BLAS_SWITCHED"
	// CoreFlag is the command-line flag Start takes out of the arguments.
	CoreFlag = "--blas-core"
)

// state is what Start learnt, for Info.
var state struct {
	sync.Mutex
	choice string
}

// Start chooses the OpenBLAS core for this program. Call it first in main,
// before anything uses BLAS, with os.Args; it returns the arguments without
// the --blas-core flag (either "--blas-core X" or "--blas-core=X", before
// any "--").
//
// With no override, when OpenBLAS runs a generic core although the CPU
// supports a faster one (see ChooseCore) — typically Prescott on a virtual
// machine whose CPU reports a generic model name — Start re-executes the
// program with OPENBLAS_CORETYPE set to that core, unless the user set
// OPENBLAS_CORETYPE. The new process checks an sgemm and a dgemm against a
// float64 reference (SelfCheck) and, if they disagree, re-executes once
// more on the library's default core: the fallback is quiet and shows in
// Info's Choice. --blas-core (or the CoreEnv variable) takes "auto" (the
// default), "default" (keep the library's choice) or a core name, which
// wins over everything; a core the CPU cannot run is an error, never a
// crash. In the pure-Go build Start only removes the flag.
//
// Start returns an error for a bad --blas-core value or an
// OPENBLAS_CORETYPE the CPU cannot run; the program should print it and
// exit. A failed re-execution is not an error: the program goes on with
// the core it has, and Info says so.
func Start(args []string) ([]string, error) {
	rest, flagCore, err := stripCoreFlag(args)
	if err != nil {
		return rest, err
	}
	core, config, _ := libraryCore()
	f := HostFeatures()
	p := planCore(flagCore, os.Getenv, core, config, f, Native)
	os.Unsetenv(markerEnv) // programs we start are not re-executions
	if p.err != nil {
		return rest, p.err
	}
	if p.check {
		if err := SelfCheck(); err != nil {
			if p.explicit {
				fmt.Fprintf(os.Stderr, "%s: OpenBLAS's %s core failed a numerical check (%v); using the library's default core\n", filepath.Base(rest[0]), core, err)
			}
			p = plan{exec: true, env: map[string]string{coreTypeEnv: "", markerEnv: "fallback|" + core}}
		}
	}
	setChoice(p.choice)
	if p.exec {
		err := reexec(rest, p.env) // returns only on failure
		setChoice(fmt.Sprintf("%s, the library's choice; could not restart on %s: %v", core, p.env[coreTypeEnv], err))
	}
	return rest, nil
}

func setChoice(s string) {
	state.Lock()
	state.choice = s
	state.Unlock()
}

// plan is what Start does.
type plan struct {
	exec     bool              // re-execute with env applied
	env      map[string]string // variables to set for the re-execution; "" unsets
	check    bool              // self-check the current core, falling back when it fails
	explicit bool              // the user asked for the current core
	choice   string            // how the current core was chosen (for Info)
	err      error
}

// planCore decides what Start does from the --blas-core value (flagCore,
// "" when absent), the environment (getenv), the library's current core
// and configuration, the CPU's features and whether BLAS is native.
func planCore(flagCore string, getenv func(string) string, core, config string, f CPUFeatures, native bool) plan {
	if !native {
		return plan{choice: "pure Go (no OpenBLAS core)"}
	}
	if m := getenv(markerEnv); m != "" {
		how, prev, _ := strings.Cut(m, "|")
		switch how {
		case "fallback":
			return plan{choice: fmt.Sprintf("%s, the library's choice; %s failed the numerical self-check", core, prev)}
		case "auto":
			return plan{check: true, choice: fmt.Sprintf("%s, chosen automatically: OpenBLAS ran %s, a generic core, on a CPU with %s; sgemm and dgemm self-check passed", core, prev, f)}
		default:
			return plan{check: true, explicit: true, choice: fmt.Sprintf("%s, set by %s; the library chose %s", core, how, prev)}
		}
	}
	want, src := flagCore, CoreFlag
	if want == "" {
		want, src = getenv(CoreEnv), CoreEnv
	}
	user := getenv(coreTypeEnv)
	switch w := strings.ToLower(want); w {
	case "default", "off", "none":
		return plan{choice: fmt.Sprintf("%s, the library's choice; automatic choice off by %s=%s", core, src, want)}
	case "", "auto":
		if user != "" {
			if _, known := coreLevels[strings.ToLower(user)]; known && strings.EqualFold(user, core) && !f.supports(core) {
				return plan{err: fmt.Errorf("%s=%s: this CPU cannot run that core (it has %s); unset %s or use %s", coreTypeEnv, user, f, coreTypeEnv, orNone(levelCore[f.bestLevel()], "Prescott"))}
			}
			return plan{choice: fmt.Sprintf("%s, set by %s=%s", core, coreTypeEnv, user)}
		}
		target := ChooseCore(core, config, f)
		if target == "" {
			return plan{choice: core + ", the library's choice"}
		}
		return plan{exec: true, env: map[string]string{coreTypeEnv: target, markerEnv: "auto|" + core}}
	default:
		if err := checkCoreName(want, f); err != nil {
			return plan{err: fmt.Errorf("%s %s: %w", src, want, err)}
		}
		if strings.EqualFold(want, core) {
			return plan{explicit: true, choice: fmt.Sprintf("%s, set by %s", core, src)}
		}
		if !strings.Contains(config, "DYNAMIC_ARCH") {
			return plan{err: fmt.Errorf("%s %s: this OpenBLAS is built for one core (%s) and cannot switch", src, want, core)}
		}
		return plan{exec: true, env: map[string]string{coreTypeEnv: want, markerEnv: src + "|" + core}}
	}
}

// stripCoreFlag removes --blas-core X or --blas-core=X (also with one
// dash) from args, looking only before a "--", and returns its value.
func stripCoreFlag(args []string) (rest []string, value string, err error) {
	rest = make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, v, hasV := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if i == 0 || !strings.HasPrefix(a, "-") || name != CoreFlag[2:] {
			rest = append(rest, a)
			continue
		}
		if !hasV {
			if i+1 >= len(args) {
				return append(rest, args[i+1:]...), "", fmt.Errorf("%s needs a value: auto, default or a core name such as Haswell", CoreFlag)
			}
			i++
			v = args[i]
		}
		value = v
	}
	return rest, value, nil
}

// Choice says how the OpenBLAS core in use was chosen ("" before Start).
func Choice() string {
	state.Lock()
	defer state.Unlock()
	return state.choice
}
