package gobundle

import (
	"os"
	"path/filepath"
	"sort"
	"time"
)

// CacheEnv names the environment variable that sets where built binaries
// are kept between synths: a directory, or "off" to build every binary at
// every synth. By default they are kept in the user's cache directory
// (os.UserCacheDir, e.g. ~/.cache/velocity/gobundle on Linux). The
// directory can be deleted at any time.
const CacheEnv = "VELOCITY_GOBUNDLE_CACHE"

// keepPerBinary is how many builds of one binary the cache keeps, the most
// recently used: enough for switching between a few branches, small enough
// that editing a function all day does not fill the disk.
const keepPerBinary = 3

// cacheDir returns the cache directory, or "" when the cache is off or no
// cache directory is known.
func cacheDir() string {
	switch dir := os.Getenv(CacheEnv); dir {
	case "off":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(base, "velocity", "gobundle")
	default:
		return dir
	}
}

// The cache holds one directory per binary (its slot: the package and build
// tags), so that the builds of one binary are found and trimmed together
// without an index; each build is a file named by its key.
func cachePath(slot, key string) string {
	dir := cacheDir()
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, slot, key)
}

// cacheGet returns the binary built with key, if the cache has it. A cache
// that cannot be read is a miss: the binary is built again.
func cacheGet(slot, key string) ([]byte, bool) {
	path := cachePath(slot, key)
	if path == "" {
		return nil, false
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	// The modification time records the last use, for trimming.
	now := time.Now()
	_ = os.Chtimes(path, now, now)
	return bin, true
}

// cachePut keeps bin under key. Errors are ignored: a cache that cannot be
// written only means the next synth builds again.
func cachePut(slot, key string, bin []byte) {
	path := cachePath(slot, key)
	if path == "" {
		return
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	// Written beside its final name and renamed, so a synth running at the
	// same time never reads half a binary.
	tmp, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return
	}
	_, werr := tmp.Write(bin)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), path) != nil {
		os.Remove(tmp.Name())
		return
	}
	trim(dir)
}

// trim keeps the keepPerBinary most recently used builds in dir.
func trim(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type build struct {
		name string
		used time.Time
	}
	var builds []build
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		builds = append(builds, build{e.Name(), info.ModTime()})
	}
	sort.Slice(builds, func(i, j int) bool { return builds[i].used.After(builds[j].used) })
	for i := keepPerBinary; i < len(builds); i++ {
		os.Remove(filepath.Join(dir, builds[i].name))
	}
}
