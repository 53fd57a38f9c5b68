package views

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/runs"
	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/progress"
)

// MaxNeighbours is the most nearest items one search returns.
const MaxNeighbours = 500

// Metric choices of the nearest-item search.
const (
	metricEuclidean = "Euclidean"
	metricCosine    = "cosine"
)

// nearestSearch is the Selection panel's nearest-item search: the N items
// nearest to the focused (or a typed) item in a chosen space.
type nearestSearch struct {
	env      *Env
	controls fyne.CanvasObject

	query, pcaK, count *widget.Entry
	space              *spacePicker
	metric             *widget.RadioGroup
	run, add           *widget.Button
	info, note         *widget.Label
	gallery            *Gallery

	relayout func() // lays the controls out again after a text changed
	seq      int
	result   *nearestResult
}

// nearestResult is one finished search.
type nearestResult struct {
	*service.NearestResult
	query     workspace.Ref
	fromFocus bool   // searched from the focused item, not a typed one
	note      string // how the distance is defined
}

func newNearestSearch(env *Env) *nearestSearch {
	s := &nearestSearch{env: env, relayout: func() {}}
	s.query = widget.NewEntry()
	s.query.SetPlaceHolder("the clicked item, or e.g. test 17")
	s.query.OnSubmitted = func(string) { s.start() }
	s.space = newSpacePicker(env, "selection.space", []string{spaceOptionPCA}, nil, nil)
	s.pcaK = entryWith("32")
	s.count = entryWith("10")
	s.metric = widget.NewRadioGroup([]string{metricEuclidean, metricCosine}, nil)
	s.metric.Horizontal = true
	s.metric.Required = true
	s.metric.SetSelected(metricEuclidean)
	s.run = widget.NewButtonWithIcon("Find nearest items", theme.SearchIcon(), s.start)
	s.run.Importance = widget.HighImportance
	s.add = widget.NewButtonWithIcon("Add them to the selection", theme.ContentAddIcon(), s.addToSelection)
	s.add.Disable()
	s.info = wrapLabel("")
	s.note = wrapLabel("")
	s.note.TextStyle.Italic = true
	s.gallery = NewGallery("nearest-items", env.Window)
	s.gallery.SetEmptyText("Click an item of the selection (or type one, left), then Find nearest items.")
	s.gallery.LinkSelection(env.Workspace, "Selection: nearest items")

	s.controls = container.NewVBox(
		bold("Nearest items"),
		stacked(widget.NewFormItem("Item", s.query), widget.NewFormItem("Space", s.space.Select)),
		widget.NewForm(
			widget.NewFormItem("PCA components", s.pcaK),
			widget.NewFormItem("Distance", s.metric),
			widget.NewFormItem("N", s.count),
		),
		s.run, s.info, s.add, s.note,
	)
	ws := env.Workspace
	ws.OnChange(func() {
		uiDo(func() {
			s.seq++ // a search under way answers for data that is gone
			s.result = nil
			s.gallery.SetItems("", nil)
			s.add.Disable()
			s.info.SetText("")
			s.note.SetText("")
		})
	})
	return s
}

// focusChanged searches again from the new focus when the results shown
// are those of the previous focus.
func (s *nearestSearch) focusChanged(focus workspace.Ref, ok bool) {
	r := s.result
	if !ok || r == nil || !r.fromFocus || r.query == focus || strings.TrimSpace(s.query.Text) != "" {
		return
	}
	s.start()
}

// fail shows why no search was started.
func (s *nearestSearch) fail(msg string) {
	s.info.Importance = widget.DangerImportance
	s.info.SetText(msg)
	s.relayout()
}

// start searches for the nearest items in a background job.
func (s *nearestSearch) start() {
	ws := s.env.Workspace
	ds := ws.Data()
	if ds == nil {
		s.fail("Open a data set first.")
		return
	}
	ref, fromFocus, err := s.queryRef(ds)
	var n, pcaK int
	if err == nil {
		n, err = positiveInt(s.count, "N", 1, MaxNeighbours)
	}
	spaceID := s.space.ID()
	if err == nil && spaceID == spaceOptionPCA {
		pcaK, err = positiveInt(s.pcaK, "The number of PCA components", 1, ds.Dim)
	}
	if err != nil {
		s.fail(err.Error())
		return
	}
	metric := "euclidean"
	if s.metric.Selected == metricCosine {
		metric = "cosine"
	}
	s.seq++
	seq := s.seq
	gen := ws.Generation()
	scaling := ws.Scaling()
	svc := s.env.Service
	s.info.Importance = widget.MediumImportance
	s.info.SetText(fmt.Sprintf("Searching for the %d items nearest to %v…", n, ref))
	var res *nearestResult
	s.env.Jobs.Start(fmt.Sprintf("nearest items to %v", ref), func(ctx context.Context, t *progress.Tracker) error {
		t.Stage("nearest items", 0)
		id, err := resolveSpaceID(ctx, svc, spaceID, pcaK, t)
		if err != nil {
			return err
		}
		r, err := svc.Nearest(ctx, service.NearestRequest{Space: id, Query: ref, N: n, Metric: metric})
		if err != nil {
			return err
		}
		res = &nearestResult{NearestResult: r, query: ref, fromFocus: fromFocus, note: distanceNote(ds, scaling, r.Space, r.Metric, r.Searched)}
		return nil
	}, func(err error) {
		if seq != s.seq {
			return
		}
		if err != nil {
			s.fail("The search did not finish: " + err.Error())
			return
		}
		if ws.Generation() != gen {
			s.fail("The data changed during the search: search again.")
			return
		}
		s.show(res)
	})
}

// queryRef returns the typed item, or the focused one when none is typed.
func (s *nearestSearch) queryRef(ds *dataset.Dataset) (ref workspace.Ref, fromFocus bool, err error) {
	text := strings.TrimSpace(s.query.Text)
	if text != "" {
		ref, err = parseRef(ds, text)
		return ref, false, err
	}
	f, ok := s.env.Workspace.Focus()
	if !ok {
		return ref, false, fmt.Errorf("nothing to search from: click an item in the selection gallery, or type one such as “train 17”")
	}
	if refPart(ds, f) == nil {
		return ref, false, fmt.Errorf("the clicked item %v is not in this data set", f)
	}
	return f, true, nil
}

// parseRef reads an item reference typed as the captions show it: the
// part and the original index, e.g. "test 17", "train #5", "TEST#17"; the
// part may be left out when the data set has only a training part.
func parseRef(ds *dataset.Dataset, text string) (workspace.Ref, error) {
	t := strings.ToLower(strings.TrimSpace(text))
	part := ""
	for _, p := range []string{"train", "test", "validation", "val"} {
		if strings.HasPrefix(t, p) {
			part, t = p, strings.TrimSpace(t[len(p):])
			break
		}
	}
	row, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(t, "#")))
	if err != nil {
		return workspace.Ref{}, fmt.Errorf("“%s” is not an item: type its part and original index, e.g. “train 17” or “test #17”", text)
	}
	switch part {
	case "validation", "val":
		return workspace.Ref{}, fmt.Errorf("validation items are rows of the training file: type “train %d” with the original index shown in their captions", row)
	case "":
		if ds.HasTest() {
			return workspace.Ref{}, fmt.Errorf("“%s”: say which part, “train %d” or “test %d”", text, row, row)
		}
		part = "train"
	}
	if part == "test" && !ds.HasTest() {
		return workspace.Ref{}, fmt.Errorf("this data set has no test part: its items are train #0 to train #%d", ds.Train.N-1)
	}
	r := workspace.Ref{Part: part, Row: row}
	if p := refPart(ds, r); p == nil {
		n := ds.Train.N
		if part == "test" {
			n = ds.Test.N
		}
		return workspace.Ref{}, fmt.Errorf("there is no %v: the %s part has rows 0 to %d", r, part, n-1)
	}
	return r, nil
}

// show lists the query and its nearest items with their distances.
func (s *nearestSearch) show(res *nearestResult) {
	ds := s.env.Workspace.Data()
	query, _ := RefThumb(ds, res.query, -1)
	thumbs := []Thumb{query}
	thumbs[0].Caption = "query: " + query.Caption
	for k, h := range res.Hits {
		th, _ := RefThumb(ds, h.Ref, k)
		th.Caption += fmt.Sprintf(" · d=%.4g", h.Dist)
		thumbs = append(thumbs, th)
	}
	s.gallery.SetItems(fmt.Sprintf("The %d items nearest to %s — %s space, %s distance", len(res.Hits), query.Caption, res.Space.Name, metricLabel(res.Metric)), thumbs)
	s.note.SetText(res.note)
	s.info.Importance = widget.MediumImportance
	s.info.SetText(fmt.Sprintf("Searched %s items in %s.", groupDigits(res.Searched), res.Took.Round(time.Millisecond)))
	setEnabled(s.add, len(res.Hits) > 0)
	s.relayout()
	s.result = res
}

// addToSelection adds the items found (not the query) to the selection.
func (s *nearestSearch) addToSelection() {
	r := s.result
	if r == nil || len(r.Hits) == 0 {
		return
	}
	refs := make([]workspace.Ref, len(r.Hits))
	for k, h := range r.Hits {
		refs[k] = h.Ref
	}
	s.env.Workspace.Select(refs, workspace.Add, fmt.Sprintf("Selection: items nearest to %v", r.query))
}

func metricLabel(m service.Metric) string {
	if m == service.Cosine {
		return metricCosine
	}
	return metricEuclidean
}

// distanceNote says how the distance of a search is defined.
func distanceNote(ds *dataset.Dataset, scaling dataset.Scaling, space *workspace.Space, m service.Metric, searched int) string {
	kind := "pixel"
	if !ds.IsImage() {
		kind = "feature"
	}
	var scaled string
	switch scaling {
	case dataset.ScaleNone:
		scaled = fmt.Sprintf("the raw %s values", kind)
	case dataset.ScaleDiv255:
		scaled = fmt.Sprintf("the /255-scaled %s values", kind)
	case dataset.ScalePixelStd:
		scaled = fmt.Sprintf("the %s values scaled x/255/(std+0.1), std per %s over the training split", kind, kind)
	default:
		scaled = fmt.Sprintf("the standardised (z-scored) %s values", kind)
	}
	var what string
	switch {
	case space.ID == workspace.PixelsSpace:
		what = fmt.Sprintf("%s (%d values per item)", scaled, space.Dim())
	case space.Kind == runs.KindPCA:
		what = fmt.Sprintf("the %s coordinates (the first %d principal components of %s)", space.Name, space.Dim(), scaled)
	default:
		what = fmt.Sprintf("the %s coordinates (%d values per item)", space.Name, space.Dim())
	}
	var note string
	if m == service.Cosine {
		note = "Cosine distance d = 1 − cos θ = 1 − a·b / (‖a‖‖b‖) between " + what +
			": 0 for the same direction, 1 at right angles, 2 for opposite directions; lengths do not count, and an all-zero vector is at distance 1 from everything."
	} else {
		note = "Euclidean distance d = √Σ(aᵢ − bᵢ)² between " + what + "."
	}
	return note + fmt.Sprintf(" Exact search over all %s items of every split, the query left out; equal distances go to the lower index.", groupDigits(searched))
}
