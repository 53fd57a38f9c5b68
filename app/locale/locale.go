// Package locale gives Fyne a usable locale on machines whose LANG is unset,
// "C" or "POSIX" (CI, containers), where Fyne logs a parse error at start.
//
// Import it for its side effect before anything imports fyne: package
// initialisation runs in import-path order among ready packages, and
// "embedscope/..." sorts before "fyne.io/...", so this init runs first.
package locale

import "os"

func init() {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		switch os.Getenv(v) {
		case "":
			continue
		case "C", "POSIX", "C.UTF-8", "C.utf8":
			os.Setenv(v, "en_US.UTF-8")
			continue
		}
		return // a real locale is set
	}
	if os.Getenv("LANG") == "" {
		os.Setenv("LANG", "en_US.UTF-8")
	}
}
