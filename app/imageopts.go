package app

import (
	"fmt"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"embedscope/ml/dataset"
)

// imageOptionsForm is the small form shown before an image folder opens:
// the largest side kept, how mixed sizes are fitted, and greyscale.
type imageOptionsForm struct {
	side *widget.Entry
	fit  *widget.RadioGroup
	grey *widget.Check
}

func newImageOptionsForm() *imageOptionsForm {
	f := &imageOptionsForm{
		side: widget.NewEntry(),
		fit:  widget.NewRadioGroup(dataset.FitLabels, nil),
		grey: widget.NewCheck("Convert colour images to greyscale", nil),
	}
	f.side.SetText(strconv.Itoa(dataset.DefaultMaxSide))
	f.side.Validator = func(s string) error {
		_, err := f.sideValue(s)
		return err
	}
	f.fit.SetSelected(dataset.FitLabels[dataset.FitLetterbox])
	f.fit.Required = true
	return f
}

// sideValue reads the side entry.
func (f *imageOptionsForm) sideValue(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 || v > dataset.MaxImageSide {
		return 0, fmt.Errorf("a whole number of pixels from 1 to %d", dataset.MaxImageSide)
	}
	return v, nil
}

// options returns the options the form shows.
func (f *imageOptionsForm) options() (dataset.LoadOptions, error) {
	side, err := f.sideValue(f.side.Text)
	if err != nil {
		return dataset.LoadOptions{}, fmt.Errorf("image side: %w", err)
	}
	fit, err := dataset.ParseFit(f.fit.Selected)
	if err != nil {
		return dataset.LoadOptions{}, err
	}
	if side == dataset.DefaultMaxSide {
		side = 0 // the default, so that sessions and runs record none
	}
	return dataset.LoadOptions{Images: dataset.ImageOptions{Side: side, Fit: fit, Grey: f.grey.Checked}}, nil
}

// items are the form's rows.
func (f *imageOptionsForm) items() []*widget.FormItem {
	note := widget.NewLabel(fmt.Sprintf("Images of one size keep it up to this side (larger ones are shrunk, aspect kept); images of different sizes are brought to one square of at most this side. Colour is kept unless every image is grey. Default: %d, letterbox.", dataset.DefaultMaxSide))
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.LowImportance
	return []*widget.FormItem{
		widget.NewFormItem("Largest side (pixels)", f.side),
		widget.NewFormItem("Mixed sizes", f.fit),
		widget.NewFormItem("", f.grey),
		widget.NewFormItem("", note),
	}
}

// showImageOptions asks how to read the image folder dir, then opens it.
func (u *UI) showImageOptions(dir string) {
	f := newImageOptionsForm()
	d := dialog.NewForm("Open image folder", "Open", "Cancel", f.items(), func(ok bool) {
		if !ok {
			return
		}
		opts, err := f.options()
		if err != nil {
			u.Env.ShowError(err)
			return
		}
		u.OpenWith(dir, opts)
	}, u.Window)
	d.Resize(fyne.NewSize(520, 360))
	d.Show()
}
