// Command embedscope is a desktop app for learning, inspecting and
// comparing embeddings of labelled image data, and a headless CLI for the
// same computations. With no command it opens the window; see README.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	_ "embedscope/app/locale" // before fyne: see the package doc

	"embedscope/app"
	"embedscope/app/cli"
	"embedscope/ml/dataset"
	"embedscope/ml/linalg"
)

// headless reports whether the arguments (without the program name) run
// the CLI: a first argument that is a command, or that is not a flag (an
// unknown command, which cli.Main refuses with the list of commands and
// exit status 2 instead of opening the window).
func headless(args []string) bool {
	return len(args) > 0 && (cli.IsCommand(args[0]) || !strings.HasPrefix(args[0], "-"))
}

func main() {
	// First, before anything uses BLAS: may restart the program on a faster OpenBLAS core.
	args, err := linalg.Start(os.Args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "embedscope:", err)
		os.Exit(2)
	}
	os.Args = args
	if headless(os.Args[1:]) {
		os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	fs := flag.NewFlagSet("embedscope", flag.ExitOnError)
	data := fs.String("data", "embedded", "data set to open: embedded, a folder (IDX files, CIFAR batches or class sub-folders of images), or a CSV, TSV, .npy or .npz file")
	view := fs.String("view", "", "panel to show first (e.g. data)")
	side := fs.Int("side", 0, fmt.Sprintf("image folders: the largest side kept (default %d)", dataset.DefaultMaxSide))
	fit := fs.String("fit", "letterbox", "image folders of mixed sizes: letterbox, crop or stretch")
	grey := fs.Bool("grey", false, "image folders: convert colour images to greyscale")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: embedscope [--data D] [--view NAME]   open the window\n       embedscope COMMAND [flags]           run headless; commands:\n\n")
		cli.Usage(fs.Output())
		fmt.Fprintln(fs.Output(), "\nGUI flags:")
		fs.PrintDefaults()
	}
	fs.Parse(os.Args[1:])
	f, err := dataset.ParseFit(*fit)
	if err != nil || *side < 0 || *side > dataset.MaxImageSide {
		fmt.Fprintf(os.Stderr, "embedscope: --fit %s, --side %d: use letterbox, crop or stretch and a side of 1..%d\n", *fit, *side, dataset.MaxImageSide)
		os.Exit(2)
	}
	load := dataset.LoadOptions{Images: dataset.ImageOptions{Side: *side, Fit: f, Grey: *grey}}
	if err := app.Run(app.Options{Data: *data, View: *view, Load: load}); err != nil {
		fmt.Fprintln(os.Stderr, "embedscope:", err)
		os.Exit(1)
	}
}
