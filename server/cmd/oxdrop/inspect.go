package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/oxdrop/oxdrop/core/describe"
	"github.com/oxdrop/oxdrop/core/model"
)

func init() { commands["inspect"] = inspect }

const inspectUsage = `Usage: oxdrop inspect PATH...

Prints one JSON object per file (folders are walked), sorted by path:
the fields of Oxen's MetadataEntry (filename, hash, is_dir, size,
data_type, mime_type, extension, metadata) plus "path", relative to the
folder argument (or the argument itself for a file).
`

// inspectEntry is one output line: a MetadataEntry's file fields plus path.
type inspectEntry struct {
	Path      string          `json:"path"`
	Filename  string          `json:"filename"`
	Hash      string          `json:"hash"`
	IsDir     bool            `json:"is_dir"`
	Size      uint64          `json:"size"`
	DataType  model.DataType  `json:"data_type"`
	MimeType  string          `json:"mime_type"`
	Extension string          `json:"extension"`
	Metadata  *model.Metadata `json:"metadata"`
}

func inspect(args []string) int {
	return runInspect(args, os.Stdout, os.Stderr)
}

// inspectFile is a file to describe: where it is on disk and the path shown.
type inspectFile struct{ disk, shown string }

// runInspect is the command with its streams injected, for tests.
func runInspect(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, inspectUsage)
		return 2
	}
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Fprint(stdout, inspectUsage)
			return 0
		}
	}
	failed := false
	fail := func(p string, err error) {
		failed = true
		fmt.Fprintf(stderr, "oxdrop inspect: %s: %v\n", p, err)
	}
	var files []inspectFile
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			fail(arg, unwrapPathError(err))
			continue
		}
		if !st.IsDir() {
			files = append(files, inspectFile{disk: arg, shown: filepath.ToSlash(arg)})
			continue
		}
		root := arg
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				fail(p, unwrapPathError(err))
				return nil // WalkDir skips an unreadable folder and goes on
			}
			if d.IsDir() {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				// Follow links to files; links to folders are not walked (no cycles).
				st, err := os.Stat(p)
				if err != nil {
					fail(p, unwrapPathError(err))
					return nil
				}
				if st.IsDir() {
					return nil
				}
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				fail(p, err)
				return nil
			}
			files = append(files, inspectFile{disk: p, shown: filepath.ToSlash(rel)})
			return nil
		})
		if err != nil {
			fail(arg, err)
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].shown < files[j].shown })

	out := bufio.NewWriter(stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	buf := make([]byte, describe.DefaultBufferSize)
	for _, f := range files {
		info, err := describeFile(f.disk, buf)
		if err != nil {
			fail(f.disk, err)
			continue
		}
		e := inspectEntry{
			Path: f.shown, Filename: path.Base(f.shown), Hash: info.Hash, Size: info.Size,
			DataType: info.DataType, MimeType: info.MimeType, Extension: info.Extension, Metadata: info.Metadata,
		}
		if err := enc.Encode(e); err != nil {
			fail(f.disk, err)
			return 1
		}
	}
	if failed {
		return 1
	}
	return 0
}

func describeFile(p string, buf []byte) (model.FileInfo, error) {
	f, err := os.Open(p)
	if err != nil {
		return model.FileInfo{}, unwrapPathError(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return model.FileInfo{}, unwrapPathError(err)
	}
	if !st.Mode().IsRegular() {
		return model.FileInfo{}, fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	return describe.File(filepath.Base(p), f, st.Size(), buf, nil)
}

// unwrapPathError drops the op and path of an *fs.PathError, since the
// message already starts with the path.
func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
