package cli

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"embedscope/app/workspace"
	"embedscope/ml/linalg"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "info", Summary: "sizes, classes and exact duplicates of a data set", Run: runInfo})
}

// InfoResult is what `embedscope info --json` prints.
type InfoResult struct {
	Name       string      `json:"name"`
	Source     string      `json:"source"`
	Image      bool        `json:"image"`
	Width      int         `json:"width,omitempty"`
	Height     int         `json:"height,omitempty"`
	Channels   int         `json:"channels,omitempty"` // 1 (greyscale) or 3 (RGB) for images
	Features   int         `json:"features"`
	Train      int         `json:"train"`
	Validation int         `json:"validation"`
	Test       int         `json:"test"`
	Classes    []ClassInfo `json:"classes"`
	Duplicates DupInfo     `json:"duplicates"`
	Near       *NearInfo   `json:"near_duplicates,omitempty"`
	Warnings   []string    `json:"warnings,omitempty"`
	// BLAS is the matrix library behind the computations, its OpenBLAS
	// core and its measured sgemm rate.
	BLAS linalg.BLASInfo `json:"blas"`
}

// ClassInfo counts one class per split.
type ClassInfo struct {
	Name       string `json:"name"`
	Train      int    `json:"train"`
	Validation int    `json:"validation"`
	Test       int    `json:"test"`
}

// NearInfo counts near duplicates (see workspace.NearDuplicates).
type NearInfo struct {
	MaxRMS      float64 `json:"max_rms"`
	WithinTrain int     `json:"within_train"`
	WithinTest  int     `json:"within_test"`
	Between     int     `json:"between"`
	Seconds     float64 `json:"seconds"`
}

// DupInfo counts exact duplicates (see dataset.Duplicates).
type DupInfo struct {
	WithinTrain int `json:"within_train"`
	WithinTest  int `json:"within_test"`
	Between     int `json:"between"`
	Groups      int `json:"groups"`
}

func runInfo(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "info", "info [--data D] [--json]")
	d.add(fs)
	near := fs.Float64("near", -1, "also count near duplicates: nearest other image within this RMS pixel difference (grey levels; e.g. 2)")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	ws := svc.WS
	res, err := Info(ws)
	if err != nil {
		return err
	}
	res.BLAS = measuredBLAS()
	if *near >= 0 {
		t := progress.New()
		stop := c.reportProgress("near duplicates", t)
		start := time.Now()
		nd, err := svc.FindNearDuplicates(c.Ctx, *near, t)
		stop()
		if err != nil {
			return err
		}
		res.Near = &NearInfo{MaxRMS: nd.MaxRMS, WithinTrain: nd.WithinTrain, WithinTest: nd.WithinTest, Between: nd.Between, Seconds: time.Since(start).Seconds()}
	}
	return c.emit(res, func(w io.Writer) { res.writeText(w) })
}

// Info describes the workspace's data set.
func Info(ws *workspace.Workspace) (InfoResult, error) {
	ds, s := ws.Data(), ws.Splits()
	dups, err := ws.Duplicates()
	if err != nil {
		return InfoResult{}, err
	}
	r := InfoResult{
		Name: ds.Name, Source: ds.Source, Image: ds.IsImage(), Width: ds.Width, Height: ds.Height,
		Features: ds.Dim, Train: s.Train.Len(), Validation: s.Val.Len(), Test: s.Test.Len(),
		Duplicates: DupInfo{WithinTrain: dups.WithinTrain, WithinTest: dups.WithinTest, Between: dups.Between, Groups: len(dups.Groups)},
		Warnings:   ds.Warnings,
	}
	if ds.IsImage() {
		r.Channels = ds.NumChannels()
	}
	for _, name := range ds.Classes {
		r.Classes = append(r.Classes, ClassInfo{Name: name})
	}
	for _, l := range s.Train.Labels() {
		r.Classes[l].Train++
	}
	for _, l := range s.Val.Labels() {
		r.Classes[l].Validation++
	}
	for _, l := range s.Test.Labels() {
		r.Classes[l].Test++
	}
	return r, nil
}

func (r InfoResult) writeText(w io.Writer) {
	fmt.Fprintf(w, "%s  (%s)\n", r.Name, r.Source)
	switch {
	case r.Image && r.Channels == 3:
		fmt.Fprintf(w, "colour images %d×%d (RGB), %d features\n", r.Width, r.Height, r.Features)
	case r.Image:
		fmt.Fprintf(w, "images %d×%d, %d features\n", r.Width, r.Height, r.Features)
	default:
		fmt.Fprintf(w, "numeric table, %d features\n", r.Features)
	}
	fmt.Fprintf(w, "train %d, validation %d, test %d\n\n", r.Train, r.Validation, r.Test)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\ttrain\tvalidation\ttest\t")
	for _, c := range r.Classes {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", c.Name, c.Train, c.Validation, c.Test)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nexact duplicates: %d within train, %d within test, %d shared (%d groups)\n",
		r.Duplicates.WithinTrain, r.Duplicates.WithinTest, r.Duplicates.Between, r.Duplicates.Groups)
	if n := r.Near; n != nil {
		fmt.Fprintf(w, "near duplicates (nearest other image within RMS %.3g grey levels): %d in train, %d in test, %d test images near a training image (%.1f s)\n",
			n.MaxRMS, n.WithinTrain, n.WithinTest, n.Between, n.Seconds)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintln(w, "warning:", warn)
	}
	fmt.Fprintf(w, "\nBLAS: %s\n", r.BLAS)
}

// measuredBLAS describes the BLAS in use with its sgemm rate measured now
// (a fraction of a second).
func measuredBLAS() linalg.BLASInfo {
	b := linalg.Info()
	b.SgemmGFLOPS = linalg.MeasureSgemm()
	return b
}
