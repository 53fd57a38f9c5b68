// Package figures builds every plot of the app as a gonum/plot figure.
//
// It never imports fyne: the panels show these figures through the widgets
// in views, and the CLI renders the very same figures headless
// (embedscope export-figure). A builder returns a *plot.Plot with title,
// axis labels and legend set; Save writes it as PNG, SVG or PDF atomically.
package figures
