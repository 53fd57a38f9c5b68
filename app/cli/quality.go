package cli

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"embedscope/app/service"
	"embedscope/ml/atomicfile"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "quality", Summary: "quality table of spaces: kNN(5), trustworthiness and continuity against the pixels, agreement with the pixels, k-means purity/NMI", Run: runQuality})
}

func runQuality(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "quality", "quality (--space S[,S…] | --all-runs) [--sample N] [--out table.csv] [--json]")
	d.add(fs)
	spaces := fs.String("space", "", "comma-separated spaces to score: pixels, pca:K or runs (ID or name; embedscope runs list)")
	all := fs.Bool("all-runs", false, "score the pixels and every run with coordinates on this data, split and scaling")
	var sample int
	fs.IntVar(&sample, "sample", 0, "average trustworthiness and continuity over this many items when there are more (default: exact up to 10,000 items, else 5,000)")
	out := fs.String("out", "", "also write the table as CSV")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	if (*spaces == "") == !*all {
		return fmt.Errorf("give --space pixels,pca:32,… or --all-runs (one of them)")
	}
	if sample < 0 || sample > 1<<30 {
		return fmt.Errorf("--sample %d: give a number of items ≥ 0 (0: the default)", sample)
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	var specs []string
	if *all {
		for _, ch := range svc.Spaces() {
			specs = append(specs, ch.ID)
		}
	} else {
		for _, s := range strings.Split(*spaces, ",") {
			if s = strings.TrimSpace(s); s != "" {
				specs = append(specs, s)
			}
		}
	}
	var rows []service.QualityRow
	for _, spec := range specs {
		t := progress.New()
		stop := c.reportProgress("quality of "+spec, t)
		row, err := svc.QualityRow(c.Ctx, service.QualityRequest{Space: spec, Sample: sample}, t)
		stop()
		if err != nil {
			return fmt.Errorf("%s: %w", spec, err)
		}
		rows = append(rows, row)
		if c.JSON {
			if err := c.emit(row, nil); err != nil {
				return err
			}
		}
	}
	if *out != "" {
		b, err := service.EncodeQualityCSV(rows)
		if err == nil {
			err = atomicfile.Write(*out, b)
		}
		if err != nil {
			return fmt.Errorf("--out %s: %w", *out, err)
		}
	}
	if !c.JSON {
		writeQuality(c.Stdout, rows, *out)
	}
	return nil
}

func writeQuality(w io.Writer, rows []service.QualityRow, out string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "space\tkind\tdim\tkNN(5) val\tkNN(5) test\tT(5)\tT(10)\tC(5)\tC(10)\tagreement\tpurity\tNMI\trun s\tscored s\t")
	opt := func(v *float64) string {
		if v == nil || math.IsNaN(*v) {
			return "—"
		}
		return fmt.Sprintf("%.4f", *v)
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.3f\t%.3f\t%.1f\t%.1f\t\n", r.Name, r.Kind, r.Dim,
			opt(r.KNN5Val), opt(r.KNN5Test), r.Trust5, r.Trust10, r.Continuity5, r.Continuity10, r.AgreementPixels, r.Purity, r.NMI, r.RunSeconds, r.Seconds)
	}
	tw.Flush()
	if len(rows) > 0 {
		fmt.Fprintf(w, "\ntrustworthiness T and continuity C against the pixels on %d of %d items; agreement: of the 10 nearest neighbours with the pixels'; k-means (k = classes) on the training split\n", rows[0].TrustItems, rows[0].Items)
	}
	if out != "" {
		fmt.Fprintf(w, "wrote the table to %s\n", out)
	}
}
