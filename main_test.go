package main

import "testing"

// TestHeadless: a first argument that is not a flag goes to the CLI, so
// that an unknown command is refused there with the list of commands
// instead of opening the window.
func TestHeadless(t *testing.T) {
	for args, want := range map[string]bool{
		"":         false, // no arguments: the window
		"--data":   false,
		"-view":    false,
		"info":     true,
		"help":     true,
		"foo":      true, // unknown: refused by cli.Main with exit 2
		"data.csv": true,
		"--help":   true,
	} {
		var argv []string
		if args != "" {
			argv = []string{args}
		}
		if got := headless(argv); got != want {
			t.Errorf("headless(%q) = %v, want %v", argv, got, want)
		}
	}
}
