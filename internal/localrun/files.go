package localrun

import (
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// The runner moves files that jobs, archives and assemblies name. Every
// such operation goes through an os.Root, so that a name with "..", or a
// symbolic link a job leaves behind, cannot reach outside the directory it
// belongs to.

// withRoots opens src and dst (created) as roots for f.
func withRoots(src, dst string, f func(from, to *os.Root) error) error {
	from, err := os.OpenRoot(src)
	if err != nil {
		return err
	}
	defer from.Close()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	to, err := os.OpenRoot(dst)
	if err != nil {
		return err
	}
	defer to.Close()
	return f(from, to)
}

// copyTree copies the directory src to dst (created), keeping modes and
// symbolic links.
func copyTree(src, dst string) error {
	return withRoots(src, dst, func(from, to *os.Root) error {
		return fs.WalkDir(from.FS(), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == "." {
				return err
			}
			return copyEntry(from, to, p, p, d)
		})
	})
}

// copyEntry copies the entry name of from to target in to.
func copyEntry(from, to *os.Root, name, target string, d fs.DirEntry) error {
	info, err := from.Lstat(name)
	if err != nil {
		return err
	}
	switch {
	case d != nil && d.IsDir():
		return to.MkdirAll(target, info.Mode().Perm()|0o700)
	case info.Mode()&os.ModeSymlink != 0:
		link, err := from.Readlink(name)
		if err != nil {
			return err
		}
		if err := to.MkdirAll(path.Dir(target), 0o755); err != nil {
			return err
		}
		return to.Symlink(link, target)
	case info.Mode().IsRegular():
		in, err := from.Open(name)
		if err != nil {
			return err
		}
		defer in.Close()
		return writeFile(to, target, in, info.Mode().Perm())
	}
	return nil
}

// writeFile writes r to name in root, creating its directory.
func writeFile(root *os.Root, name string, r io.Reader, mode os.FileMode) error {
	if err := root.MkdirAll(path.Dir(name), 0o755); err != nil {
		return err
	}
	out, err := root.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyFiles copies the named files (slash-separated, relative) from the
// directory src to dst.
func copyFiles(src, dst string, names []string) error {
	return withRoots(src, dst, func(from, to *os.Root) error {
		for _, n := range names {
			if err := copyEntry(from, to, n, n, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// exists reports whether name (relative) is in the directory dir.
func exists(dir, name string) bool {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return false
	}
	defer root.Close()
	_, err = root.Stat(filepath.FromSlash(name))
	return err == nil
}

// readIn reads name (relative) from the directory dir.
func readIn(dir, name string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.ReadFile(filepath.FromSlash(name))
}

// globFiles returns the regular files under dir (relative, slash-separated)
// that match any of the buildspec patterns, where ** matches any number of
// directories. A missing dir has no files.
func globFiles(dir string, patterns []string) ([]string, error) {
	root, err := os.OpenRoot(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer root.Close()
	var out []string
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, pat := range patterns {
			if matchGlob(strings.TrimPrefix(pat, "./"), p) {
				out = append(out, p)
				break
			}
		}
		return nil
	})
	return out, err
}

// matchGlob matches a slash-separated path against a pattern with ** for
// any number of path segments.
func matchGlob(pattern, name string) bool {
	return matchSegments(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegments(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegments(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
