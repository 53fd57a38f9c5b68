package linalg

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sys/cpu"
)

// CPUFeatures are the instruction-set extensions that decide which
// OpenBLAS core (kernel set) a CPU can run. Each is true only when the CPU
// has it and the operating system saves its registers (as
// golang.org/x/sys/cpu reports them).
type CPUFeatures struct {
	AVX, AVX2, FMA                                  bool
	AVX512F, AVX512CD, AVX512BW, AVX512DQ, AVX512VL bool
	AVX512BF16, AMX                                 bool
}

// HostFeatures returns the features of the CPU this process runs on (all
// false off x86-64).
func HostFeatures() CPUFeatures {
	x := cpu.X86
	return CPUFeatures{AVX: x.HasAVX, AVX2: x.HasAVX2, FMA: x.HasFMA,
		AVX512F: x.HasAVX512F, AVX512CD: x.HasAVX512CD, AVX512BW: x.HasAVX512BW,
		AVX512DQ: x.HasAVX512DQ, AVX512VL: x.HasAVX512VL,
		AVX512BF16: x.HasAVX512BF16, AMX: x.HasAMXTile && x.HasAMXBF16}
}

// avx512 reports whether f has the AVX-512 subsets OpenBLAS's SkylakeX
// kernels are compiled for (F, CD, BW, DQ, VL).
func (f CPUFeatures) avx512() bool {
	return f.AVX512F && f.AVX512CD && f.AVX512BW && f.AVX512DQ && f.AVX512VL
}

// String lists the features present, e.g. "avx avx2 fma".
func (f CPUFeatures) String() string {
	var s []string
	for _, p := range []struct {
		on   bool
		name string
	}{{f.AVX, "avx"}, {f.AVX2, "avx2"}, {f.FMA, "fma"}, {f.AVX512F, "avx512f"}, {f.AVX512CD, "avx512cd"},
		{f.AVX512BW, "avx512bw"}, {f.AVX512DQ, "avx512dq"}, {f.AVX512VL, "avx512vl"},
		{f.AVX512BF16, "avx512bf16"}, {f.AMX, "amx"}} {
		if p.on {
			s = append(s, p.name)
		}
	}
	if len(s) == 0 {
		return "none of avx, avx2, fma, avx512"
	}
	return strings.Join(s, " ")
}

// Core levels: what an OpenBLAS core's kernels require, in increasing
// order of speed on a CPU that has all of it.
const (
	levelSSE    = iota // SSE2/SSE3 kernels: Prescott, Core2, Nehalem, ... (OpenBLAS's fallback for CPUs it does not know)
	levelAVX           // AVX (and the AMD Bulldozer family): Sandybridge, ...
	levelAVX2          // AVX2 and FMA: Haswell, Zen
	levelAVX512        // AVX-512 F/CD/BW/DQ/VL: SkylakeX, ...
)

// coreLevels gives the level of each x86-64 core name OpenBLAS reports
// (openblas_get_corename, lower case) and accepts in OPENBLAS_CORETYPE.
var coreLevels = map[string]int{
	"katmai": levelSSE, "coppermine": levelSSE, "northwood": levelSSE, "prescott": levelSSE,
	"banias": levelSSE, "atom": levelSSE, "core2": levelSSE, "penryn": levelSSE, "dunnington": levelSSE,
	"nehalem": levelSSE, "athlon": levelSSE, "opteron": levelSSE, "opteron_sse3": levelSSE,
	"barcelona": levelSSE, "nano": levelSSE, "bobcat": levelSSE,
	"sandybridge": levelAVX, "bulldozer": levelAVX, "piledriver": levelAVX, "steamroller": levelAVX,
	"excavator": levelAVX,
	"haswell":   levelAVX2, "zen": levelAVX2,
	"skylakex": levelAVX512, "cooperlake": levelAVX512, "sapphirerapids": levelAVX512,
}

// coreName is the spelling OpenBLAS uses for each level's preferred core.
var levelCore = [...]string{levelSSE: "", levelAVX: "Sandybridge", levelAVX2: "Haswell", levelAVX512: "SkylakeX"}

// supports reports whether a CPU with features f can run the kernels of
// the core named name (any case); false for unknown names.
func (f CPUFeatures) supports(name string) bool {
	name = strings.ToLower(name)
	lvl, ok := coreLevels[name]
	if !ok {
		return false
	}
	switch name {
	case "cooperlake":
		return f.avx512() && f.AVX512BF16
	case "sapphirerapids":
		return f.avx512() && f.AVX512BF16 && f.AMX
	case "bulldozer", "piledriver", "steamroller", "excavator":
		return f.AVX && f.FMA // their FMA4 kernels are not checked: AMD CPUs of that family only
	}
	switch lvl {
	case levelAVX:
		return f.AVX
	case levelAVX2:
		return f.AVX2 && f.FMA
	case levelAVX512:
		return f.avx512()
	}
	return true
}

// bestLevel is the highest core level the features allow.
func (f CPUFeatures) bestLevel() int {
	switch {
	case f.avx512():
		return levelAVX512
	case f.AVX2 && f.FMA:
		return levelAVX2
	case f.AVX:
		return levelAVX
	}
	return levelSSE
}

// ChooseCore decides whether to move OpenBLAS from the core it runs
// (current, as openblas_get_corename reports it) to a faster one the CPU
// supports. It returns the core to set in OPENBLAS_CORETYPE, or "" to keep
// current: when the library was not built with DYNAMIC_ARCH (config, as
// openblas_get_config reports it, lacks that word, so the variable would
// be ignored), when current is a name it does not know (a newer library:
// trust it), or when current already uses the widest vector instructions
// the CPU has. The choice is SkylakeX with AVX-512 (F, CD, BW, DQ, VL),
// Haswell with AVX2 and FMA, Sandybridge with AVX: never a core whose
// instructions the CPU lacks.
func ChooseCore(current, config string, f CPUFeatures) string {
	if !strings.Contains(config, "DYNAMIC_ARCH") {
		return ""
	}
	lvl, ok := coreLevels[strings.ToLower(current)]
	if !ok {
		return ""
	}
	if best := f.bestLevel(); best > lvl {
		return levelCore[best]
	}
	return ""
}

// KnownCores lists the x86-64 core names accepted by --blas-core, sorted.
func KnownCores() []string {
	var names []string
	for n := range coreLevels {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// checkCoreName returns an error unless name is a known core the CPU with
// features f can run.
func checkCoreName(name string, f CPUFeatures) error {
	if _, ok := coreLevels[strings.ToLower(name)]; !ok {
		return fmt.Errorf("unknown BLAS core %q: use auto, default or one of %s", name, strings.Join(KnownCores(), ", "))
	}
	if !f.supports(name) {
		return fmt.Errorf("this CPU cannot run OpenBLAS's %s core (it has %s): use auto, or a core such as %s",
			name, f, orNone(levelCore[f.bestLevel()], "Prescott"))
	}
	return nil
}

func orNone(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
