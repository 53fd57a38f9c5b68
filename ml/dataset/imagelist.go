package dataset

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// imageFile is one file of an image folder: its path relative to the
// folder and its class.
type imageFile struct {
	path  string
	class int
}

// imagePart is the list of files of one part of an image folder.
type imagePart struct {
	files []imageFile
}

// listImageFolder finds the parts, their files and the class names of the
// image folder dir, and what it skipped: entries that are not regular
// files (FIFOs, devices, sockets, links that go nowhere or in a circle) and
// class folders that link back to a folder above them, each named with the
// reason.
func listImageFolder(dir string) (parts []imagePart, classes []string, skipped []string, err error) {
	subdirs, hasFiles, err := listDir(dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot list the image folder: %w", err)
	}
	top, err := os.Stat(dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot list the image folder: %w", err)
	}
	// dropLoops removes the sub-folders of parent (below dir) that are
	// links back to dir or to parent.
	dropLoops := func(parent string, names []string) []string {
		return slices.DeleteFunc(names, func(c string) bool {
			st, err := os.Stat(filepath.Join(dir, parent, c))
			if err != nil || !(os.SameFile(st, top) || parent != "" && sameAsDir(st, filepath.Join(dir, parent))) {
				return false
			}
			skipped = append(skipped, filepath.ToSlash(filepath.Join(parent, c))+": a link back to a folder above it (a symbolic link loop): skipped")
			return true
		})
	}
	subdirs = dropLoops("", subdirs)
	if len(subdirs) == 0 {
		what := "is empty"
		if hasFiles {
			what = "holds files but no class sub-folders"
		}
		return nil, nil, nil, fmt.Errorf("%s %s: %s", dir, what, imageFolderLayout(dir))
	}
	roots := []string{""}
	if train, test := splitFolders(subdirs); train != "" {
		roots = []string{train, test}
	}
	classDirs := make([][]string, len(roots))
	for i, root := range roots {
		if root == "" {
			classDirs[i] = subdirs
			continue
		}
		classDirs[i], _, err = listDir(filepath.Join(dir, root))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("cannot list the image folder: %w", err)
		}
		classDirs[i] = dropLoops(root, classDirs[i])
		classes = append(classes, classDirs[i]...)
	}
	if len(roots) == 1 {
		classes = subdirs
	} else {
		slices.Sort(classes)
		classes = slices.Compact(classes)
	}
	for i, root := range roots {
		var p imagePart
		for _, c := range classDirs[i] {
			class, _ := slices.BinarySearch(classes, c)
			files, skip, err := listFiles(filepath.Join(dir, root, c))
			if err != nil {
				return nil, nil, nil, fmt.Errorf("cannot list the image folder: %w", err)
			}
			for _, f := range files {
				p.files = append(p.files, imageFile{path: filepath.Join(root, c, f), class: class})
			}
			for _, s := range skip {
				skipped = append(skipped, filepath.ToSlash(filepath.Join(root, c, s)))
			}
		}
		parts = append(parts, p)
	}
	return parts, classes, skipped, nil
}

// splitFolders returns the names of the train and test folders when
// subdirs are those two (without case), else empty strings.
func splitFolders(subdirs []string) (train, test string) {
	if len(subdirs) != 2 {
		return "", ""
	}
	for _, s := range subdirs {
		switch strings.ToLower(s) {
		case "train":
			train = s
		case "test":
			test = s
		}
	}
	if train == "" || test == "" {
		return "", ""
	}
	return train, test
}

// isHidden reports whether a file name is hidden or system clutter.
func isHidden(name string) bool {
	return strings.HasPrefix(name, ".") || strings.EqualFold(name, "Thumbs.db") || strings.EqualFold(name, "desktop.ini")
}

// listDir returns the sorted names of the visible sub-folders of dir
// (following symbolic links) and whether it holds visible files.
func listDir(dir string) (subdirs []string, hasFiles bool, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, false, err
	}
	for _, e := range entries {
		if isHidden(e.Name()) {
			continue
		}
		if isDir(dir, e) {
			subdirs = append(subdirs, e.Name())
		} else {
			hasFiles = true
		}
	}
	slices.Sort(subdirs)
	return subdirs, hasFiles, nil
}

// listFiles returns the sorted names of the visible regular files of dir
// (or links to such files), and the other visible entries that are not
// folders, each with the reason it is skipped: "x.png: a FIFO (named
// pipe), not a regular file: skipped". Reading a FIFO would block for
// ever and a device (a link to /dev/zero) would never end.
func listFiles(dir string) (files, skipped []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		if isHidden(e.Name()) || isDir(dir, e) {
			continue
		}
		mode := e.Type()
		if mode&os.ModeSymlink != 0 {
			st, err := os.Stat(filepath.Join(dir, e.Name()))
			switch {
			case errors.Is(err, syscall.ELOOP):
				skipped = append(skipped, e.Name()+": a symbolic link loop: skipped")
				continue
			case err != nil:
				skipped = append(skipped, e.Name()+": a symbolic link to nothing readable ("+pathErrCause(err).Error()+"): skipped")
				continue
			}
			mode = st.Mode()
		}
		if !mode.IsRegular() {
			skipped = append(skipped, e.Name()+": "+fileKind(mode)+", not a regular file: skipped")
			continue
		}
		files = append(files, e.Name())
	}
	slices.Sort(files)
	slices.Sort(skipped)
	return files, skipped, nil
}

// sameAsDir reports whether st describes the folder at path.
func sameAsDir(st os.FileInfo, path string) bool {
	other, err := os.Stat(path)
	return err == nil && os.SameFile(st, other)
}

// isDir reports whether the entry e of dir is a folder or a link to one.
func isDir(dir string, e os.DirEntry) bool {
	if e.Type()&os.ModeSymlink != 0 {
		st, err := os.Stat(filepath.Join(dir, e.Name()))
		return err == nil && st.IsDir()
	}
	return e.IsDir()
}
