package views

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"embedscope/views/figures"
)

// The export dialog: a figure to PNG (at a chosen size and resolution),
// SVG or PDF, or to the clipboard. The path is typed (or its folder
// chosen) rather than taken from Fyne's save dialog, which empties an
// existing file before its callback runs: here the figure is rendered
// first and written through a temporary file renamed over the old one, so
// a failure loses nothing.

// exportSettings are what the dialog asks for.
type exportSettings struct {
	Path          string
	Width, Height vg.Length
	DPI           int
}

// parseExport checks the dialog's fields: a path with a known extension
// ("~" and relative names go to the home folder), sizes in inches in
// (0, 100], a resolution in [24, 1200] dots per inch.
func parseExport(path, width, height, dpi string) (exportSettings, error) {
	var s exportSettings
	p := strings.TrimSpace(path)
	if p == "" {
		return s, errors.New("type a file name for the figure")
	}
	home, _ := os.UserHomeDir()
	if p == "~" || strings.HasPrefix(p, "~/") {
		p = filepath.Join(home, p[1:])
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(home, p)
	}
	if err := figures.CheckFormat(filepath.Ext(p)); err != nil {
		return s, err
	}
	s.Path = filepath.Clean(p)
	num := func(text, what string, lo, hi float64) (float64, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil || v < lo || v > hi {
			return 0, fmt.Errorf("%s must be a number from %g to %g, got %q", what, lo, hi, text)
		}
		return v, nil
	}
	w, err := num(width, "The width (inches)", 0.5, 100)
	if err != nil {
		return s, err
	}
	h, err := num(height, "The height (inches)", 0.5, 100)
	if err != nil {
		return s, err
	}
	d, err := num(dpi, "The resolution (dpi)", 24, 1200)
	if err != nil {
		return s, err
	}
	s.Width, s.Height, s.DPI = vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch, int(d+0.5)
	if err := figures.CheckSize(s.Width, s.Height, filepath.Ext(s.Path), s.DPI); err != nil {
		return exportSettings{}, err
	}
	return s, nil
}

// ShowExportDialog asks where and how to export p (suggested name name,
// format ext, size w×h) and writes it, or copies it to the clipboard.
func ShowExportDialog(win fyne.Window, name string, p *plot.Plot, w, h vg.Length, ext string) {
	if p == nil || win == nil {
		return
	}
	home := LastDir(DirExport)
	path := widget.NewEntry()
	path.SetText(filepath.Join(home, name+ext))
	format := widget.NewSelect([]string{"PNG", "SVG", "PDF"}, nil)
	width := widget.NewEntry()
	height := widget.NewEntry()
	dpi := widget.NewEntry()
	width.SetText(strconv.FormatFloat(float64(w/vg.Inch), 'g', 4, 64))
	height.SetText(strconv.FormatFloat(float64(h/vg.Inch), 'g', 4, 64))
	dpi.SetText("150")
	pixels := widget.NewLabel("")
	update := func() {
		if s, err := parseExport(path.Text, width.Text, height.Text, dpi.Text); err == nil && strings.EqualFold(filepath.Ext(s.Path), ".png") {
			pixels.SetText(fmt.Sprintf("%d × %d pixels", int(float64(s.Width/vg.Inch)*float64(s.DPI)+0.5), int(float64(s.Height/vg.Inch)*float64(s.DPI)+0.5)))
			dpi.Enable()
		} else if err == nil {
			pixels.SetText("vector format: the resolution does not apply")
			dpi.Disable()
		} else {
			pixels.SetText("")
		}
	}
	format.OnChanged = func(f string) {
		cur := path.Text
		path.SetText(strings.TrimSuffix(cur, filepath.Ext(cur)) + "." + strings.ToLower(f))
		update()
	}
	format.SetSelected(strings.ToUpper(strings.TrimPrefix(ext, ".")))
	path.OnChanged = func(string) { update() }
	width.OnChanged, height.OnChanged, dpi.OnChanged = path.OnChanged, path.OnChanged, path.OnChanged
	update()
	browse := widget.NewButton("Choose folder…", func() {
		d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
			if err == nil && l != nil {
				path.SetText(filepath.Join(l.Path(), filepath.Base(path.Text)))
			}
		}, win)
		if l, err := storage.ListerForURI(storage.NewFileURI(filepath.Dir(path.Text))); err == nil {
			d.SetLocation(l)
		}
		d.Show()
	})
	copyBtn := widget.NewButton("Copy to clipboard", func() {
		s, err := parseExport(filepath.Join(home, "clip.png"), width.Text, height.Text, dpi.Text)
		if err != nil {
			dialog.ShowError(err, win)
			return
		}
		data, err := figures.EncodeDPI(p, s.Width, s.Height, ".png", s.DPI)
		if err != nil {
			dialog.ShowError(err, win)
			return
		}
		msg, err := copyImage(win, data)
		if err != nil {
			dialog.ShowError(err, win)
			return
		}
		dialog.ShowInformation("Figure copied", msg, win)
	})
	form := widget.NewForm(
		widget.NewFormItem("File", container.NewBorder(nil, nil, nil, browse, path)),
		widget.NewFormItem("Format", format),
		widget.NewFormItem("Width (in)", width),
		widget.NewFormItem("Height (in)", height),
		widget.NewFormItem("Resolution (dpi)", container.NewBorder(nil, nil, nil, pixels, dpi)),
	)
	content := container.NewVBox(form, container.NewHBox(copyBtn))
	var d *dialog.ConfirmDialog
	d = dialog.NewCustomConfirm("Export figure", "Save", "Cancel", content, func(ok bool) {
		if !ok {
			return
		}
		s, err := parseExport(path.Text, width.Text, height.Text, dpi.Text)
		if err != nil {
			dialog.ShowError(err, win)
			return
		}
		write := func() {
			RememberDir(DirExport, s.Path)
			busyDo(win, "Exporting figure", "Writing "+s.Path+"…", func() error { return writeFigure(p, s) }, func(err error) {
				if err != nil {
					dialog.ShowError(err, win)
					return
				}
				dialog.ShowInformation("Figure exported", "Saved "+s.Path, win)
			})
		}
		if _, err := os.Stat(s.Path); err == nil {
			confirmReplace(win, s.Path, write)
			return
		}
		write()
	}, win)
	path.OnSubmitted = func(string) { d.Confirm() }
	d.Resize(fyne.NewSize(640, 340))
	d.Show()
}

// confirmReplace asks before the file at path is overwritten, saying what
// is lost, and calls write when the user agrees.
func confirmReplace(win fyne.Window, path string, write func()) {
	dialog.ShowConfirm("Replace "+filepath.Base(path)+"?",
		fmt.Sprintf("A file named %s already exists in %s. Replacing it loses what it holds now.", filepath.Base(path), filepath.Dir(path)),
		func(ok bool) {
			if ok {
				write()
			}
		}, win)
}

// BusyHook, when set (by tests), is called on the UI goroutine when a
// busyDo's work has finished, after its done callback.
var BusyHook func()

// busyDo runs work off the UI goroutine while a modal dialog titled title
// says what is happening (with a moving bar), then closes it and calls
// done with work's error on the UI goroutine: an action of a few seconds
// (encoding a large figure) shows that it is busy and leaves the window
// responsive.
func busyDo(win fyne.Window, title, what string, work func() error, done func(error)) {
	bar := widget.NewProgressBarInfinite()
	msg := widget.NewLabel(what)
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomWithoutButtons(title, container.NewVBox(msg, bar), win)
	d.Resize(fyne.NewSize(480, 120))
	d.Show()
	go func() {
		err := work()
		uiDo(func() {
			bar.Stop()
			d.Hide()
			done(err)
			if BusyHook != nil {
				BusyHook()
			}
		})
	}()
}

// writeFigure renders p as s asks and writes it atomically.
func writeFigure(p *plot.Plot, s exportSettings) error {
	data, err := figures.EncodeDPI(p, s.Width, s.Height, filepath.Ext(s.Path), s.DPI)
	if err != nil {
		return err
	}
	return figures.WriteFileAtomic(s.Path, data)
}

// copyImage puts a PNG on the system clipboard with wl-copy (Wayland) or
// xclip (X11). Fyne's clipboard holds text only, so without either tool
// the PNG is written to a temporary file and its path copied instead; the
// message says which happened.
func copyImage(win fyne.Window, png []byte) (string, error) {
	type tool struct {
		name string
		args []string
		when bool
	}
	for _, t := range []tool{
		{"wl-copy", []string{"--type", "image/png"}, os.Getenv("WAYLAND_DISPLAY") != ""},
		{"xclip", []string{"-selection", "clipboard", "-t", "image/png", "-i"}, os.Getenv("DISPLAY") != ""},
	} {
		if !t.when {
			continue
		}
		bin, err := exec.LookPath(t.name)
		if err != nil {
			continue
		}
		cmd := exec.Command(bin, t.args...)
		cmd.Stdin = bytes.NewReader(png)
		if err := cmd.Start(); err != nil {
			continue
		}
		// xclip stays to serve the selection; it is not waited for.
		go cmd.Wait()
		return "The figure is on the clipboard as a PNG image; paste it into a document or chat.", nil
	}
	f, err := os.CreateTemp("", "embedscope-figure-*.png")
	if err != nil {
		return "", fmt.Errorf("cannot copy the figure: %w", err)
	}
	_, werr := f.Write(png)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("cannot copy the figure: %w", werr)
	}
	fyne.CurrentApp().Clipboard().SetContent(f.Name())
	return fmt.Sprintf("No image clipboard tool was found (install xclip, or wl-clipboard on Wayland), so the figure was saved to %s and that path was copied.", f.Name()), nil
}
