package views

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/runs"
	"embedscope/app/service"
	"embedscope/ml/progress"
)

var runsPanel = Panel{
	ID:    "runs",
	Title: "Runs",
	Intro: "Every space and model computed on this data set — by this window or by the embedscope command — kept side by side in the run folder: its settings, status, quality and time. Rename, delete, export, train again, or show a training to resume it. Every panel's space list offers these runs by name.",
	View:  func(env *Env) fyne.CanvasObject { return newRunsView(env).content },
}

// runColumns are the columns of the runs table: a title, a width, and the
// text and sort key of a run.
var runColumns = []struct {
	title string
	width float32
	text  func(r runs.Record) string
	key   func(r runs.Record) string
}{
	{"Name", 250, func(r runs.Record) string { return r.Name }, func(r runs.Record) string { return strings.ToLower(r.Name) }},
	{"Kind", 100, func(r runs.Record) string { return r.Kind }, func(r runs.Record) string { return r.Kind }},
	{"Status", 175, func(r runs.Record) string { return r.StatusText() }, func(r runs.Record) string { return r.StatusText() }},
	{"kNN(5) val", 100, metricCell("knn5_val"), metricKey("knn5_val")},
	{"kNN(5) test", 100, metricCell("knn5_test"), metricKey("knn5_test")},
	{"Quality", 250, qualityText, qualityText},
	{"Time", 100, func(r runs.Record) string { return formatDuration(time.Duration(r.Seconds * float64(time.Second))) },
		func(r runs.Record) string { return fmt.Sprintf("%012.1f", r.Seconds) }},
	{"Created", 140, func(r runs.Record) string { return r.Created.Local().Format("2006-01-02 15:04") },
		func(r runs.Record) string { return r.Created.UTC().Format("2006-01-02T15:04:05.000000000") }},
}

func metricCell(name string) func(runs.Record) string {
	return func(r runs.Record) string {
		if v, ok := r.Metrics[name]; ok {
			return fmt.Sprintf("%.4f", v)
		}
		return "—"
	}
}

func metricKey(name string) func(runs.Record) string {
	return func(r runs.Record) string {
		if v, ok := r.Metrics[name]; ok {
			return fmt.Sprintf("%09.6f", v)
		}
		return ""
	}
}

// qualityText is the quality figure of a run of a kind without kNN
// accuracies: a map's 5-NN and trustworthiness, a clustering's purity
// and NMI, PCA's explained variance, GLRM's objective.
func qualityText(r runs.Record) string {
	m := r.Metrics
	var parts []string
	add := func(key, format string) {
		if v, ok := m[key]; ok {
			parts = append(parts, fmt.Sprintf(format, v))
		}
	}
	add("knn5_map", "5-NN map %.4f")
	add("trustworthiness5", "trust %.4f")
	add("trust10_pixels", "T(10) %.4f")
	add("agreement_pixels", "agreement %.3f")
	add("purity_weighted", "purity %.3f")
	add("nmi", "NMI %.3f")
	if v, ok := m["explained_variance"]; ok {
		parts = append(parts, fmt.Sprintf("variance %.1f %%", 100*v))
	}
	add("recon_mse", "MSE %.4f")
	add("objective", "objective %.4g")
	if len(parts) == 0 {
		add("final_loss", "loss %.4f")
	}
	return strings.Join(parts, " · ")
}

type runsView struct {
	env     *Env
	content fyne.CanvasObject
	table   *widget.Table
	list    []runs.Record
	sortCol int   // index in runColumns
	cols    []int // the columns shown (indices in runColumns): all, or without time and date when narrow
	width   float32
	desc    bool
	sel     int // selected row, −1 when none
	info    *widget.Label
	folder  *widget.Label

	rename, remove, again, show, export *widget.Button
}

func newRunsView(env *Env) *runsView {
	v := &runsView{env: env, sortCol: len(runColumns) - 1, desc: true, sel: -1}
	for i := range runColumns {
		v.cols = append(v.cols, i)
	}
	v.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(v.list), len(v.cols) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(v.list) {
				o.(*widget.Label).SetText(runColumns[v.cols[id.Col]].text(v.list[id.Row]))
			}
		})
	v.table.ShowHeaderColumn = false
	v.table.CreateHeader = func() fyne.CanvasObject { return widget.NewButton("", nil) }
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		b := o.(*widget.Button)
		if id.Col < 0 || id.Col >= len(v.cols) {
			return
		}
		col := v.cols[id.Col]
		title := runColumns[col].title
		if col == v.sortCol {
			if v.desc {
				title += " ▼"
			} else {
				title += " ▲"
			}
		}
		b.SetText(title)
		b.OnTapped = func() { v.sortBy(col) }
	}
	v.fitColumns(1e6)
	v.table.OnSelected = func(id widget.TableCellID) {
		v.sel = id.Row
		v.updateButtons()
	}
	v.info = wrapLabel("")
	v.folder = wrapLabel("")
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), func() {
		if err := env.Service.Refresh(); err != nil {
			env.ShowError(err)
		}
	})
	folder := widget.NewButtonWithIcon("Folder…", theme.FolderOpenIcon(), v.chooseFolder)
	v.rename = widget.NewButtonWithIcon("Rename…", theme.DocumentCreateIcon(), v.renameRun)
	v.remove = widget.NewButtonWithIcon("Delete…", theme.DeleteIcon(), v.deleteRun)
	v.again = widget.NewButtonWithIcon("Train again", theme.MediaReplayIcon(), v.trainAgain)
	v.show = widget.NewButtonWithIcon("Show", theme.VisibilityIcon(), v.showRun)
	v.export = widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), v.exportRun)
	bar := container.NewHBox(refresh, folder, widget.NewSeparator(), v.show, v.rename, v.again, v.export, v.remove)
	v.content = container.NewBorder(container.NewVBox(container.NewHScroll(bar), v.info), v.folder, nil, nil,
		container.New(runsTableLayout{v}, v.table))
	env.Service.OnRunsChange(func() { uiDo(v.reload) })
	env.Workspace.OnChange(func() { uiDo(v.reload) })
	v.reload()
	return v
}

// reload lists the runs of the open data set again, keeping the order and
// the selected run.
func (v *runsView) reload() {
	selID := ""
	if v.sel >= 0 && v.sel < len(v.list) {
		selID = v.list[v.sel].ID
	}
	v.list = v.env.Service.Runs()
	v.sortList()
	v.sel = -1
	for i, r := range v.list {
		if r.ID == selID {
			v.sel = i
		}
	}
	dir := "memory only (no run folder)"
	if st := v.env.Service.Store(); st != nil {
		dir = st.Dir
	}
	v.folder.SetText("Run folder: " + dir + " — the embedscope command keeps its runs there too (embedscope runs list).")
	if v.env.Workspace.Data() == nil {
		v.info.SetText("Open a data set to see its runs.")
	} else if len(v.list) == 0 {
		v.info.SetText("No runs of this data set yet: fit PCA, train a network, make a map or cluster, and each becomes a run here.")
	} else {
		v.info.SetText(fmt.Sprintf("%s of %s. Click a column title to sort.", runCount(len(v.list)), v.env.Workspace.Data().Name))
	}
	v.table.Refresh()
	v.updateButtons()
}

func (v *runsView) sortBy(col int) {
	if col == v.sortCol {
		v.desc = !v.desc
	} else {
		v.sortCol, v.desc = col, col >= 3
	}
	v.reload()
}

func (v *runsView) sortList() {
	key := runColumns[v.sortCol].key
	sort.SliceStable(v.list, func(i, j int) bool {
		a, b := key(v.list[i]), key(v.list[j])
		if v.desc {
			return a > b
		}
		return a < b
	})
}

// selected returns the selected run.
func (v *runsView) selected() (runs.Record, bool) {
	if v.sel < 0 || v.sel >= len(v.list) {
		return runs.Record{}, false
	}
	return v.list[v.sel], true
}

func (v *runsView) updateButtons() {
	r, ok := v.selected()
	v.showSelected(r, ok)
	training := ok && (r.Kind == runs.KindEmbedding || r.Kind == runs.KindAutoencoder)
	setEnabled(v.rename, ok && r.Status != runs.Damaged)
	setEnabled(v.remove, ok)
	setEnabled(v.again, training && len(r.Config) > 0)
	setEnabled(v.show, ok && r.Status != runs.Damaged)
	setEnabled(v.export, ok && (r.Space != nil || r.Model != ""))
}

func (v *runsView) renameRun() {
	r, ok := v.selected()
	if !ok {
		return
	}
	e := widget.NewEntry()
	e.SetText(r.Name)
	dialog.ShowForm("Rename the run", "Rename", "Cancel", []*widget.FormItem{widget.NewFormItem("Name", e)}, func(ok bool) {
		if !ok {
			return
		}
		if err := v.env.Service.Rename(r.ID, e.Text); err != nil {
			v.env.ShowError(err)
		}
	}, v.env.Window)
}

func (v *runsView) deleteRun() {
	r, ok := v.selected()
	if !ok {
		return
	}
	what := "its record"
	if r.Space != nil {
		what += ", its coordinates"
	}
	if r.Model != "" {
		what += " and its model"
	}
	dialog.ShowConfirm("Delete the run?", fmt.Sprintf("Delete %s (%s, %s)?\n\n%s will be removed from the run folder; panels that use it fall back to the pixels. This cannot be undone.",
		r.Name, r.Kind, r.StatusText(), strings.ToUpper(what[:1])+what[1:]), func(ok bool) {
		if !ok {
			return
		}
		if err := v.env.Service.Delete(r.ID); err != nil {
			v.env.ShowError(err)
		}
	}, v.env.Window)
}

func (v *runsView) trainAgain() {
	r, ok := v.selected()
	if !ok || v.env.trainAgain == nil {
		return
	}
	req, err := service.ConfigOf(r)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	v.env.trainAgain(req.Config)
	if v.env.ShowPanel != nil {
		v.env.ShowError(v.env.ShowPanel("embedding"))
	}
}

// runPanels is the panel that shows a run of each kind.
var runPanels = map[string]string{
	runs.KindPCA: "pca", runs.KindEmbedding: "embedding", runs.KindAutoencoder: "embedding",
	runs.KindGLRM: "lowrank", runs.KindTSNE: "maps", runs.KindUMAP: "maps", runs.KindKMeans: "clusters",
}

// showRun opens the panel of the run's kind; a training is shown there,
// ready to resume or publish.
func (v *runsView) showRun() {
	r, ok := v.selected()
	if !ok {
		return
	}
	if (r.Kind == runs.KindEmbedding || r.Kind == runs.KindAutoencoder) && v.env.showRun != nil {
		if err := v.env.showRun(r.ID); err != nil {
			v.env.ShowError(err)
			return
		}
	}
	if p, ok := runPanels[r.Kind]; ok && v.env.ShowPanel != nil {
		v.env.ShowError(v.env.ShowPanel(p))
	}
}

// exportRun writes the run's coordinates (CSV or TSV pair) or its model.
func (v *runsView) exportRun() {
	r, ok := v.selected()
	if !ok {
		return
	}
	var formats []string
	if r.Space != nil && r.Data.Same(v.env.Service.Fingerprint()) {
		formats = append(formats, "CSV", "TSV pair (projector)")
	}
	if r.Model != "" {
		formats = append(formats, "model file")
	}
	if len(formats) == 0 {
		v.env.ShowError(fmt.Errorf("%s has nothing to export on this split and scaling", r.Name))
		return
	}
	format := widget.NewSelect(formats, nil)
	format.SetSelected(formats[0])
	dialog.ShowForm("Export "+r.Name, "Choose file…", "Cancel", []*widget.FormItem{widget.NewFormItem("What", format)}, func(ok bool) {
		if !ok {
			return
		}
		ext := map[string]string{"CSV": ".csv", "TSV pair (projector)": ".tsv", "model file": ".esm"}[format.Selected]
		if r.Model != "" && r.Model != "embed" && format.Selected == "model file" {
			ext = ".bin"
		}
		askSavePath(v.env.Window, DirExport, safeFileName(r.Name)+ext, func(path string) {
			v.writeExport(r, format.Selected, path)
		})
	}, v.env.Window)
}

func (v *runsView) writeExport(r runs.Record, format, path string) {
	svc := v.env.Service
	var msg string
	v.env.Jobs.Start("Export "+r.Name, func(ctx context.Context, t *progress.Tracker) error {
		t.Stage("writing "+path, 0)
		if format == "model file" {
			n, err := svc.ExportModel(r.ID, path)
			msg = fmt.Sprintf("Wrote the model of %s (%d bytes) to %s.", r.Name, n, path)
			return err
		}
		req := service.ExportRequest{Space: r.ID, Format: "csv", Path: path}
		if strings.HasPrefix(format, "TSV") {
			req.Format = "tsv"
		}
		res, err := svc.ExportSpace(ctx, req)
		if err == nil {
			msg = fmt.Sprintf("Wrote %d × %d coordinates of %s to %s.", res.Rows, res.Dim, r.Name, filepath.Base(path))
		}
		return err
	}, func(err error) {
		if err == nil {
			dialog.ShowInformation("Exported", msg, v.env.Window)
		}
	})
}

// chooseFolder changes the folder the runs are kept in.
func (v *runsView) chooseFolder() {
	if v.env.SetRunsDir == nil {
		return
	}
	d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
		if err != nil || l == nil {
			return
		}
		if err := v.env.SetRunsDir(l.Path()); err != nil {
			v.env.ShowError(err)
		}
	}, v.env.Window)
	if st := v.env.Service.Store(); st != nil {
		if l, err := storage.ListerForURI(storage.NewFileURI(st.Dir)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}

// safeFileName keeps letters, digits and dashes of a name.
func safeFileName(name string) string {
	s := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, name)
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	return strings.Trim(s, "-")
}

// narrowColumns are the columns left out when the table is narrower than
// all columns together (Time and Created: the selected run's line above
// the table names them).
var narrowColumns = map[string]bool{"Time": true, "Created": true}

// runsFlexColumn is the column that takes the width the others leave.
const runsFlexColumn = "Quality"

// fitColumns sets the columns for a table width w: all of them when they
// fit, else all but narrowColumns; the Quality column takes what the
// others leave (at least its own width).
func (v *runsView) fitColumns(w float32) {
	if w == v.width {
		return
	}
	v.width = w
	// Room for the table's borders and a vertical scroll bar.
	avail := w - 2*theme.Padding() - theme.ScrollBarSize()
	total := float32(0)
	for _, c := range runColumns {
		total += c.width
	}
	cols := make([]int, 0, len(runColumns))
	for i, c := range runColumns {
		if total <= avail || !narrowColumns[c.title] {
			cols = append(cols, i)
		}
	}
	fixed := float32(0)
	for _, i := range cols {
		if runColumns[i].title != runsFlexColumn {
			fixed += runColumns[i].width
		}
	}
	v.cols = cols
	// Room for the dividers between the columns.
	avail -= float32(len(cols)+1) * theme.SeparatorThicknessSize()
	for j, i := range cols {
		width := runColumns[i].width
		if runColumns[i].title == runsFlexColumn {
			width = max(width, avail-fixed)
		}
		v.table.SetColumnWidth(j, width)
	}
	v.table.Refresh()
}

// showSelected names the selected run's time and creation date (the
// columns a narrow table leaves out) in the line above the table.
func (v *runsView) showSelected(r runs.Record, ok bool) {
	if !ok || v.env.Workspace.Data() == nil {
		return
	}
	v.info.SetText(fmt.Sprintf("%s of %s. Selected: %s — created %s, computed in %s. Click a column title to sort.",
		runCount(len(v.list)), v.env.Workspace.Data().Name, r.Name, r.Created.Local().Format("2006-01-02 15:04"),
		formatDuration(time.Duration(r.Seconds*float64(time.Second)))))
}

// runsTableLayout gives the runs table all of its space and fits its
// columns to the width.
type runsTableLayout struct{ v *runsView }

func (l runsTableLayout) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

func (l runsTableLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.v.fitColumns(size.Width)
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
}

// runCount is "1 run" or "n runs".
func runCount(n int) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs", n)
}
