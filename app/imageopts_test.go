package app

import (
	"bytes"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"embedscope/app/workspace"
	"embedscope/ml/dataset"
)

func TestImageOptionsForm(t *testing.T) {
	f := newImageOptionsForm()
	if o, err := f.options(); err != nil || o != (dataset.LoadOptions{}) {
		t.Errorf("defaults give %+v, %v; want the zero options", o, err)
	}
	f.side.SetText("48")
	f.fit.SetSelected(dataset.FitLabels[dataset.FitCrop])
	f.grey.SetChecked(true)
	want := dataset.LoadOptions{Images: dataset.ImageOptions{Side: 48, Fit: dataset.FitCrop, Grey: true}}
	if o, err := f.options(); err != nil || o != want {
		t.Errorf("got %+v, %v; want %+v", o, err, want)
	}
	f.side.SetText("0")
	if _, err := f.options(); err == nil || f.side.Validate() == nil {
		t.Error("side 0 accepted")
	}
}

// colourFolder writes n synthetic colour images of mixed sizes (24 and
// 32 pixels) in three class folders.
func colourFolder(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range n {
		var b bytes.Buffer
		if err := png.Encode(&b, dataset.SyntheticImage(i%3, 24+8*(i%2), rng)); err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(dir, dataset.SyntheticClasses[i%3])
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("%03d.png", i)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestColourFolderSession opens a colour folder with options, saves a
// session and opens it again after other data: the folder is read again
// with the same options (size, fit) and in colour.
func TestColourFolderSession(t *testing.T) {
	skipShort(t)
	dir := colourFolder(t, 30)
	u := newTestUI(t, Options{})
	opts := dataset.LoadOptions{Images: dataset.ImageOptions{Side: 16, Fit: dataset.FitCrop}}
	if err := u.OpenWith(dir, opts).Wait(); err != nil {
		t.Fatal(err)
	}
	ds := u.Env.Workspace.Data()
	if ds.Width != 16 || ds.Height != 16 || ds.NumChannels() != 3 || ds.Options != opts {
		t.Fatalf("opened %d×%d×%d with %+v", ds.Width, ds.Height, ds.Channels, ds.Options)
	}
	path := filepath.Join(t.TempDir(), "colour"+workspace.SessionExt)
	if err := u.SaveSession(path).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := u.Open(workspace.Embedded).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := u.OpenSession(path).Wait(); err != nil {
		t.Fatal(err)
	}
	back := u.Env.Workspace.Data()
	if back.Width != 16 || back.NumChannels() != 3 || back.Options != opts || !bytes.Equal(back.Train.Pixels, ds.Train.Pixels) {
		t.Errorf("session data %d×%d×%d with %+v", back.Width, back.Height, back.Channels, back.Options)
	}
	s, err := workspace.LoadSession(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Data.Channels != 3 || s.Data.Width != 16 || s.Load != opts {
		t.Errorf("session records %+v, load %+v", s.Data, s.Load)
	}
	// The same folder read at another size is other data for the session.
	other, err := workspace.OpenWith(t.Context(), dir, dataset.LoadOptions{Images: dataset.ImageOptions{Side: 20, Fit: dataset.FitCrop}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Check(other); err == nil {
		t.Error("a session of 16×16 images accepted 20×20 ones")
	}
}
