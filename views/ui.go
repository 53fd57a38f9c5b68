package views

import "fyne.io/fyne/v2"

// uiDo and uiDoAndWait run a function on the UI goroutine: fyne.Do and
// fyne.DoAndWait. Every panel goes through them, so tests can swap in a
// serialised version (fyne's headless test driver runs fyne.Do on the
// calling goroutine, which lets two background jobs update one widget at
// once).
var (
	uiDo        = fyne.Do
	uiDoAndWait = fyne.DoAndWait
)

// Dispatch runs f on the UI goroutine (fyne.Do, or the tests' serial
// dispatcher): the app's job runner delivers its callbacks through it.
func Dispatch(f func()) { uiDo(f) }
