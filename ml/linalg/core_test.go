package linalg

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// CPU feature sets of the machines the decision must get right.
var (
	noAVX  = CPUFeatures{}
	avx    = CPUFeatures{AVX: true}
	avx2   = CPUFeatures{AVX: true, AVX2: true, FMA: true} // e.g. AMD EPYC (Zen 1–3), Intel Haswell…Skylake client
	avx512 = CPUFeatures{AVX: true, AVX2: true, FMA: true, AVX512F: true, AVX512CD: true, AVX512BW: true,
		AVX512DQ: true, AVX512VL: true} // Intel Skylake-SP and later, AMD Zen 4
	// Knights Landing has AVX-512 F and CD but not BW, DQ, VL: SkylakeX's
	// kernels would fault.
	avx512FOnly = CPUFeatures{AVX: true, AVX2: true, FMA: true, AVX512F: true, AVX512CD: true}
)

const (
	dynamicConfig = "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Prescott MAX_THREADS=64"
	singleConfig  = "OpenBLAS 0.3.21 NO_AFFINITY HASWELL MAX_THREADS=64"
)

func TestChooseCore(t *testing.T) {
	for _, c := range []struct {
		name, current, config string
		f                     CPUFeatures
		want                  string
	}{
		{"generic-named Xeon VM with AVX-512 (the issue's VM)", "Prescott", dynamicConfig, avx512, "SkylakeX"},
		{"generic-named Intel VM with AVX2 only", "Prescott", dynamicConfig, avx2, "Haswell"},
		{"never AVX-512 kernels without BW/DQ/VL", "Prescott", dynamicConfig, avx512FOnly, "Haswell"},
		{"AVX only", "Prescott", dynamicConfig, avx, "Sandybridge"},
		{"no AVX: nothing better", "Prescott", dynamicConfig, noAVX, ""},
		{"Nehalem fallback on an AVX2 CPU", "Nehalem", dynamicConfig, avx2, "Haswell"},
		{"core name in another case", "PRESCOTT", dynamicConfig, avx2, "Haswell"},
		{"AMD EPYC detected as Zen (this machine)", "Zen", dynamicConfig, avx2, ""},
		{"Haswell on an AVX2 CPU", "Haswell", dynamicConfig, avx2, ""},
		{"Haswell core on an AVX-512 CPU", "Haswell", dynamicConfig, avx512, "SkylakeX"},
		{"Zen 4 (AVX-512) detected as Zen", "Zen", dynamicConfig, avx512, "SkylakeX"},
		{"SkylakeX already", "SkylakeX", dynamicConfig, avx512, ""},
		{"Cooperlake already", "Cooperlake", dynamicConfig, avx512, ""},
		{"Sandybridge on an AVX2 CPU", "Sandybridge", dynamicConfig, avx2, "Haswell"},
		{"library built for one core ignores OPENBLAS_CORETYPE", "Prescott", singleConfig, avx512, ""},
		{"unknown (newer) core name: trust the library", "Zen5", dynamicConfig, avx512, ""},
		{"empty core name", "", dynamicConfig, avx512, ""},
	} {
		if got := ChooseCore(c.current, c.config, c.f); got != c.want {
			t.Errorf("%s: ChooseCore(%q, %v) = %q, want %q", c.name, c.current, c.f, got, c.want)
		}
	}
}

func TestChooseCoreNeverPicksUnsupported(t *testing.T) {
	for _, f := range []CPUFeatures{noAVX, avx, avx2, avx512, avx512FOnly, {AVX2: true}, {AVX512F: true}} {
		for _, cur := range KnownCores() {
			if c := ChooseCore(cur, dynamicConfig, f); c != "" && !f.supports(c) {
				t.Errorf("ChooseCore(%s, %v) = %s, which the CPU cannot run", cur, f, c)
			}
		}
	}
}

func TestSupports(t *testing.T) {
	for _, c := range []struct {
		core string
		f    CPUFeatures
		want bool
	}{
		{"Prescott", noAVX, true}, {"Sandybridge", noAVX, false}, {"sandybridge", avx, true},
		{"Haswell", avx, false}, {"Haswell", CPUFeatures{AVX: true, AVX2: true}, false}, {"Haswell", avx2, true},
		{"Zen", avx2, true}, {"SkylakeX", avx2, false}, {"SkylakeX", avx512FOnly, false}, {"SkylakeX", avx512, true},
		{"Cooperlake", avx512, false}, {"Cooperlake", CPUFeatures{AVX512F: true, AVX512CD: true, AVX512BW: true,
			AVX512DQ: true, AVX512VL: true, AVX512BF16: true}, true},
		{"SapphireRapids", avx512, false}, {"NoSuchCore", avx512, false},
	} {
		if got := c.f.supports(c.core); got != c.want {
			t.Errorf("%v.supports(%s) = %v, want %v", c.f, c.core, got, c.want)
		}
	}
}

// env is a fake environment for planCore.
type env map[string]string

func (e env) get(k string) string { return e[k] }

func TestPlanCore(t *testing.T) {
	for _, c := range []struct {
		name     string
		flag     string
		env      env
		core     string
		config   string
		f        CPUFeatures
		native   bool
		exec     map[string]string // nil: no re-execution
		check    bool
		err      string // substring of the error
		inChoice string // substring of the choice
	}{
		{name: "auto on the issue's VM", core: "Prescott", config: dynamicConfig, f: avx512, native: true,
			exec: map[string]string{coreTypeEnv: "SkylakeX", markerEnv: "auto|Prescott"}},
		{name: "auto on an Intel VM without AVX-512", core: "Prescott", config: dynamicConfig, f: avx2, native: true,
			exec: map[string]string{coreTypeEnv: "Haswell", markerEnv: "auto|Prescott"}},
		{name: "auto on this machine keeps Zen", core: "Zen", config: dynamicConfig, f: avx2, native: true,
			inChoice: "Zen, the library's choice"},
		{name: "explicit auto", flag: "auto", core: "Prescott", config: dynamicConfig, f: avx2, native: true,
			exec: map[string]string{coreTypeEnv: "Haswell", markerEnv: "auto|Prescott"}},
		{name: "the user's OPENBLAS_CORETYPE is kept", env: env{coreTypeEnv: "Sandybridge"}, core: "Sandybridge",
			config: dynamicConfig, f: avx512, native: true, inChoice: "set by OPENBLAS_CORETYPE=Sandybridge"},
		{name: "the user's OPENBLAS_CORETYPE the CPU cannot run", env: env{coreTypeEnv: "SkylakeX"}, core: "SkylakeX",
			config: dynamicConfig, f: avx2, native: true, err: "cannot run that core"},
		{name: "--blas-core wins over OPENBLAS_CORETYPE", flag: "Haswell", env: env{coreTypeEnv: "Prescott"},
			core: "Prescott", config: dynamicConfig, f: avx512, native: true,
			exec: map[string]string{coreTypeEnv: "Haswell", markerEnv: "--blas-core|Prescott"}},
		{name: "--blas-core default keeps the generic core", flag: "default", core: "Prescott", config: dynamicConfig,
			f: avx512, native: true, inChoice: "automatic choice off by --blas-core=default"},
		{name: "EMBEDSCOPE_BLAS_CORE=default", env: env{CoreEnv: "default"}, core: "Prescott", config: dynamicConfig,
			f: avx512, native: true, inChoice: "off by EMBEDSCOPE_BLAS_CORE"},
		{name: "the flag wins over EMBEDSCOPE_BLAS_CORE", flag: "auto", env: env{CoreEnv: "default"}, core: "Prescott",
			config: dynamicConfig, f: avx512, native: true,
			exec: map[string]string{coreTypeEnv: "SkylakeX", markerEnv: "auto|Prescott"}},
		{name: "EMBEDSCOPE_BLAS_CORE names a core", env: env{CoreEnv: "zen"}, core: "Haswell", config: dynamicConfig,
			f: avx2, native: true, exec: map[string]string{coreTypeEnv: "zen", markerEnv: CoreEnv + "|Haswell"}},
		{name: "--blas-core SkylakeX without AVX-512 is refused", flag: "SkylakeX", core: "Zen", config: dynamicConfig,
			f: avx2, native: true, err: "cannot run OpenBLAS's SkylakeX core"},
		{name: "--blas-core of an unknown core", flag: "Pentium", core: "Zen", config: dynamicConfig, f: avx2,
			native: true, err: `unknown BLAS core "Pentium"`},
		{name: "--blas-core naming the current core", flag: "zen", core: "Zen", config: dynamicConfig, f: avx2,
			native: true, inChoice: "Zen, set by --blas-core"},
		{name: "--blas-core on a single-core build", flag: "Haswell", core: "Prescott", config: singleConfig,
			f: avx2, native: true, err: "cannot switch"},
		{name: "after an automatic switch: self-check", env: env{markerEnv: "auto|Prescott", coreTypeEnv: "SkylakeX"},
			core: "SkylakeX", config: dynamicConfig, f: avx512, native: true, check: true,
			inChoice: "OpenBLAS ran Prescott"},
		{name: "after a requested switch: self-check", env: env{markerEnv: "--blas-core|Zen", coreTypeEnv: "Haswell"},
			core: "Haswell", config: dynamicConfig, f: avx2, native: true, check: true, inChoice: "set by --blas-core"},
		{name: "after a fallback: never again", env: env{markerEnv: "fallback|SkylakeX"}, core: "Prescott",
			config: dynamicConfig, f: avx512, native: true, inChoice: "SkylakeX failed"},
		{name: "pure Go", core: "", config: "", f: avx512, native: false, inChoice: "pure Go"},
	} {
		p := planCore(c.flag, c.env.get, c.core, c.config, c.f, c.native)
		switch {
		case c.err != "":
			if p.err == nil || !strings.Contains(p.err.Error(), c.err) {
				t.Errorf("%s: error %v, want one with %q", c.name, p.err, c.err)
			}
			continue
		case p.err != nil:
			t.Errorf("%s: %v", c.name, p.err)
			continue
		}
		if p.exec != (c.exec != nil) || !maps.Equal(p.env, c.exec) {
			t.Errorf("%s: exec %v with %v, want %v", c.name, p.exec, p.env, c.exec)
		}
		if p.check != c.check {
			t.Errorf("%s: check %v, want %v", c.name, p.check, c.check)
		}
		if !strings.Contains(p.choice, c.inChoice) {
			t.Errorf("%s: choice %q, want it to contain %q", c.name, p.choice, c.inChoice)
		}
	}
}

func TestStripCoreFlag(t *testing.T) {
	for _, c := range []struct {
		args, rest []string
		value      string
		err        bool
	}{
		{[]string{"es", "bench", "--only", "x"}, []string{"es", "bench", "--only", "x"}, "", false},
		{[]string{"es", "bench", "--blas-core", "Haswell", "--json"}, []string{"es", "bench", "--json"}, "Haswell", false},
		{[]string{"es", "--blas-core=SkylakeX", "info"}, []string{"es", "info"}, "SkylakeX", false},
		{[]string{"es", "-blas-core", "default"}, []string{"es"}, "default", false},
		{[]string{"es", "tsne", "--", "--blas-core", "x"}, []string{"es", "tsne", "--", "--blas-core", "x"}, "", false},
		{[]string{"--blas-core", "x"}, []string{"--blas-core", "x"}, "", false}, // the program name is never a flag
		{[]string{"es", "bench", "--blas-core"}, []string{"es", "bench"}, "", true},
		{[]string{"es", "---blas-core=x"}, []string{"es", "---blas-core=x"}, "", false},
	} {
		rest, v, err := stripCoreFlag(c.args)
		if (err != nil) != c.err || v != c.value || !slices.Equal(rest, c.rest) {
			t.Errorf("stripCoreFlag(%q) = %q, %q, %v; want %q, %q, error %v", c.args, rest, v, err, c.rest, c.value, c.err)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	got := mergeEnv([]string{"A=1", "OPENBLAS_CORETYPE=Zen", "B=x=y", "EMBEDSCOPE_BLAS_SWITCHED=auto|Prescott"},
		map[string]string{coreTypeEnv: "", markerEnv: "fallback|SkylakeX", "C": "3"})
	slices.Sort(got)
	want := []string{"A=1", "B=x=y", "C=3", "EMBEDSCOPE_BLAS_SWITCHED=fallback|SkylakeX"}
	if !slices.Equal(got, want) {
		t.Errorf("mergeEnv = %q, want %q", got, want)
	}
}

func TestSelfCheckAndInfo(t *testing.T) {
	if err := SelfCheck(); err != nil {
		t.Fatal(err)
	}
	b := Info()
	if b.Backend != Backend || b.Threads < 1 || b.Choice == "" {
		t.Errorf("Info() = %+v", b)
	}
	if Native && (b.Core == "" || !strings.Contains(b.Config, "OpenBLAS")) {
		t.Errorf("Info() with OpenBLAS = %+v: no core or configuration", b)
	}
	if g := MeasureSgemm(); !(g > 0.1 && g < 1e5) {
		t.Errorf("MeasureSgemm() = %v GFLOP/s", g)
	}
	b.SgemmGFLOPS = 123.4
	if s := b.String(); !strings.Contains(s, "sgemm 123 GFLOP/s") || !strings.Contains(s, b.Backend) {
		t.Errorf("String() = %q", s)
	}
	if len(KnownCores()) != len(coreLevels) {
		t.Error("KnownCores does not list every core")
	}
}
