package views

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"gonum.org/v1/plot/vg"

	"embedscope/views/figures"
)

func TestParseExport(t *testing.T) {
	home, _ := os.UserHomeDir()
	s, err := parseExport("~/figs/a.png", "4", "3", "200")
	if err != nil {
		t.Fatal(err)
	}
	if s.Path != filepath.Join(home, "figs/a.png") || s.Width != 4*vg.Inch || s.Height != 3*vg.Inch || s.DPI != 200 {
		t.Errorf("parsed %+v", s)
	}
	if s, _ := parseExport("b.svg", "4", "3", "96"); s.Path != filepath.Join(home, "b.svg") {
		t.Errorf("relative name went to %s", s.Path)
	}
	for _, c := range []struct{ path, w, h, dpi, want string }{
		{"", "4", "3", "96", "file name"},
		{"/tmp/a.gif", "4", "3", "96", "use one of"},
		{"/tmp/a", "4", "3", "96", "no extension"},
		{"/tmp/a.png", "0", "3", "96", "width"},
		{"/tmp/a.png", "4", "x", "96", "height"},
		{"/tmp/a.png", "4", "3", "5000", "resolution"},
		{"/tmp/a.png", "100", "100", "1200", "too large"},
	} {
		if _, err := parseExport(c.path, c.w, c.h, c.dpi); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", c, err, c.want)
		}
	}
}

// TestWriteFigureAtDPI writes a PNG whose pixel size follows the chosen
// size and resolution, replacing an older file only once the new one is
// complete.
func TestWriteFigureAtDPI(t *testing.T) {
	p := figures.New("A figure", "x", "y")
	path := filepath.Join(t.TempDir(), "f.png")
	os.WriteFile(path, []byte("old"), 0o644)
	if err := writeFigure(p, exportSettings{Path: path, Width: 4 * vg.Inch, Height: 3 * vg.Inch, DPI: 200}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if sz := img.Bounds().Size(); sz.X != 800 || sz.Y != 600 {
		t.Errorf("PNG of %v pixels, want 800×600", sz)
	}
	// A folder that does not exist: an error, and nothing written.
	bad := filepath.Join(t.TempDir(), "missing", "f.pdf")
	if err := writeFigure(p, exportSettings{Path: bad, Width: 4 * vg.Inch, Height: 3 * vg.Inch, DPI: 96}); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}

// TestCopyImageWithoutTool: with no display tool the PNG lands in a
// temporary file whose path goes on the (text) clipboard.
func TestCopyImageWithoutTool(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	env := newTestEnv(t)
	msg, err := copyImage(env.Window, []byte("\x89PNG fake"))
	if err != nil {
		t.Fatal(err)
	}
	path := fyne.CurrentApp().Clipboard().Content()
	defer os.Remove(path)
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "\x89PNG fake" || !strings.Contains(msg, path) {
		t.Errorf("clipboard %q, message %q, file %q (%v)", path, msg, b, err)
	}
}
