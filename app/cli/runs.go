package cli

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"embedscope/app/runs"
	"embedscope/app/service"
	"embedscope/app/workspace"
)

func init() {
	register(command{Name: "runs", Summary: "the kept runs: list, show, rename, rm, export (the same runs as the app's Runs panel)", Run: runRuns})
}

// RunRow is one run in `embedscope runs list --json`.
type RunRow struct {
	ID      string             `json:"id"`
	Name    string             `json:"name"`
	Kind    string             `json:"kind"`
	Status  string             `json:"status"`
	Data    string             `json:"data"`
	Created time.Time          `json:"created"`
	Seconds float64            `json:"seconds"`
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Parents []string           `json:"parents,omitempty"`
	Error   string             `json:"error,omitempty"`
}

const runsUsage = `runs list [--all] [--data D] [--store DIR] [--json]     the runs of the data set (--all: of every data set)
       runs show RUN [--store DIR] [--json]                  one run's record: settings, metrics, curves
       runs rename RUN NAME [--store DIR]
       runs rm RUN [RUN...] [--store DIR]
       runs export RUN --out FILE [--format csv|tsv] [--data D] [--store DIR]
RUN is a run's ID, the end of its ID, or its name.`

func runRuns(c *Context, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(c.Stderr, "usage: embedscope %s\n", runsUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "list", "ls":
		return runsList(c, rest)
	case "show":
		return runsShow(c, rest)
	case "rename":
		return runsRename(c, rest)
	case "rm", "delete":
		return runsRemove(c, rest)
	case "export":
		return runsExport(c, rest)
	}
	fmt.Fprintf(c.Stderr, "embedscope runs: unknown action %q\nusage: embedscope %s\n", sub, runsUsage)
	return errUsage
}

// splitArgs separates positional arguments from flags (which may follow
// them, as in `runs show RUN --json`).
func splitArgs(args []string, withValue map[string]bool) (pos, flags []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") && withValue[name] && i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return pos, flags
}

var runFlagValues = map[string]bool{"store": true, "data": true, "out": true, "format": true, "scaling": true, "val": true, "seed": true}

// storeService opens the store of --store with a service on the data of
// --data (when withData), else on no data.
func storeService(c *Context, d *dataFlags, withData bool) (*service.Service, error) {
	if withData {
		return d.service(c)
	}
	c.JSON = d.json
	store, err := openStore(d.store)
	if err != nil {
		return nil, err
	}
	if store == nil {
		return nil, fmt.Errorf("--store none keeps no runs: there are none to show")
	}
	return service.New(newEmptyWorkspace(), store)
}

func runsList(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "runs list", "runs list [--all] [--data D] [--store DIR] [--json]")
	d.add(fs)
	all := fs.Bool("all", false, "list the runs of every data set")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	svc, err := storeService(c, &d, !*all)
	if err != nil {
		return err
	}
	list := svc.AllRuns()
	if !*all {
		list = svc.Runs()
	}
	rows := make([]RunRow, len(list))
	for i, r := range list {
		rows[i] = RunRow{ID: r.ID, Name: r.Name, Kind: r.Kind, Status: r.StatusText(), Data: r.Data.Name, Created: r.Created,
			Seconds: r.Seconds, Metrics: r.Metrics, Parents: r.Parents, Error: r.Error}
	}
	if c.JSON {
		for _, r := range rows {
			if err := c.emit(r, nil); err != nil {
				return err
			}
		}
		return nil
	}
	if len(rows) == 0 {
		fmt.Fprintf(c.Stdout, "no runs in %s\n", svc.Store().Dir)
		return nil
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tKIND\tSTATUS\tSECONDS\tMETRICS\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f\t%s\t\n", r.ID, r.Name, r.Kind, r.Status, r.Seconds, metricsText(r.Metrics, 3))
	}
	tw.Flush()
	fmt.Fprintf(c.Stdout, "%d runs in %s\n", len(rows), svc.Store().Dir)
	return nil
}

// metricsText lists at most n metrics, the quality ones first.
func metricsText(m map[string]float64, n int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		switch {
		case strings.HasPrefix(k, "knn5"), strings.HasPrefix(k, "trust"), strings.HasPrefix(k, "purity"), k == "nmi":
			return 0
		case strings.HasSuffix(k, "seconds"):
			return 2
		}
		return 1
	}
	sort.Slice(keys, func(i, j int) bool {
		if rank(keys[i]) != rank(keys[j]) {
			return rank(keys[i]) < rank(keys[j])
		}
		return keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys[:min(n, len(keys))] {
		v := m[k]
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			parts = append(parts, fmt.Sprintf("%s %d", k, int64(v)))
		} else {
			parts = append(parts, fmt.Sprintf("%s %.4g", k, v))
		}
	}
	return strings.Join(parts, ", ")
}

func runsShow(c *Context, args []string) error {
	pos, flags := splitArgs(args, runFlagValues)
	var d dataFlags
	fs := newFlagSet(c, "runs show", "runs show RUN [--store DIR] [--json]")
	d.add(fs)
	if err := parse(c, fs, flags); err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(c.Stderr, "usage: embedscope runs show RUN [--store DIR] [--json]")
		return errUsage
	}
	svc, err := storeService(c, &d, false)
	if err != nil {
		return err
	}
	r, err := findRun(svc, pos[0])
	if err != nil {
		return err
	}
	return c.emit(r, func(w io.Writer) {
		fmt.Fprintf(w, "%s  %s\nkind %s, %s, created %s, %.1f s\n", r.ID, r.Name, r.Kind, r.StatusText(), r.Created.Local().Format(time.DateTime), r.Seconds)
		fmt.Fprintf(w, "data %s (%d train, %d test, %d features), validation %.2f seed %d, %s scaling\n",
			r.Data.Name, r.Data.Train, r.Data.Test, r.Data.Dim, r.Data.Val, r.Data.Seed, r.Data.Scaling)
		if len(r.Parents) > 0 {
			fmt.Fprintf(w, "computed from %s\n", strings.Join(r.Parents, ", "))
		}
		fmt.Fprintf(w, "settings %s\n", r.Config)
		if len(r.Metrics) > 0 {
			fmt.Fprintf(w, "metrics %s\n", metricsText(r.Metrics, len(r.Metrics)))
		}
		for _, k := range sortedKeys(r.History) {
			fmt.Fprintf(w, "%s: %v\n", k, r.History[k])
		}
		if r.Space != nil {
			fmt.Fprintf(w, "space %d-d, %d/%d/%d train/validation/test rows", r.Space.Dim, r.Space.Rows[0], r.Space.Rows[1], r.Space.Rows[2])
			if r.Space.Decodable {
				fmt.Fprint(w, ", decodable")
			}
			fmt.Fprintln(w)
		}
	})
}

func sortedKeys(m map[string][]float64) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// findRun finds a run of any data set by its ID, the end of its ID or its
// name (the most recent of that name).
func findRun(svc *service.Service, name string) (runs.Record, error) {
	var match []runs.Record
	for _, r := range svc.AllRuns() {
		if r.ID == name {
			return r, nil
		}
		if (len(name) >= 4 && strings.HasSuffix(r.ID, name)) || r.Name == name {
			match = append(match, r)
		}
	}
	if len(match) == 0 {
		return runs.Record{}, fmt.Errorf("no run %q in %s (embedscope runs list --all shows them)", name, svc.Store().Dir)
	}
	return match[len(match)-1], nil
}

func runsRename(c *Context, args []string) error {
	pos, flags := splitArgs(args, runFlagValues)
	var d dataFlags
	fs := newFlagSet(c, "runs rename", "runs rename RUN NAME [--store DIR]")
	d.add(fs)
	if err := parse(c, fs, flags); err != nil {
		return err
	}
	if len(pos) != 2 {
		fmt.Fprintln(c.Stderr, "usage: embedscope runs rename RUN NAME [--store DIR]")
		return errUsage
	}
	svc, err := storeService(c, &d, false)
	if err != nil {
		return err
	}
	r, err := findRun(svc, pos[0])
	if err != nil {
		return err
	}
	if err := svc.Rename(r.ID, pos[1]); err != nil {
		return err
	}
	r, _ = svc.Run(r.ID)
	return c.emit(map[string]string{"id": r.ID, "name": r.Name}, func(w io.Writer) { fmt.Fprintf(w, "%s is now %q\n", r.ID, r.Name) })
}

func runsRemove(c *Context, args []string) error {
	pos, flags := splitArgs(args, runFlagValues)
	var d dataFlags
	fs := newFlagSet(c, "runs rm", "runs rm RUN [RUN...] [--store DIR]")
	d.add(fs)
	if err := parse(c, fs, flags); err != nil {
		return err
	}
	if len(pos) == 0 {
		fmt.Fprintln(c.Stderr, "usage: embedscope runs rm RUN [RUN...] [--store DIR]")
		return errUsage
	}
	svc, err := storeService(c, &d, false)
	if err != nil {
		return err
	}
	for _, name := range pos {
		r, err := findRun(svc, name)
		if err != nil {
			return err
		}
		if err := svc.Delete(r.ID); err != nil {
			return err
		}
		if err := c.emit(map[string]string{"deleted": r.ID, "name": r.Name}, func(w io.Writer) { fmt.Fprintf(w, "deleted %s (%s)\n", r.ID, r.Name) }); err != nil {
			return err
		}
	}
	return nil
}

func runsExport(c *Context, args []string) error {
	pos, flags := splitArgs(args, runFlagValues)
	var d dataFlags
	fs := newFlagSet(c, "runs export", "runs export RUN --out FILE [--format csv|tsv|model] [--data D] [--store DIR]")
	d.add(fs)
	out := fs.String("out", "", "output file")
	format := fs.String("format", "csv", "csv or tsv (the run's coordinates, on the data of --data), or model (its model file)")
	if err := parse(c, fs, flags); err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		fmt.Fprintln(c.Stderr, "usage: embedscope runs export RUN --out FILE [--format csv|tsv|model] [--data D] [--store DIR]")
		return errUsage
	}
	if *format == "model" {
		svc, err := storeService(c, &d, false)
		if err != nil {
			return err
		}
		r, err := findRun(svc, pos[0])
		if err != nil {
			return err
		}
		n, err := svc.ExportModel(r.ID, *out)
		if err != nil {
			return err
		}
		return c.emit(map[string]any{"id": r.ID, "path": *out, "bytes": n}, func(w io.Writer) { fmt.Fprintf(w, "wrote the model of %s to %s\n", r.Name, *out) })
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	r, err := svc.ResolveRun(pos[0])
	if err != nil {
		return err
	}
	res, err := svc.ExportSpace(c.Ctx, service.ExportRequest{Space: r.ID, Format: *format, Path: *out})
	if err != nil {
		return err
	}
	return c.emit(ExportEmbeddingResult{RunID: r.ID, ExportResult: *res}, func(w io.Writer) {
		fmt.Fprintf(w, "wrote %d × %d coordinates of %s to %s\n", res.Rows, res.Dim, res.Space, res.Path)
	})
}

func newEmptyWorkspace() *workspace.Workspace { return workspace.New() }
