// Package cli is EmbedScope's headless command line, in the same binary as
// the GUI: `embedscope <command> [flags]`. Results go to stdout (a table, or
// one JSON object per result with --json), progress to stderr. It never
// imports fyne, so scripts, benchmarks and tests run without a display.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"time"

	"embedscope/app/runs"
	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/progress"
)

// command is one CLI command, registered as data.
type command struct {
	Name    string
	Summary string
	Run     func(c *Context, args []string) error
}

// commands lists the CLI commands; other files add theirs in init.
var commands = map[string]command{}

func register(c command) { commands[c.Name] = c }

// IsCommand reports whether name is a CLI command (so main runs it instead
// of opening the window).
func IsCommand(name string) bool {
	_, ok := commands[name]
	return ok || name == "help" || name == "-h" || name == "--help"
}

// Usage writes the list of commands.
func Usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintln(w, "\nRun 'embedscope COMMAND -h' for a command's flags.")
}

// Context is what a command runs with.
type Context struct {
	Ctx    context.Context
	Stdout io.Writer
	Stderr io.Writer
	JSON   bool

	Components    int  // PCA components for the pca-* figures
	ComponentsSet bool // --components was given
}

// Main runs the command named by args[0] and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stdout, "usage: embedscope COMMAND [flags]\n\ncommands:")
		Usage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "embedscope: unknown command %q\n", args[0])
		Usage(stderr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c := &Context{Ctx: ctx, Stdout: stdout, Stderr: stderr}
	if err := cmd.Run(c, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(stderr, "embedscope %s: %v\n", cmd.Name, err)
		return 1
	}
	return 0
}

var errUsage = errors.New("usage error")

// dataFlags are the flags every data-using command shares.
type dataFlags struct {
	store   string
	source  string
	scaling string
	val     float64
	seed    uint64
	json    bool
	side    int    // image folders: the largest side kept (0: dataset.DefaultMaxSide)
	fit     string // image folders: letterbox, crop or stretch
	grey    bool   // image folders: convert to greyscale
}

func newFlagSet(c *Context, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.Stderr, "usage: embedscope %s\n\nflags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

func (d *dataFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&d.source, "data", workspace.Embedded, "data set: embedded, a folder (IDX files, CIFAR batches or class sub-folders of images), or a CSV, projector TSV, NumPy .npy or .npz file")
	fs.IntVar(&d.side, "side", 0, fmt.Sprintf("image folders: the largest side kept; images of one size up to it keep theirs, mixed sizes are fitted to a square of at most it (default %d)", dataset.DefaultMaxSide))
	fs.StringVar(&d.fit, "fit", "letterbox", "image folders of mixed sizes: letterbox (keep the aspect, black bars), crop (keep the aspect, cut the centre) or stretch")
	fs.BoolVar(&d.grey, "grey", false, "image folders: convert colour images to greyscale")
	fs.StringVar(&d.scaling, "scaling", "", "feature scaling: none, div255, pixelstd, standardize (default div255 for images, standardize for tables)")
	fs.Float64Var(&d.val, "val", -1, "validation fraction of the training part (default 0.2 without a test part, else 0)")
	fs.Uint64Var(&d.seed, "seed", dataset.DefaultSeed, "seed of the validation split")
	fs.BoolVar(&d.json, "json", false, "print one JSON object per result")
	fs.StringVar(&d.store, "store", "", "folder of the runs, shared with the app (default $EMBEDSCOPE_RUNS, else "+runs.DefaultDir()+"); none: keep no runs")
}

func parse(c *Context, fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.Stderr, "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		fs.Usage()
		return errUsage
	}
	return checkFlags(fs) // ranges of numbers, --out (flagcheck.go)
}

// open loads the data set named by the flags into a new workspace.
func (d *dataFlags) open(c *Context) (*workspace.Workspace, error) {
	c.JSON = d.json
	t := progress.New()
	stop := c.reportProgress("loading "+d.source, t)
	opts, err := d.loadOptions()
	if err != nil {
		return nil, err
	}
	ds, err := workspace.OpenWith(c.Ctx, d.source, opts, func(done, total int) {
		t.Stage("reading images", float64(total))
		t.Set(float64(done))
	})
	stop()
	if err != nil {
		return nil, err
	}
	ws := workspace.New()
	if err := ws.SetData(ds); err != nil {
		return nil, err
	}
	if d.val >= 0 {
		if err := ws.SetSplit(dataset.SplitOptions{ValFraction: d.val, Seed: d.seed}); err != nil {
			return nil, err
		}
	} else if d.seed != dataset.DefaultSeed {
		opts := ws.SplitOptions()
		opts.Seed = d.seed
		if err := ws.SetSplit(opts); err != nil {
			return nil, err
		}
	}
	if d.scaling != "" {
		s, err := dataset.ParseScaling(d.scaling)
		if err != nil {
			return nil, err
		}
		ws.SetScaling(s)
	}
	return ws, nil
}

// loadOptions returns the options of --side, --fit and --grey.
func (d *dataFlags) loadOptions() (dataset.LoadOptions, error) {
	fit, err := dataset.ParseFit(d.fit)
	if err != nil {
		return dataset.LoadOptions{}, fmt.Errorf("--fit: %v", err)
	}
	return dataset.LoadOptions{Images: dataset.ImageOptions{Side: d.side, Fit: fit, Grey: d.grey}}, nil
}

// service opens the data of d and the run store, and returns the service
// that computes on them.
func (d *dataFlags) service(c *Context) (*service.Service, error) {
	ws, err := d.open(c)
	if err != nil {
		return nil, err
	}
	store, err := openStore(d.store)
	if err != nil {
		return nil, err
	}
	svc, err := service.New(ws, store)
	if err != nil {
		fmt.Fprintf(c.Stderr, "embedscope: the runs in %s cannot all be read: %v\n", store.Dir, err)
	}
	return svc, nil
}

// openStore opens the run store named by --store ("" is the default
// folder, "none" no store).
func openStore(dir string) (*runs.Store, error) {
	switch dir {
	case "none":
		return nil, nil
	case "":
		dir = runs.DefaultDir()
	}
	return runs.Open(dir)
}

// reportProgress shows t's state on stderr until the returned stop
// function (safe to call more than once) is called: rewritten in place twice a second on a terminal,
// else one line every 10 s. Jobs shorter than a second print nothing.
func (c *Context) reportProgress(job string, t *progress.Tracker) (stop func()) {
	tty := isTerminal(c.Stderr)
	every := 10 * time.Second
	if tty {
		every = 500 * time.Millisecond
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		first := time.NewTimer(time.Second)
		defer first.Stop()
		select {
		case <-done:
			return
		case <-first.C:
		}
		tick := time.NewTicker(every)
		defer tick.Stop()
		printed := false
		for {
			line := progressLine(job, t.Snapshot())
			if tty {
				fmt.Fprintf(c.Stderr, "\r\033[K%s", line)
			} else {
				fmt.Fprintln(c.Stderr, line)
			}
			printed = true
			select {
			case <-done:
				if tty && printed {
					fmt.Fprint(c.Stderr, "\r\033[K")
				}
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-finished }) }
}

func progressLine(job string, s progress.Snapshot) string {
	line := job
	if s.Stage != "" {
		line += ": " + s.Stage
	}
	if s.Fraction >= 0 {
		line += fmt.Sprintf(" %3.0f%%", 100*s.Fraction)
	}
	if s.Detail != "" {
		line += " " + s.Detail
	}
	line += fmt.Sprintf(" (%.0f s", s.Elapsed.Seconds())
	if s.ETA >= 0 {
		line += fmt.Sprintf(", about %.0f s left", s.ETA.Seconds())
	}
	return line + ")"
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// emit prints one result: as one line of JSON with --json, else through text.
func (c *Context) emit(v any, text func(w io.Writer)) error {
	if c.JSON {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(c.Stdout, "%s\n", b)
		return err
	}
	text(c.Stdout)
	return nil
}
