package views

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/service"
	"embedscope/ml/progress"
)

// ShowExportSpaceDialog exports a feature space of the workspace (the
// scaled pixels or any space a panel computed: PCA, the embedding, an
// autoencoder's code, GLRM, a t-SNE map) as CSV or as the TensorFlow
// projector's TSV pair, which File ▸ Open reads back.
func ShowExportSpaceDialog(env *Env) {
	ws := env.Workspace
	ds := ws.Data()
	if ds == nil {
		env.ShowError(fmt.Errorf("open a data set first"))
		return
	}
	choices := env.Service.Spaces()
	space := widget.NewSelect(service.SpaceLabels(choices), nil)
	space.SetSelected(choices[len(choices)-1].Label)
	format := widget.NewSelect([]string{"CSV", "TSV pair (projector)"}, nil)
	home := LastDir(DirExport)
	path := widget.NewEntry()
	suggest := func() {
		name := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
				return r
			}
			return '-'
		}, space.Selected)
		ext := ".csv"
		if strings.HasPrefix(format.Selected, "TSV") {
			ext = ".tsv"
		}
		dir := home
		if path.Text != "" {
			dir = filepath.Dir(path.Text)
		}
		path.SetText(filepath.Join(dir, name+ext))
	}
	space.OnChanged = func(string) { suggest() }
	format.OnChanged = func(string) { suggest() }
	format.SetSelected("CSV")
	note := widget.NewLabel("One row per item (train, validation, test) with its split, original index and class. The TSV pair is the vectors file and NAME_metadata.tsv beside it.")
	note.Wrapping = fyne.TextWrapWord
	browse := widget.NewButton("Choose folder…", func() {
		d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
			if err == nil && l != nil {
				path.SetText(filepath.Join(l.Path(), filepath.Base(path.Text)))
			}
		}, env.Window)
		if l, err := storage.ListerForURI(storage.NewFileURI(filepath.Dir(path.Text))); err == nil {
			d.SetLocation(l)
		}
		d.Show()
	})
	form := widget.NewForm(
		widget.NewFormItem("Space", space),
		widget.NewFormItem("Format", format),
		widget.NewFormItem("File", container.NewBorder(nil, nil, nil, browse, path)),
	)
	d := dialog.NewCustomConfirm("Export a feature space", "Export", "Cancel", container.NewVBox(form, note), func(ok bool) {
		if !ok {
			return
		}
		tsv := strings.HasPrefix(format.Selected, "TSV")
		p := strings.TrimSpace(path.Text)
		want := ".csv"
		if tsv {
			want = ".tsv"
		}
		if !strings.EqualFold(filepath.Ext(p), want) {
			env.ShowError(fmt.Errorf("the file name must end in %s for this format", want))
			return
		}
		c, ok := service.ChoiceByLabel(choices, space.Selected)
		if !ok {
			env.ShowError(fmt.Errorf("choose a space to export"))
			return
		}
		write := func() { RememberDir(DirExport, p); exportSpace(env, c, tsv, p) }
		if _, err := os.Stat(p); err == nil {
			confirmReplace(env.Window, p, write)
			return
		}
		write()
	}, env.Window)
	d.Resize(fyne.NewSize(640, 320))
	d.Show()
}

// exportSpace writes the space in a background job.
func exportSpace(env *Env, c service.SpaceChoice, tsv bool, path string) {
	req := service.ExportRequest{Space: c.ID, Format: "csv", Path: path}
	if tsv {
		req.Format = "tsv"
	}
	var res *service.ExportResult
	env.Jobs.Start("Export "+c.Label, func(ctx context.Context, t *progress.Tracker) error {
		t.Stage("writing "+path, 0)
		var err error
		res, err = env.Service.ExportSpace(ctx, req)
		return err
	}, func(err error) {
		if err != nil {
			return
		}
		wrote := fmt.Sprintf("Wrote %d × %d coordinates of %s to %s", res.Rows, res.Dim, res.Space, res.Path)
		if res.Metadata != "" {
			wrote += " and their labels to " + filepath.Base(res.Metadata)
		}
		env.Notify(wrote + ".")
		dialog.ShowInformation("Space exported", wrote+".", env.Window)
	})
}
