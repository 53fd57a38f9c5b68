package views

import (
	"fyne.io/fyne/v2/widget"

	"embedscope/app/workspace"
)

// Panel settings live in the workspace (Workspace.SetSetting), so a saved
// session keeps them: keepEntry and keepSelect store every edit under a
// key ("panel.field") and put a restored value back when the workspace
// changes. Call them before the panel registers its own OnChange
// listener, so a restored value is in place when the panel recomputes.

// keepEntry ties an entry's text to the setting key.
func keepEntry(ws *workspace.Workspace, key string, e *widget.Entry) {
	prev := e.OnChanged
	e.OnChanged = func(s string) {
		ws.SetSetting(key, s)
		if prev != nil {
			prev(s)
		}
	}
	ws.OnChange(func() {
		uiDo(func() {
			if v := ws.Setting(key); v != "" && v != e.Text {
				e.SetText(v)
			}
		})
	})
}

// keepSelect ties a select's choice to the setting key; a stored value
// that is not among the options is ignored.
func keepSelect(ws *workspace.Workspace, key string, s *widget.Select) {
	prev := s.OnChanged
	s.OnChanged = func(v string) {
		ws.SetSetting(key, v)
		if prev != nil {
			prev(v)
		}
	}
	ws.OnChange(func() {
		uiDo(func() {
			if v := ws.Setting(key); v != "" && v != s.Selected && indexOf(s.Options, v) >= 0 {
				s.SetSelected(v)
			}
		})
	})
}
