package dataset

import (
	"archive/zip"
	"fmt"
	"io"
	"path"
	"strings"
)

// npzArchive is an opened .npz file: a zip archive of .npy files.
type npzArchive struct {
	name    string               // the file, for messages
	entries map[string]*zip.File // by array name (the entry's name without ".npy")
}

// readNPZ opens the .npz archive r of size bytes, named name in messages.
// Its directory is checked before any array is read: at most
// npzMaxEntries arrays, each stored or deflated, claiming no more than
// deflate can expand to (see gzipMaxRatio) and no more than the limits
// allow.
func readNPZ(r io.ReaderAt, size int64, name string) (*npzArchive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%s: not a NumPy .npz archive (a zip file of .npy arrays): %v", name, err)
	}
	z := &npzArchive{name: name, entries: map[string]*zip.File{}}
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".npy") || strings.HasSuffix(f.Name, "/") {
			continue
		}
		if len(z.entries) == npzMaxEntries {
			return nil, fmt.Errorf("%s: more than %d arrays (npzMaxEntries): a data set is a few arrays (data, labels, class names)", name, npzMaxEntries)
		}
		key := strings.TrimSuffix(path.Base(f.Name), ".npy")
		switch {
		case f.Method != zip.Store && f.Method != zip.Deflate:
			return nil, fmt.Errorf("%s:%s: compressed with method %d: only stored and deflated arrays are read (numpy.savez or numpy.savez_compressed)", name, key, f.Method)
		case f.Method == zip.Deflate && f.UncompressedSize64 > gzipMaxRatio*(f.CompressedSize64+1):
			return nil, fmt.Errorf("%s:%s: claims %d bytes from %d compressed, more than deflate expands to: a damaged archive", name, key, f.UncompressedSize64, f.CompressedSize64)
		case f.Method == zip.Store && f.UncompressedSize64 != f.CompressedSize64:
			return nil, fmt.Errorf("%s:%s: a stored array of %d bytes claims %d: a damaged archive", name, key, f.CompressedSize64, f.UncompressedSize64)
		case f.UncompressedSize64 > 8*MaxDataBytes+maxNPYHeader:
			return nil, fmt.Errorf("%s:%s: %d bytes, more than any array within the limit (dataset.MaxDataBytes) this program reads", name, key, f.UncompressedSize64)
		}
		z.entries[key] = f
	}
	if len(z.entries) == 0 {
		return nil, fmt.Errorf("%s holds no .npy arrays: save the data with numpy.savez(f, x=data, y=labels)", name)
	}
	return z, nil
}

// array reads the array named key, which must be an entry.
func (z *npzArchive) array(key string) (*NPYArray, error) {
	f := z.entries[key]
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s:%s: %v", z.name, key, err)
	}
	defer rc.Close()
	a, err := ReadNPY(io.LimitReader(rc, int64(f.UncompressedSize64)), int64(f.UncompressedSize64))
	if err != nil {
		return nil, fmt.Errorf("%s:%s: %w", z.name, key, err)
	}
	return a, nil
}
