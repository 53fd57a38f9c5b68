package views

import (
	"fyne.io/fyne/v2/widget"

	"embedscope/app/service"
	"embedscope/app/workspace"
)

// spacePicker is a select box of the spaces a panel can use: the pixels,
// any extra choices of the panel (such as "PCA (k below)"), and every run
// with coordinates on the open data, listed by name. It keeps the chosen
// run by ID, so a rename shows at once and a new run never replaces the
// choice; the choice is kept in sessions under the panel's setting key.
type spacePicker struct {
	// Select is the widget to put in a layout (the picker itself is not a
	// canvas object: a Select embedded in another type is tapped without a
	// canvas and Fyne's pop-up panics).
	Select  *widget.Select
	env     *Env
	key     string                           // workspace setting that keeps the choice
	extra   []string                         // panel choices shown after the pixels
	filter  func(c service.SpaceChoice) bool // which runs to offer (nil: all)
	choices []service.SpaceChoice
	id      string // the chosen space ID, or an extra's label
	changed func(id string)
	quiet   bool // refreshing: don't report a change
}

// newSpacePicker makes a picker; changed (may be nil) is called on the UI
// goroutine when the user picks another space.
func newSpacePicker(env *Env, key string, extra []string, filter func(service.SpaceChoice) bool, changed func(id string)) *spacePicker {
	p := &spacePicker{env: env, key: key, extra: extra, filter: filter, changed: changed, id: workspace.PixelsSpace}
	p.Select = widget.NewSelect(nil, p.picked)
	p.refresh()
	refresh := func() { uiDo(p.refresh) }
	env.Workspace.OnSpacesChange(refresh)
	env.Workspace.OnChange(refresh)
	if env.Service != nil {
		env.Service.OnRunsChange(refresh)
	}
	return p
}

func (p *spacePicker) picked(label string) {
	if p.quiet {
		return
	}
	id := label
	if c, ok := service.ChoiceByLabel(p.choices, label); ok {
		id = c.ID
	}
	if id == p.id {
		return
	}
	p.id = id
	if p.key != "" {
		p.env.Workspace.SetSetting(p.key, id)
	}
	if p.changed != nil {
		p.changed(id)
	}
}

// refresh rebuilds the list from the service, keeping the chosen space
// (or the one a restored session names); a space that went away falls back
// to the pixels.
func (p *spacePicker) refresh() {
	p.choices = nil
	if p.env.Service != nil {
		for _, c := range p.env.Service.Spaces() {
			if c.ID == workspace.PixelsSpace || p.filter == nil || p.filter(c) {
				p.choices = append(p.choices, c)
			}
		}
	}
	if p.key != "" {
		if saved := p.env.Workspace.Setting(p.key); saved != "" {
			p.id = saved
		}
	}
	var opts []string
	for i, c := range p.choices {
		opts = append(opts, c.Label)
		if i == 0 {
			opts = append(opts, p.extra...)
		}
	}
	if len(p.choices) == 0 {
		opts = append([]string{workspace.PixelsSpace}, p.extra...)
	}
	label := ""
	if c, ok := service.ChoiceByID(p.choices, p.id); ok {
		label = c.Label
	} else if indexOf(p.extra, p.id) >= 0 {
		label = p.id
	} else {
		p.id, label = workspace.PixelsSpace, workspace.PixelsSpace
	}
	p.quiet = true
	p.Select.Options = opts
	p.Select.SetSelected(label)
	p.quiet = false
	p.Select.Refresh()
}

// ID returns the chosen space's ID (or the label of a chosen extra).
func (p *spacePicker) ID() string { return p.id }

// Choice returns the chosen space as the service lists it.
func (p *spacePicker) Choice() (service.SpaceChoice, bool) {
	return service.ChoiceByID(p.choices, p.id)
}

// SetID chooses a space by ID (or an extra by label) without reporting a
// change.
func (p *spacePicker) SetID(id string) {
	p.id = id
	if p.key != "" {
		p.env.Workspace.SetSetting(p.key, id)
	}
	p.refresh()
}
