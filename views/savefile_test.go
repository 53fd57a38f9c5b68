package views

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteSaved: what an export's save dialog does with the chosen path
// writes the bytes there, says so in the status bar, and on a failure
// keeps the old file and says nothing was saved.
func TestWriteSaved(t *testing.T) {
	env := newTestEnv(t)
	var notes []string
	env.OnNote = func(s string) { notes = append(notes, s) }
	path := filepath.Join(t.TempDir(), "map.csv")
	env.writeSaved(path, []byte("split,index\n"), "the map")
	if b, err := os.ReadFile(path); err != nil || string(b) != "split,index\n" {
		t.Fatalf("file holds %q (%v)", b, err)
	}
	if len(notes) != 1 || notes[0] != "Saved the map to "+path {
		t.Fatalf("notes %q", notes)
	}
	// A folder that does not exist: an error, no note, nothing written.
	bad := filepath.Join(t.TempDir(), "missing", "map.csv")
	env.writeSaved(bad, []byte("x"), "the map")
	if len(notes) != 1 {
		t.Errorf("a failed write was noted: %q", notes)
	}
	if _, err := os.Stat(bad); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("the failed write left %s (%v)", bad, err)
	}
}
