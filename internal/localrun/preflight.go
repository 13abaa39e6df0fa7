package localrun

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/velocity-cdk/velocity/internal/assembly"
	"github.com/velocity-cdk/velocity/internal/buildspec"
	"github.com/velocity-cdk/velocity/internal/codebuild"
	"golang.org/x/mod/modfile"
)

// Problem is what the preflight found in one job of the line.
type Problem struct {
	Job string
	buildspec.Finding
}

func (p Problem) String() string { return p.Job + ": " + p.Finding.String() }

// PreflightOptions say what the preflight checks.
type PreflightOptions struct {
	Assembly *assembly.Assembly
	Pipeline *assembly.Pipeline
	// Repo is the git repository; its HEAD is the source artifact.
	Repo string
	// CDKCLIVersion is the CDK CLI version to advise.
	CDKCLIVersion string
}

var (
	cdInSource = regexp.MustCompile(`cd\s+"?\$CODEBUILD_SRC_DIR/([^"\s;&|)]+)"?`)
	cdkApp     = regexp.MustCompile(`cdk\s+(?:-a|--app)\s+(\S+)\s+deploy\s+(\S+)`)
	assetsPath = regexp.MustCompile(`cdk-assets\s+--path\s+"([^"]+)"`)
)

// Preflight checks every CodeBuild job of the line without running it:
// the Go and Node.js it gets against what it runs and what go.mod says, the
// tool versions it installs against the assembly's schema, its cache
// paths, its shell, and that the directories, packages, stacks and files it
// names exist in the artifact it reads.
func Preflight(o PreflightOptions) ([]Problem, error) {
	files, err := gitFiles(o.Repo)
	if err != nil {
		return nil, err
	}
	var out []Problem
	add := func(job string, isErr bool, format string, args ...interface{}) {
		out = append(out, Problem{job, buildspec.Finding{Error: isErr, Message: fmt.Sprintf(format, args...)}})
	}
	sourceArtifacts := map[string]bool{}
	for _, st := range o.Pipeline.Stages {
		for _, a := range st.Actions {
			if a.Category == "Source" {
				for _, name := range a.Outputs {
					sourceArtifacts[name] = true
				}
			}
		}
	}
	for _, st := range o.Pipeline.Stages {
		for _, a := range st.Actions {
			if a.Provider == "CloudFormation" {
				if _, file, ok := strings.Cut(a.Config["TemplatePath"], "::"); ok {
					if !exists(o.Assembly.Dir, file) {
						add(a.ID(), true, "deploys %s, which is not in the cloud assembly", file)
					}
				}
			}
			if a.Provider != "CodeBuild" || a.Project == nil || len(a.Inputs) == 0 {
				continue
			}
			fromSource := sourceArtifacts[a.Inputs[0]]
			text := a.Project.BuildSpec
			if a.Project.BuildSpecFile {
				if fromSource {
					add(a.ID(), true, "reads its buildspec from %s in the source, which the preflight does not follow", text)
					continue
				}
				raw, err := readIn(o.Assembly.Dir, text)
				if err != nil {
					add(a.ID(), true, "its buildspec file %s is not in the cloud assembly it reads", text)
					continue
				}
				text = string(raw)
			}
			spec, err := buildspec.Parse(text)
			if err != nil {
				add(a.ID(), true, "%v", err)
				continue
			}
			env := map[string]string{}
			for _, e := range a.Project.Env {
				env[e.Name] = e.Value
			}
			job := buildspec.Job{Spec: spec, Image: codebuild.Standard7, Env: env, Schema: o.Assembly.Version, CDKCLIVersion: o.CDKCLIVersion}
			if a.Project.Image != "" && a.Project.Image != codebuild.Standard7.Name {
				add(a.ID(), false, "runs on %s; the preflight knows only %s and checks it against that", a.Project.Image, codebuild.Standard7.Name)
			}
			dir := "."
			if fromSource {
				for _, c := range spec.Commands() {
					if m := cdInSource.FindStringSubmatch(c); m != nil {
						d := strings.Trim(m[1], "/")
						if !files.hasDir(d) {
							add(a.ID(), true, "changes to $CODEBUILD_SRC_DIR/%s, which is not in the source (HEAD)", d)
						} else if dir == "." {
							dir = d
						}
					}
				}
				job.GoMod = files.goVersion(dir)
				for _, c := range spec.Commands() {
					if !strings.Contains(c, "go ") || !strings.Contains(c, "./") {
						continue
					}
					for _, tok := range strings.Fields(c) {
						if !strings.HasPrefix(tok, "./") {
							continue
						}
						p := path.Join(dir, strings.TrimSuffix(strings.TrimSuffix(tok, "..."), "/"))
						if !files.hasDir(p) {
							add(a.ID(), true, "names the Go packages %s, but %s is not a directory in the source (HEAD)", tok, p)
						}
					}
				}
			} else {
				for _, c := range spec.Commands() {
					if m := cdkApp.FindStringSubmatch(c); m != nil && !o.Assembly.HasStack(m[2]) {
						add(a.ID(), true, "deploys stack %s, which is not in the cloud assembly", m[2])
					}
					for _, m := range assetsPath.FindAllStringSubmatch(c, -1) {
						if !exists(o.Assembly.Dir, m[1]) {
							add(a.ID(), true, "publishes the assets of %s, which is not in the cloud assembly", m[1])
						}
					}
				}
			}
			for _, f := range buildspec.Check(job) {
				out = append(out, Problem{a.ID(), f})
			}
		}
	}
	return out, nil
}

// sourceFiles are the files of the source artifact: git's HEAD.
type sourceFiles struct {
	// worktree: not a git repository, the files as they are.
	worktree bool
	repo     string
	files    map[string]bool
	dirs     map[string]bool
}

// gitFiles lists HEAD of repo; a directory that is not a git work tree
// (a source artifact, as a job sees it) is listed as it is.
func gitFiles(repo string) (*sourceFiles, error) {
	s := &sourceFiles{repo: repo, files: map[string]bool{}, dirs: map[string]bool{".": true}}
	var names []string
	if out, err := exec.Command("git", "-C", repo, "rev-parse", "--is-inside-work-tree").Output(); err == nil && strings.TrimSpace(string(out)) == "true" {
		out, err := exec.Command("git", "-C", repo, "ls-tree", "-r", "--name-only", "HEAD").Output()
		if err != nil {
			return nil, fmt.Errorf("%s is a git repository without a commit: the line's source is the repository's HEAD", repo)
		}
		names = strings.Split(strings.TrimSpace(string(out)), "\n")
	} else {
		s.worktree = true
		err := filepath.WalkDir(repo, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				rel, _ := filepath.Rel(repo, p)
				names = append(names, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, f := range names {
		s.files[f] = true
		for d := path.Dir(f); d != "." && !s.dirs[d]; d = path.Dir(d) {
			s.dirs[d] = true
		}
	}
	return s, nil
}

func (s *sourceFiles) hasDir(d string) bool { return s.dirs[path.Clean(d)] }

// goVersion returns the go line of the go.mod in dir or above, at HEAD.
func (s *sourceFiles) goVersion(dir string) string {
	for d := path.Clean(dir); ; d = path.Dir(d) {
		f := path.Join(d, "go.mod")
		if s.files[f] {
			raw, err := exec.Command("git", "-C", s.repo, "show", "HEAD:"+f).Output()
			if s.worktree {
				raw, err = readIn(s.repo, f)
			}
			if err != nil {
				return ""
			}
			mf, err := modfile.Parse(f, raw, nil)
			if err != nil || mf.Go == nil {
				return ""
			}
			v := mf.Go.Version
			if mf.Toolchain != nil {
				if tc := strings.TrimPrefix(mf.Toolchain.Name, "go"); codebuild.CompareVersions(tc, v) > 0 {
					v = tc
				}
			}
			return v
		}
		if d == "." || d == "/" {
			return ""
		}
	}
}
