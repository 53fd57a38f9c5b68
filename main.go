// Command embedscope is a desktop app for learning, inspecting and
// comparing embeddings of labelled image data, and a headless CLI for the
// same computations. With no command it opens the window; see README.md.
package main

import (
	"flag"
	"fmt"
	"os"

	_ "embedscope/app/locale" // before fyne: see the package doc

	"embedscope/app"
	"embedscope/app/cli"
)

func main() {
	if len(os.Args) > 1 && cli.IsCommand(os.Args[1]) {
		os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	fs := flag.NewFlagSet("embedscope", flag.ExitOnError)
	data := fs.String("data", "embedded", "data set to open: embedded, a folder (IDX files or class sub-folders) or a CSV file")
	view := fs.String("view", "", "panel to show first (e.g. data)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: embedscope [--data D] [--view NAME]   open the window\n       embedscope COMMAND [flags]           run headless; commands:\n\n")
		cli.Usage(fs.Output())
		fmt.Fprintln(fs.Output(), "\nGUI flags:")
		fs.PrintDefaults()
	}
	fs.Parse(os.Args[1:])
	if err := app.Run(app.Options{Data: *data, View: *view}); err != nil {
		fmt.Fprintln(os.Stderr, "embedscope:", err)
		os.Exit(1)
	}
}
