package cli

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/views/figures"
)

// writeMapCSV writes a 2-D map of items as CSV (split, index, label, x, y),
// atomically.
func writeMapCSV(path string, ws *workspace.Workspace, items []workspace.Item, Y blas32.General) error {
	ds := ws.Data()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"split", "index", "label", "x", "y"})
	for i, it := range items {
		w.Write([]string{it.Split.Name, strconv.Itoa(it.Row()), ds.Classes[it.Label()],
			strconv.FormatFloat(float64(Y.Data[i*Y.Stride]), 'g', -1, 32), strconv.FormatFloat(float64(Y.Data[i*Y.Stride+1]), 'g', -1, 32)})
	}
	w.Flush()
	return figures.WriteFileAtomic(path, b.Bytes())
}
