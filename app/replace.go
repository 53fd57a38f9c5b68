package app

import (
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/workspace"
	"embedscope/views"
)

// ReplaceHook, when set (by tests), is called with the question's text
// each time opening other data or a session has to ask first.
var ReplaceHook func(text string)

// whatIsLost lists what opening other data (or a session) would drop from
// the workspace: the results the panels show, the selection, and the jobs
// still running. It is empty when nothing would be lost.
func (u *UI) whatIsLost() []string {
	ws := u.Env.Workspace
	if ws.Data() == nil {
		return nil
	}
	var lost []string
	var names []string
	for _, sp := range ws.Spaces() {
		if sp.ID != workspace.PixelsSpace && !views.AutomaticSpace(sp, ws.Data().Dim) {
			names = append(names, sp.Name)
		}
	}
	if len(names) > 0 {
		shown := names[:min(len(names), 6)]
		list := strings.Join(shown, ", ")
		if len(names) > len(shown) {
			list += fmt.Sprintf(" and %d more", len(names)-len(shown))
		}
		lost = append(lost, fmt.Sprintf("the %d result(s) the panels show (%s); their runs stay in the run folder, and the Runs panel brings them back when this data set is open again", len(names), list))
	}
	if refs, _ := ws.Selection(); len(refs) > 0 {
		lost = append(lost, fmt.Sprintf("the selection of %d item(s)", len(refs)))
	} else if _, ok := ws.Focus(); ok {
		lost = append(lost, "the clicked item")
	}
	if jobs := u.Env.Jobs.Active(); len(jobs) > 0 {
		var names []string
		for _, j := range jobs {
			names = append(names, j.Name)
		}
		lost = append(lost, fmt.Sprintf("the %d running job(s) (%s): their results would belong to the data set closed", len(jobs), strings.Join(names, ", ")))
	}
	return lost
}

// confirmReplace runs open at once when the workspace holds nothing that
// opening what (a data set or a session) would lose; else it first asks,
// listing what would be lost.
func (u *UI) confirmReplace(what string, open func()) {
	lost := u.whatIsLost()
	if len(lost) == 0 {
		open()
		return
	}
	cur := u.Env.Workspace.Data().Name
	text := fmt.Sprintf("Opening %s closes %s. This is lost:\n\n• %s", what, cur, strings.Join(lost, "\n• "))
	if u.sessionPath == "" {
		text += "\n\nTo keep the whole workspace, cancel and save it as a session first (File ▸ Save session as…, Ctrl+Shift+S)."
	} else {
		text += "\n\nThe session " + filepath.Base(u.sessionPath) + " holds the workspace as it was when last saved (Ctrl+S saves it now)."
	}
	if ReplaceHook != nil {
		ReplaceHook(text)
	}
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Open "+what+"?", "Open", "Cancel", l, func(ok bool) {
		if ok {
			open()
		}
	}, u.Window)
	d.Resize(fyne.NewSize(560, 320))
	d.Show()
}
