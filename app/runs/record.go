// Package runs keeps every computed space or trained model as a run: a
// record (what was computed, on which data, with which settings, how it
// went and how good it is), its model and its coordinates, one folder per
// run in a store on disk that the GUI and the CLI share — as TensorBoard's
// logdir or MLflow's mlruns do for training scripts.
//
// A store folder holds one sub-folder per run, named by its ID:
//
//	<store>/<id>/run.json    the Record (JSON)
//	<store>/<id>/space.bin   the coordinates of every item (see WriteSpace)
//	<store>/<id>/model.bin   the model (PCA, GLRM, network), opaque bytes
//
// Every file is written atomically. A folder whose record cannot be read is
// listed as damaged, with the reason, and never stops the others from
// loading. The package knows nothing of the GUI, the workspace or the
// algorithms: it stores records and bytes.
package runs

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Status is where a run stands.
type Status string

// The statuses of a run.
const (
	Running  Status = "running"  // being computed now (or the process died while it was)
	Paused   Status = "paused"   // a training paused by the user; it can be resumed
	Stopped  Status = "stopped"  // a training stopped before its last epoch; it can be resumed or published
	Finished Status = "finished" // done; its space (if any) is usable
	Failed   Status = "failed"   // ended with an error (see Record.Error)
	Damaged  Status = "damaged"  // its folder could not be read (see Record.Error); never written
)

// Kinds of runs.
const (
	KindPCA         = "pca"
	KindEmbedding   = "embedding"   // a trained network whose output is an embedding
	KindAutoencoder = "autoencoder" // a trained autoencoder: its code, with a decoder
	KindGLRM        = "glrm"
	KindTSNE        = "tsne"
	KindUMAP        = "umap"
	KindKMeans      = "kmeans"
)

// Data identifies the data a run was computed on: the data set (by its
// sizes and a checksum of its labels), the validation split and the
// scaling. A run's space is usable only on data with the same Data.
type Data struct {
	Name    string  `json:"name"`
	Source  string  `json:"source"`
	Train   int     `json:"train"`   // rows of the training part
	Test    int     `json:"test"`    // rows of the test part
	Dim     int     `json:"dim"`     // features per row
	Classes int     `json:"classes"` // number of classes
	Labels  uint32  `json:"labels"`  // CRC-32C of every label, train then test
	Val     float64 `json:"val"`     // validation fraction of the split
	Seed    uint64  `json:"seed"`    // seed of the split
	Scaling string  `json:"scaling"`
	// Load names the options an image folder was read with (side, fit,
	// greyscale; see dataset.LoadOptions.String), "" for the defaults.
	Load string `json:"load,omitempty"`
}

// SameSet reports whether d and o describe the same data set (whatever the
// split and scaling).
func (d Data) SameSet(o Data) bool {
	return d.Train == o.Train && d.Test == o.Test && d.Dim == o.Dim && d.Classes == o.Classes && d.Labels == o.Labels && d.Load == o.Load
}

// Same reports whether d and o describe the same data set, split and
// scaling, so that a space computed on one fits the other row for row.
func (d Data) Same(o Data) bool {
	return d.SameSet(o) && d.Val == o.Val && d.Seed == o.Seed && d.Scaling == o.Scaling
}

// Record is what a run's run.json holds. Metrics, History and Config use
// snake_case keys throughout.
type Record struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"` // shown in every list; the user may rename it
	Kind    string    `json:"kind"` // one of the Kind constants
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Seconds float64   `json:"seconds"` // compute time so far
	Status  Status    `json:"status"`
	Epoch   int       `json:"epoch,omitempty"`  // epochs done (trainings)
	Epochs  int       `json:"epochs,omitempty"` // epochs asked for (trainings)
	Error   string    `json:"error,omitempty"`  // why it failed, or why its folder is damaged
	Data    Data      `json:"data"`
	// Config is the full request that made the run (the service's request
	// type as JSON): "train again with these settings" reads it back.
	Config json.RawMessage `json:"config,omitempty"`
	// Metrics are its quality figures, e.g. "knn5_val", "knn5_test",
	// "trustworthiness5", "purity_weighted", "nmi", "final_loss".
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// History holds its curves, e.g. "epoch_loss", "val_knn5", "objective".
	History map[string][]float64 `json:"history,omitempty"`
	// Parents are the IDs of the runs it was computed from (a t-SNE map of
	// run X; k-means on run Y).
	Parents []string `json:"parents,omitempty"`
	// Space describes its coordinates when it has them (space.bin).
	Space *SpaceInfo `json:"space,omitempty"`
	// Model names the kind of model in model.bin ("pca", "glrm",
	// "embed"); empty when it has none.
	Model string `json:"model,omitempty"`
}

// SpaceInfo describes a run's coordinates.
type SpaceInfo struct {
	Dim  int    `json:"dim"`
	Rows [3]int `json:"rows"` // train, validation, test
	// Decodable tells whether its model maps coordinates back to images.
	Decodable bool `json:"decodable,omitempty"`
}

// HasSpace reports whether the run yields a space that panels can use: it
// has coordinates and is finished.
func (r Record) HasSpace() bool { return r.Space != nil && r.Status == Finished }

// Resumable reports whether the run is a training that can go on.
func (r Record) Resumable() bool {
	return (r.Kind == KindEmbedding || r.Kind == KindAutoencoder) && r.Model != "" &&
		(r.Status == Paused || r.Status == Stopped || r.Status == Running)
}

// StatusText says where the run stands in words: "stopped at epoch 1 of
// 8", "finished", "failed: …".
func (r Record) StatusText() string {
	switch r.Status {
	case Paused, Stopped, Running:
		if r.Epochs > 0 {
			return fmt.Sprintf("%s at epoch %d of %d", r.Status, r.Epoch, r.Epochs)
		}
	case Failed, Damaged:
		if r.Error != "" {
			return string(r.Status) + ": " + r.Error
		}
	}
	return string(r.Status)
}

// idPattern is what a run ID looks like: a sortable UTC time, the kind and
// a random tag, e.g. "20261201-142301-pca-3f9a1c". Folders with other
// names are not runs and are ignored.
var idPattern = regexp.MustCompile(`^[0-9]{8}-[0-9]{6}-[a-z0-9]{1,16}-[0-9a-f]{6}$`)

// ValidID reports whether id has the shape of a run ID (so it is safe as a
// folder name).
func ValidID(id string) bool { return idPattern.MatchString(id) }

// NewID returns a fresh run ID for a run of the given kind created at t.
func NewID(kind string, t time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	var k []byte
	for _, c := range []byte(strings.ToLower(kind)) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			k = append(k, c)
		}
	}
	if len(k) == 0 {
		k = []byte("run")
	}
	if len(k) > 16 {
		k = k[:16]
	}
	return fmt.Sprintf("%s-%s-%s", t.UTC().Format("20060102-150405"), k, hex.EncodeToString(b[:]))
}

// idTime returns the creation time written in a run ID (the zero time when
// it has none).
func idTime(id string) time.Time {
	if len(id) < 15 {
		return time.Time{}
	}
	t, err := time.Parse("20060102-150405", id[:15])
	if err != nil {
		return time.Time{}
	}
	return t
}
