package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.bin")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("new data")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "new data" {
		t.Fatalf("read %q, %v", b, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	// A missing folder: an error, and no temporary files anywhere.
	if err := Write(filepath.Join(dir, "missing", "f.bin"), []byte("x")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing folder: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the folder holds %d entries, want only f.bin", len(entries))
	}
}

// age makes the file at path look last changed an hour ago.
func age(t *testing.T, path string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestIsTempName(t *testing.T) {
	for name, want := range map[string]bool{
		".f.bin.tmp123":                   true,
		".a.tmp1":                         true,
		".model.esm.tmp00000001":          true,
		".f.bin.tmp":                      false, // no digits
		"f.bin.tmp123":                    false, // not hidden
		".tmp123":                         false, // no name
		".f.bin.tmp12a":                   false,
		".f.bin.tmp123456789012345678901": false, // 21 digits
		".notes.tmp.txt":                  false,
	} {
		if got := IsTempName(name); got != want {
			t.Errorf("IsTempName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestCleanRemovesOnlyStaleTemps: the next write to a folder removes the
// temporary files of interrupted writes, and nothing else.
func TestCleanRemovesOnlyStaleTemps(t *testing.T) {
	dir := t.TempDir()
	write := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, make([]byte, 1000), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stale := write(".model.esm.tmp1234567")
	age(t, stale)
	fresh := write(".model.esm.tmp7654321") // could be a writer between CreateTemp and its lock
	lookalike := write(".notes.tmp.txt")
	age(t, lookalike)
	user := write("data.tmp42")
	age(t, user)
	// A live writer's temporary file: locked, however old.
	live, err := os.CreateTemp(dir, ".figure.png.tmp*")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := lock(live); err != nil {
		t.Fatal(err)
	}
	age(t, live.Name())

	if err := Write(filepath.Join(dir, "out.bin"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	got := names(t, dir)
	want := []string{filepath.Base(live.Name()), filepath.Base(fresh), ".notes.tmp.txt", "data.tmp42", "out.bin"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("after a write the folder holds %q, want %q (only %s removed)", got, want, filepath.Base(stale))
	}
}

// TestCleanAfterKill: a writer killed with SIGKILL in the middle of a
// write leaves its temporary file; the next write removes it.
func TestCleanAfterKill(t *testing.T) {
	if os.Getenv("ATOMICFILE_HELPER_DIR") != "" {
		t.Skip("helper process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=TestHelperWriter$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_HELPER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "TEMP ") {
				line <- strings.TrimPrefix(sc.Text(), "TEMP ")
				return
			}
		}
		close(line)
	}()
	var temp string
	select {
	case temp = <-line:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the helper did not start writing within 30 s")
	}
	if temp == "" {
		t.Fatal("the helper ended without writing")
	}
	age(t, temp)
	if removed, _ := Clean(dir); len(removed) != 0 {
		t.Fatalf("Clean removed %q while its writer was alive", removed)
	}
	cmd.Process.Kill() // SIGKILL: no chance to clean up
	cmd.Wait()
	if _, err := os.Stat(temp); err != nil {
		t.Fatalf("the killed writer's temporary file is gone already: %v", err)
	}
	if err := Write(filepath.Join(dir, "next.bin"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"next.bin"}) {
		t.Errorf("after the next write the folder holds %q, want only next.bin", got)
	}
}

// TestHelperWriter is the writer TestCleanAfterKill kills: it writes a
// temporary file of 10 MB, reports its name and waits to be killed.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv("ATOMICFILE_HELPER_DIR")
	if dir == "" {
		t.Skip("run by TestCleanAfterKill")
	}
	f, err := writeTemp(File{Path: filepath.Join(dir, "model.esm"), Data: make([]byte, 10<<20)})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("TEMP %s\n", f.Name())
	time.Sleep(time.Hour) // killed long before
}

func TestWriteFilesBothOrNeither(t *testing.T) {
	dir := t.TempDir()
	vec, meta := filepath.Join(dir, "v.tsv"), filepath.Join(dir, "v_metadata.tsv")
	for _, p := range []string{vec, meta} {
		if err := os.WriteFile(p, []byte("old "+filepath.Base(p)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteFiles([]File{{vec, []byte("new vectors")}, {meta, []byte("new metadata")}}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{vec: "new vectors", meta: "new metadata"} {
		if b, _ := os.ReadFile(p); string(b) != want {
			t.Errorf("%s holds %q, want %q", filepath.Base(p), b, want)
		}
	}
	if got := names(t, dir); len(got) != 2 {
		t.Errorf("the folder holds %q, want only the two files", got)
	}

	// The second rename fails (its target became a non-empty folder): the
	// first file gets its old content back, and no temporary file is left.
	os.Remove(meta)
	if err := os.MkdirAll(filepath.Join(meta, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFiles([]File{{vec, []byte("newer vectors")}, {meta, []byte("newer metadata")}}); err == nil {
		t.Fatal("writing over a folder succeeded")
	}
	if b, _ := os.ReadFile(vec); string(b) != "new vectors" {
		t.Errorf("after the failed pair v.tsv holds %q, want the old %q", b, "new vectors")
	}
	if got := names(t, dir); !slices.Equal(got, []string{"v.tsv", "v_metadata.tsv"}) {
		t.Errorf("after the failed pair the folder holds %q", got)
	}

	// A first file that did not exist is removed again.
	os.Remove(vec)
	if err := WriteFiles([]File{{vec, []byte("v")}, {meta, []byte("m")}}); err == nil {
		t.Fatal("writing over a folder succeeded")
	}
	if _, err := os.Stat(vec); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("v.tsv exists after the failed pair: %v", err)
	}
}
