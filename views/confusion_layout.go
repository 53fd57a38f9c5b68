package views

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
)

// confusionLayout lays a ConfusionGrid's cells out as a table: the first
// column as wide as its longest row name, the other columns equal and at
// least as wide as the longest word of their headers (headers wrap onto
// several lines instead of being cut), the header row as tall as its
// tallest header, the other rows equal. Extra room is shared by the
// columns and rows of counts.
type confusionLayout struct {
	cols int // columns of the table, the row names' included
}

// Minimum sizes of a count cell.
const confusionCellW, confusionCellH = 44, 20

func (l *confusionLayout) measure(objects []fyne.CanvasObject) (first, colW, headH, rowH float32) {
	colW, rowH = confusionCellW, confusionCellH
	for i, o := range objects {
		ms := o.MinSize()
		switch {
		case i < l.cols: // the header row
			headH = max(headH, ms.Height)
			if i == 0 {
				first = max(first, ms.Width)
			} else {
				colW = max(colW, ms.Width)
			}
		case i%l.cols == 0:
			first = max(first, ms.Width)
			rowH = max(rowH, ms.Height)
		default:
			colW = max(colW, ms.Width)
			rowH = max(rowH, ms.Height)
		}
	}
	return first, colW, headH, rowH
}

func (l *confusionLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	first, colW, headH, rowH := l.measure(objects)
	rows := (len(objects) + l.cols - 1) / l.cols
	return fyne.NewSize(first+float32(l.cols-1)*colW, headH+float32(rows-1)*rowH)
}

func (l *confusionLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	first, colW, headH, rowH := l.measure(objects)
	rows := (len(objects) + l.cols - 1) / l.cols
	if n := float32(l.cols - 1); n > 0 {
		colW = max(colW, (size.Width-first)/n)
	}
	if n := float32(rows - 1); n > 0 {
		rowH = max(rowH, (size.Height-headH)/n)
	}
	for i, o := range objects {
		r, c := i/l.cols, i%l.cols
		x, w := first+float32(c-1)*colW, colW
		if c == 0 {
			x, w = 0, first
		}
		y, h := headH+float32(r-1)*rowH, rowH
		if r == 0 {
			y, h = 0, headH
		}
		o.Move(fyne.NewPos(x, y))
		o.Resize(fyne.NewSize(w, h))
	}
}

// marginText is a header or total of a ConfusionGrid in the caption size:
// its words on as few lines as fit in lineWidth (a word is never cut; a
// "/" may end a line), aligned as asked.
func marginText(text string, align fyne.TextAlign, lineWidth float32) fyne.CanvasObject {
	size := theme.CaptionTextSize()
	fg := theme.Color(theme.ColorNameForeground)
	var lines []fyne.CanvasObject
	for _, line := range wrapWords(text, lineWidth, size) {
		t := canvas.NewText(line, fg)
		t.TextSize = size
		t.Alignment = align
		lines = append(lines, t)
	}
	pad := theme.Padding()
	box := container.New(layout.NewCustomPaddedVBoxLayout(0), lines...)
	middle := container.New(layout.NewCustomPaddedVBoxLayout(0), layout.NewSpacer(), box, layout.NewSpacer())
	return container.New(layout.NewCustomPaddedLayout(pad/2, pad/2, pad, pad), middle)
}

// longestWord is the width of the widest word of texts in the caption
// size (see wrapWords).
func longestWord(texts []string) float32 {
	w := float32(0)
	for _, t := range texts {
		for _, word := range strings.Fields(strings.ReplaceAll(t, "/", "/ ")) {
			w = max(w, fyne.MeasureText(word, theme.CaptionTextSize(), fyne.TextStyle{}).Width)
		}
	}
	return w
}

// wrapWords breaks text into lines no wider than width where it can.
func wrapWords(text string, width, size float32) []string {
	words := strings.Fields(strings.ReplaceAll(text, "/", "/ "))
	var lines []string
	for _, w := range words {
		if n := len(lines); n > 0 {
			sep := " "
			if strings.HasSuffix(lines[n-1], "/") {
				sep = ""
			}
			if joined := lines[n-1] + sep + w; fyne.MeasureText(joined, size, fyne.TextStyle{}).Width <= width {
				lines[n-1] = joined
				continue
			}
		}
		lines = append(lines, w)
	}
	return lines
}
