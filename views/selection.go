package views

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/workspace"
	"embedscope/ml/dataset"
)

var selectionPanel = Panel{
	ID:    "selection",
	Title: "Selection",
	Intro: "The items selected in any scatter (box or lasso; shift adds) or gallery, by their original index: isolate them in every scatter, or find the items nearest to one of them in pixels, PCA or a learned space.",
	View:  func(env *Env) fyne.CanvasObject { return newSelectionView(env).content },
}

// SelectionGallerySize is the most items the selection gallery shows.
const SelectionGallerySize = 300

type selectionView struct {
	env     *Env
	content fyne.CanvasObject
	left    *sidePanel // the controls

	summary, focusInfo              *widget.Label
	isolate, showAll, clear, remove *widget.Button
	gallery                         *Gallery
	shown                           []workspace.Ref // the items the gallery shows, in order
	shownData                       *dataset.Dataset

	search *nearestSearch // selection_search.go
}

func newSelectionView(env *Env) *selectionView {
	v := &selectionView{env: env}
	ws := env.Workspace
	v.summary = wrapLabel("")
	v.focusInfo = wrapLabel("")
	v.isolate = widget.NewButtonWithIcon("Isolate", theme.VisibilityIcon(), func() { ws.SetIsolated(true) })
	v.showAll = widget.NewButtonWithIcon("Show all", theme.VisibilityOffIcon(), func() { ws.SetIsolated(false) })
	v.clear = widget.NewButtonWithIcon("Clear", theme.ContentClearIcon(), ws.ClearSelection)
	v.remove = widget.NewButtonWithIcon("Remove clicked item", theme.ContentRemoveIcon(), v.removeFocused)
	v.gallery = NewGallery("selection", env.Window)
	v.gallery.SetEmptyText("Nothing selected.")
	v.gallery.OnTap = func(k int) {
		if k >= 0 && k < len(v.shown) {
			ws.SetFocus(v.shown[k])
		}
	}
	v.gallery.grid.SetMarked(func(th Thumb) bool {
		f, ok := ws.Focus()
		return ok && th.Ref != nil && *th.Ref == f
	})
	v.search = newNearestSearch(env)

	controls := container.NewVBox(
		bold("Selection"),
		v.summary,
		container.NewGridWithColumns(3, v.isolate, v.showAll, v.clear), v.remove,
		v.focusInfo,
		widget.NewSeparator(),
		v.search.controls,
	)
	right := container.NewVSplit(v.gallery, v.search.gallery)
	right.Offset = 0.5
	v.left = newSidePanel(controls)
	v.search.relayout = v.left.Refresh
	split := container.NewHSplit(v.left, right)
	split.Offset = 0.3
	v.content = split

	ws.OnSelectionChange(func() { uiDo(v.update) })
	ws.OnChange(func() { uiDo(v.update) })
	v.update()
	return v
}

// update shows the workspace's selection, isolation and focus.
func (v *selectionView) update() {
	ws := v.env.Workspace
	ds := ws.Data()
	refs, source := ws.Selection()
	focus, hasFocus := ws.Focus()
	isolated := ws.Isolated()

	switch {
	case ds == nil:
		v.summary.SetText("Open a data set first.")
	case len(refs) == 0:
		v.summary.SetText("Nothing selected. Select points in a scatter (drag a box or a lasso; shift adds to the selection) or click images in a gallery; \"Select all\" above a gallery selects every item it lists.")
	default:
		text := fmt.Sprintf("%s selected", countOf(len(refs), "item"))
		if source != "" {
			text += " in " + source
		}
		text += "."
		if by := classBreakdown(ds, refs); by != "" {
			text += "\n" + by
		}
		if isolated {
			text += "\nIsolated: the scatters show only these items."
		}
		v.summary.SetText(text)
	}
	setEnabled(v.isolate, len(refs) > 0 && !isolated)
	setEnabled(v.showAll, isolated)
	setEnabled(v.clear, len(refs) > 0 || hasFocus)
	inSel := false
	if hasFocus {
		_, inSel = slices.BinarySearchFunc(refs, focus, workspace.Ref.Compare)
	}
	setEnabled(v.remove, inSel)

	if ds != nil && hasFocus {
		if th, ok := RefThumb(ds, focus, -1); ok {
			v.focusInfo.SetText("Clicked (focused) item: " + th.Caption + ". Its nearest items are searched below unless you type another.")
		} else {
			v.focusInfo.SetText(fmt.Sprintf("The focused item %v is not in this data set.", focus))
		}
	} else {
		v.focusInfo.SetText("Click an item in the gallery to focus it.")
	}

	// The gallery is rebuilt only when the items it shows change, so a
	// click (which moves the focus) keeps its scroll position.
	show := refs[:min(len(refs), SelectionGallerySize)]
	if ds != v.shownData || !slices.Equal(show, v.shown) || ds == nil {
		v.shown, v.shownData = slices.Clone(show), ds
		var thumbs []Thumb
		if ds != nil {
			thumbs = make([]Thumb, 0, len(show))
			for k, r := range show {
				if th, ok := RefThumb(ds, r, k); ok {
					thumbs = append(thumbs, th)
				}
			}
		}
		title := ""
		if len(refs) > 0 {
			title = countOf(len(refs), "item") + " selected"
			if len(refs) > len(show) {
				title += fmt.Sprintf(" (the first %s shown, by part and index)", groupDigits(len(show)))
			}
		}
		v.gallery.SetItems(title, thumbs)
	} else {
		v.gallery.grid.RefreshMarks()
	}
	v.search.focusChanged(focus, hasFocus)
	v.left.Refresh() // the wrapped texts changed height
}

// removeFocused takes the clicked item out of the selection and focuses
// the one that took its place.
func (v *selectionView) removeFocused() {
	ws := v.env.Workspace
	f, ok := ws.Focus()
	if !ok {
		return
	}
	refs, source := ws.Selection()
	k, found := slices.BinarySearchFunc(refs, f, workspace.Ref.Compare)
	if !found {
		return
	}
	ws.Select([]workspace.Ref{f}, workspace.Remove, source)
	if rest, _ := ws.Selection(); len(rest) > 0 {
		ws.SetFocus(rest[min(k, len(rest)-1)])
	}
}

// classBreakdown counts the selected items of each class, the largest
// first, e.g. "By class: Sandal 12 · Bag 3".
func classBreakdown(ds *dataset.Dataset, refs []workspace.Ref) string {
	counts := make([]int, len(ds.Classes))
	for _, r := range refs {
		if p := refPart(ds, r); p != nil {
			if l := p.Labels[r.Row]; l >= 0 && l < len(counts) {
				counts[l]++
			}
		}
	}
	order := make([]int, 0, len(counts))
	for c, n := range counts {
		if n > 0 {
			order = append(order, c)
		}
	}
	if len(order) == 0 {
		return ""
	}
	sort.SliceStable(order, func(a, b int) bool { return counts[order[a]] > counts[order[b]] })
	const most = 10
	parts := make([]string, 0, min(len(order), most)+1)
	for _, c := range order[:min(len(order), most)] {
		parts = append(parts, fmt.Sprintf("%s %s", ds.Classes[c], groupDigits(counts[c])))
	}
	if len(order) > most {
		parts = append(parts, fmt.Sprintf("%d more classes", len(order)-most))
	}
	return "By class: " + strings.Join(parts, " · ")
}

func setEnabled(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// countOf returns e.g. "1 item", "70,000 items".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return groupDigits(n) + " " + noun + "s"
}

// groupDigits writes n with thousands separators: 70000 → "70,000".
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
