package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// prefTheme is the preference that keeps the theme choice.
const prefTheme = "theme"

// Theme choices, as stored in the preferences.
const (
	ThemeSystem = "system" // follow the desktop's light or dark setting
	ThemeLight  = "light"
	ThemeDark   = "dark"
)

var themeChoices = []struct{ value, label string }{
	{ThemeSystem, "System"}, {ThemeLight, "Light"}, {ThemeDark, "Dark"},
}

// variantTheme is Fyne's default theme forced to one variant: Fyne asks
// every theme for colours with the desktop's variant, and this one
// answers with its own.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

// Color implements fyne.Theme.
func (t *variantTheme) Color(name fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(name, t.variant)
}

// themeFor returns the theme of a choice; unknown choices follow the system.
func themeFor(choice string) fyne.Theme {
	switch choice {
	case ThemeLight:
		return &variantTheme{Theme: theme.DefaultTheme(), variant: theme.VariantLight}
	case ThemeDark:
		return &variantTheme{Theme: theme.DefaultTheme(), variant: theme.VariantDark}
	}
	return theme.DefaultTheme()
}

// themeChoice returns the remembered choice.
func (u *UI) themeChoice() string {
	c := u.App.Preferences().StringWithFallback(prefTheme, ThemeSystem)
	for _, t := range themeChoices {
		if t.value == c {
			return c
		}
	}
	return ThemeSystem
}

// SetTheme applies a theme choice (ThemeSystem, ThemeLight or ThemeDark)
// and remembers it for the next start.
func (u *UI) SetTheme(choice string) {
	u.App.Settings().SetTheme(themeFor(choice))
	u.App.Preferences().SetString(prefTheme, choice)
	u.refreshMenu()
}

// applyThemePreference sets the remembered theme at start; the system
// choice leaves the app's default alone.
func (u *UI) applyThemePreference() {
	if c := u.themeChoice(); c != ThemeSystem {
		u.App.Settings().SetTheme(themeFor(c))
	}
}

// themeMenuItem is View ▸ Theme, its current choice checked.
func (u *UI) themeMenuItem() *fyne.MenuItem {
	cur := u.themeChoice()
	sub := fyne.NewMenu("Theme")
	for _, t := range themeChoices {
		item := fyne.NewMenuItem(t.label, func() { u.SetTheme(t.value) })
		item.Checked = t.value == cur
		sub.Items = append(sub.Items, item)
	}
	item := fyne.NewMenuItem("Theme", nil)
	item.ChildMenu = sub
	return item
}
