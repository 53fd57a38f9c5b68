package dataset

import "fmt"

// Limits on what a data file may claim or hold. Every size, count and
// dimension read from a file is checked against them, and against what the
// file can actually hold, before memory is allocated for it; the errors
// name the file, the field and the limit.
const (
	// MaxDataBytes bounds the raw data of one data set, all parts together:
	// pixels take 1 byte, table values 4. The panels make float32 features
	// from it (4 bytes a pixel) and keep a few such copies (scaled, PCA,
	// embeddings), so 1 GiB of pixels already asks for well over 4 GiB.
	// EMNIST ByClass, the largest common data set of this kind, holds
	// 814,255 images of 28×28 pixels: 638 MB.
	MaxDataBytes = 1 << 30
	// MaxItems bounds the rows of one data set: each costs a label of 8
	// bytes and an entry in every per-item list (splits, selections,
	// labellings) besides its data. 16.7 M rows is 20 times EMNIST.
	MaxItems = 1 << 24
	// MaxColumns bounds the columns of a CSV table and the values of a
	// projector vector: the header alone costs about 60 bytes a column
	// while it is parsed. 262,144 columns hold 512×512 images.
	MaxColumns = 1 << 18
	// MaxLineBytes bounds one record of a CSV or TSV file, so that memory
	// follows the data and not the longest line: a line of MaxColumns
	// cells of up to 64 characters fits.
	MaxLineBytes = 16 << 20

	// maxIDXImageSide bounds each side of an IDX image.
	maxIDXImageSide = 1 << 14
	// gzipMaxRatio is deflate's largest expansion (one 258-byte match per
	// two bits, about 1032:1): a gzip file of n bytes holds at most
	// gzipMaxRatio·n bytes, which refutes a header claiming more before
	// anything is read.
	gzipMaxRatio = 1032
	// idxReadChunk is the most read at once while the data arrives, and
	// the first allocation for it, so that a header claiming more data
	// than the file holds costs no more memory than the data present.
	idxReadChunk = 1 << 20

	// MaxImageSide bounds the side of the images LoadImages makes (the
	// --side option): 1024×1024×3 is 3 MiB an image.
	MaxImageSide = 1024
	// maxImageFileBytes bounds one image file, counted in bytes actually
	// read (a device or a growing file may report any size): a 24 MP
	// camera JPEG is about 12 MB; larger files are skipped.
	maxImageFileBytes = 64 << 20
	// maxImagePixels bounds an image's source pixels before it is
	// decoded: the decoder needs 4 bytes a pixel (128 MiB at the limit);
	// larger images are skipped.
	maxImagePixels = 1 << 25
	// maxListedWarnings bounds the skipped files named one by one in
	// Warnings; the rest are counted.
	maxListedWarnings = 50

	// maxCSVClasses bounds the number of distinct labels of a CSV table:
	// a column with more is taken to hold measurements, not classes.
	maxCSVClasses = 1000
	// maxClassNameLines bounds the number of lines read from a class
	// names file.
	maxClassNameLines = 1 << 16
)

// humanBytes writes n bytes in the largest binary unit that keeps it whole
// or at one decimal: "1 GiB", "16 MiB", "1.5 KiB", "300 bytes".
func humanBytes(n int64) string {
	units := []string{"bytes", "KiB", "MiB", "GiB", "TiB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d bytes", n)
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), units[u])
	}
	return fmt.Sprintf("%.1f %s", v, units[u])
}
