package views

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/progress"
)

// The quality table of every space of the open data: the pixels and every
// run, scored by service.QualityRow in a background job per space, one
// after the other; rows saved in the runs' records from earlier sessions
// are shown at once.

// qualityEntry is one line of the table.
type qualityEntry struct {
	choice service.SpaceChoice
	row    *service.QualityRow
	state  string // "queued", "computing…", an error, or "" when done or not asked
}

// qualityColumn is a column of the table: a title, a width, the text of a
// line and its sort value (NaN: missing, sorted last; nil: sort by text).
type qualityColumn struct {
	title string
	width float32
	text  func(e qualityEntry) string
	value func(e qualityEntry) float64
}

// qualityColumns are the table's columns.
var qualityColumns = []qualityColumn{
	{"Space", 210, func(e qualityEntry) string { return e.choice.Label }, nil},
	{"Kind", 100, func(e qualityEntry) string { return e.choice.Kind }, nil},
	{"Dim", 50, func(e qualityEntry) string { return fmt.Sprint(e.choice.Dim) }, func(e qualityEntry) float64 { return float64(e.choice.Dim) }},
	qualityNumber("kNN(5) val", 82, func(r *service.QualityRow) float64 { return optional(r.KNN5Val) }, "%.4f"),
	qualityNumber("kNN(5) test", 82, func(r *service.QualityRow) float64 { return optional(r.KNN5Test) }, "%.4f"),
	qualityNumber("T(5)", 62, func(r *service.QualityRow) float64 { return r.Trust5 }, "%.4f"),
	qualityNumber("T(10)", 62, func(r *service.QualityRow) float64 { return r.Trust10 }, "%.4f"),
	qualityNumber("C(5)", 62, func(r *service.QualityRow) float64 { return r.Continuity5 }, "%.4f"),
	qualityNumber("C(10)", 62, func(r *service.QualityRow) float64 { return r.Continuity10 }, "%.4f"),
	qualityNumber("Agreement", 82, func(r *service.QualityRow) float64 { return r.AgreementPixels }, "%.4f"),
	qualityNumber("Purity", 62, func(r *service.QualityRow) float64 { return r.Purity }, "%.3f"),
	qualityNumber("NMI", 58, func(r *service.QualityRow) float64 { return r.NMI }, "%.3f"),
	{"Run time", 76, func(e qualityEntry) string {
		if e.choice.Kind == workspace.PixelsSpace {
			return "—"
		}
		if r, ok := qualityRunSeconds(e); ok {
			return formatDuration(time.Duration(r * float64(time.Second)))
		}
		return "—"
	}, func(e qualityEntry) float64 {
		if r, ok := qualityRunSeconds(e); ok {
			return r
		}
		return math.NaN()
	}},
	{"Scored in", 150, func(e qualityEntry) string {
		if e.state != "" {
			return e.state
		}
		if e.row == nil {
			return "not yet"
		}
		return formatDuration(time.Duration(e.row.Seconds * float64(time.Second)))
	}, nil},
}

// qualityNumber is a column of a number of the row.
func qualityNumber(title string, width float32, f func(r *service.QualityRow) float64, format string) qualityColumn {
	value := func(e qualityEntry) float64 {
		if e.row == nil {
			return math.NaN()
		}
		return f(e.row)
	}
	return qualityColumn{title, width, func(e qualityEntry) string {
		if v := value(e); !math.IsNaN(v) {
			return fmt.Sprintf(format, v)
		}
		return "—"
	}, value}
}

func optional(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

func qualityRunSeconds(e qualityEntry) (float64, bool) {
	if e.row != nil && e.row.RunSeconds > 0 {
		return e.row.RunSeconds, true
	}
	return 0, false
}

type qualityView struct {
	env     *Env
	content fyne.CanvasObject
	table   *widget.Table
	list    []qualityEntry
	rows    map[string]service.QualityRow // computed in this session, by space ID
	state   map[string]string
	queue   []string
	busy    bool
	sample  int // QualityRequest.Sample (0: the default)
	sortCol int
	desc    bool
	info    *widget.Label
	compute *widget.Button
	export  *widget.Button
}

func newQualityView(env *Env) *qualityView {
	q := &qualityView{env: env, rows: map[string]service.QualityRow{}, state: map[string]string{}, sortCol: -1}
	q.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(q.list), len(qualityColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(q.list) {
				o.(*widget.Label).SetText(qualityColumns[id.Col].text(q.list[id.Row]))
			}
		})
	q.table.ShowHeaderColumn = false
	q.table.CreateHeader = func() fyne.CanvasObject { return widget.NewButton("", nil) }
	q.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col < 0 || id.Col >= len(qualityColumns) {
			return
		}
		b := o.(*widget.Button)
		title := qualityColumns[id.Col].title
		if id.Col == q.sortCol {
			title += map[bool]string{true: " ▼", false: " ▲"}[q.desc]
		}
		b.SetText(title)
		col := id.Col
		b.OnTapped = func() { q.sortBy(col) }
	}
	for i, c := range qualityColumns {
		q.table.SetColumnWidth(i, c.width)
	}
	q.info = wrapLabel("")
	q.compute = widget.NewButtonWithIcon("Compute missing rows", theme.MediaPlayIcon(), q.computeMissing)
	q.compute.Importance = widget.HighImportance
	q.export = widget.NewButtonWithIcon("Export CSV…", theme.DocumentSaveIcon(), q.exportCSV)
	note := wrapLabel("Every space over all items: kNN(5) accuracy on the validation and test splits (fitted on the training split); trustworthiness T and continuity C of its 5 and 10 nearest neighbours against the pixels (on a sample of 5,000 items above 10,000); mean agreement of its 10 nearest neighbours with the pixels'; k-means (k = classes) purity and NMI on the training split; the run's compute time. Rows are saved in the runs' records (Runs panel). Click a title to sort.")
	bar := container.NewHBox(q.compute, q.export)
	q.content = container.NewBorder(container.NewVBox(note, bar, q.info), nil, nil, nil, q.table)
	env.Service.OnRunsChange(func() { uiDo(q.reload) })
	env.Workspace.OnChange(func() {
		uiDo(func() {
			q.rows, q.state, q.queue = map[string]service.QualityRow{}, map[string]string{}, nil
			q.reload()
		})
	})
	q.reload()
	return q
}

// reload lists the spaces of the open data with their rows: computed in
// this session, else saved in the run's record.
func (q *qualityView) reload() {
	q.list = q.list[:0]
	for _, c := range q.env.Service.Spaces() {
		e := qualityEntry{choice: c, state: q.state[c.ID]}
		if r, ok := q.rows[c.ID]; ok {
			e.row = &r
		} else if rec, ok := q.env.Service.Run(c.ID); ok {
			if r, ok := service.QualityFromRecord(rec); ok {
				e.row = &r
			}
		}
		if e.row != nil {
			e.row.Name = c.Label // a rename shows at once
		}
		q.list = append(q.list, e)
	}
	q.sortList()
	missing := 0
	for _, e := range q.list {
		if e.row == nil {
			missing++
		}
	}
	switch {
	case q.env.Workspace.Data() == nil:
		q.info.SetText("Open a data set first.")
	case q.busy:
		q.info.SetText(fmt.Sprintf("Scoring the spaces one after the other (%d left); the status bar shows the progress.", len(q.queue)+1))
	default:
		q.info.SetText(fmt.Sprintf("%d spaces, %d without a row yet.", len(q.list), missing))
	}
	setEnabled(q.compute, !q.busy && missing > 0)
	setEnabled(q.export, len(q.list) > missing)
	q.table.Refresh()
}

func (q *qualityView) sortBy(col int) {
	if col == q.sortCol {
		q.desc = !q.desc
	} else {
		q.sortCol, q.desc = col, col >= 2
	}
	q.reload()
}

func (q *qualityView) sortList() {
	if q.sortCol < 0 {
		return
	}
	c := qualityColumns[q.sortCol]
	sort.SliceStable(q.list, func(i, j int) bool {
		a, b := q.list[i], q.list[j]
		if c.value == nil {
			if q.desc {
				return c.text(a) > c.text(b)
			}
			return c.text(a) < c.text(b)
		}
		x, y := c.value(a), c.value(b)
		switch {
		case math.IsNaN(x) || math.IsNaN(y):
			return !math.IsNaN(x) && math.IsNaN(y)
		case q.desc:
			return x > y
		}
		return x < y
	})
}

// computeMissing queues every space without a row (the pixels first) and
// scores them one after the other, a job each.
func (q *qualityView) computeMissing() {
	q.queue = q.queue[:0]
	for _, c := range q.env.Service.Spaces() {
		if _, ok := q.rows[c.ID]; ok {
			continue
		}
		if rec, ok := q.env.Service.Run(c.ID); ok {
			if _, ok := service.QualityFromRecord(rec); ok {
				continue
			}
		}
		q.queue = append(q.queue, c.ID)
		q.state[c.ID] = "queued"
	}
	q.next()
}

// next scores the first queued space.
func (q *qualityView) next() {
	if len(q.queue) == 0 {
		q.busy = false
		q.reload()
		return
	}
	id := q.queue[0]
	q.queue = q.queue[1:]
	q.busy = true
	q.state[id] = "computing…"
	name := id
	if c, ok := service.ChoiceByID(q.env.Service.Spaces(), id); ok {
		name = c.Label
	}
	q.reload()
	svc := q.env.Service
	gen, sample := q.env.Workspace.Generation(), q.sample
	var row service.QualityRow
	q.env.Jobs.Start("Quality of "+name, func(ctx context.Context, t *progress.Tracker) error {
		var err error
		row, err = svc.QualityRow(ctx, service.QualityRequest{Space: id, Sample: sample}, t)
		return err
	}, func(err error) {
		if gen != q.env.Workspace.Generation() {
			q.busy = false
			return
		}
		delete(q.state, id)
		if err != nil {
			q.state[id] = "failed: " + err.Error()
		} else {
			q.rows[id] = row
		}
		q.next()
	})
}

// Rows returns the rows shown, in the table's order.
func (q *qualityView) Rows() []service.QualityRow {
	var out []service.QualityRow
	for _, e := range q.list {
		if e.row != nil {
			out = append(out, *e.row)
		}
	}
	return out
}

// exportCSV saves the table's rows as CSV.
func (q *qualityView) exportCSV() {
	b, err := service.EncodeQualityCSV(q.Rows())
	if err != nil {
		q.env.ShowError(err)
		return
	}
	q.env.saveBytesAs("quality-of-runs.csv", b, "the quality table")
}
