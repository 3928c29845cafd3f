package main

// drace eval: finding the packages to evaluate. A module@version is
// downloaded through the module cache and copied to a writable directory
// (tests write files beside themselves); a directory is evaluated in
// place, its packages and those under it.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// An evalPackage is one package whose tests are evaluated.
type evalPackage struct {
	Module string // module@version, or the module path of a directory
	Path   string // import path
	ModDir string // the module's root: its tests are built there
	Dir    string // the package's directory: its tests run there
}

// expandEvalInputs returns the modules and directories the arguments
// name: a regular file is a list of them, one a line (# starts a comment),
// directories in it relative to the file's.
func expandEvalInputs(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		fi, err := os.Stat(arg)
		switch {
		case err == nil && fi.IsDir():
			out = append(out, arg)
		case err == nil:
			items, err := readEvalList(arg)
			if err != nil {
				return nil, err
			}
			out = append(out, items...)
		case isModuleVersion(arg):
			out = append(out, arg)
		default:
			return nil, fmt.Errorf("%s: not a module@version, a directory or a list file", arg)
		}
	}
	return out, nil
}

func isModuleVersion(s string) bool {
	mod, ver, ok := strings.Cut(s, "@")
	return ok && mod != "" && ver != "" && !strings.ContainsAny(s, " \t")
}

func readEvalList(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var items []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case isModuleVersion(line):
			items = append(items, line)
		default:
			dir := line
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(filepath.Dir(file), dir)
			}
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return nil, fmt.Errorf("%s:%d: %s: not a module@version or a directory", file, n, line)
			}
			items = append(items, dir)
		}
	}
	return items, sc.Err()
}

// A detectorModule is a detector given by import path in -configs and the
// module that holds it, as the go command finds them from the current
// directory.
type detectorModule struct {
	Import string // the detector's import path
	Path   string // its module's path
	Dir    string // its module's root
}

// detectorModules finds the modules of the detectors cfgs give by import
// path, from the current directory: that of the module they are written
// in, or of one that requires it.
func detectorModules(goCmd string, cfgs []benchConfig, installed []string) ([]detectorModule, error) {
	var mods []detectorModule
	for _, c := range cfgs {
		for _, name := range strings.Split(c.name, "+") {
			if c.stock || slices.Contains(installed, name) || !strings.ContainsAny(name, "./") {
				continue // race, off, all or a built-in detector
			}
			out, err := goOutput(goCmd, ".", "list", "-f", "{{with .Module}}{{.Path}}\t{{.Dir}}{{end}}", name)
			if err != nil {
				return nil, fmt.Errorf("-configs: %s: %v (run drace eval in a module that holds or requires the detector)", name, err)
			}
			path, dir, ok := strings.Cut(out, "\t")
			if !ok || dir == "" {
				return nil, fmt.Errorf("-configs: %s: in no module on this machine", name)
			}
			if !slices.ContainsFunc(mods, func(m detectorModule) bool { return m.Import == name }) {
				mods = append(mods, detectorModule{Import: name, Path: path, Dir: dir})
			}
		}
	}
	return mods, nil
}

// resolveEvalModules returns the packages with tests of each input, in
// input order and by import path within a module. The copy of a
// module@version requires the detectors' modules, replaced by their
// directories.
func resolveEvalModules(goCmd, work string, inputs []string, dets []detectorModule) ([]evalPackage, error) {
	var pkgs []evalPackage
	for _, in := range inputs {
		var module, dir string
		var err error
		if isModuleVersion(in) {
			module = in
			dir, err = downloadModule(goCmd, work, in, dets)
		} else {
			dir, err = filepath.Abs(in)
			if err == nil {
				module, err = goOutput(goCmd, dir, "list", "-m", "-f", "{{.Path}}")
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", in, err)
		}
		found, err := listTestPackages(goCmd, module, dir, isModuleVersion(in))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", in, err)
		}
		pkgs = append(pkgs, found...)
	}
	return pkgs, nil
}

// downloadModule brings module@version into the module cache and copies
// it to a writable directory under work. The copy requires each detector's
// module, replaced by its directory, so that -drace finds the detector: in
// every configuration, so that all of them build with one module graph.
func downloadModule(goCmd, work, modver string, dets []detectorModule) (string, error) {
	cmd := exec.Command(goCmd, "mod", "download", "-json", modver)
	cmd.Dir = work // outside any module
	cmd.Env = cleanEnv()
	out, runErr := cmd.Output()
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil {
		return "", fmt.Errorf("go mod download: %v", runErr)
	}
	if info.Error != "" {
		return "", fmt.Errorf("%s", info.Error)
	}
	dst := filepath.Join(work, "mod", strings.NewReplacer("/", "_", "@", "_").Replace(modver))
	if err := copyTree(dst, info.Dir); err != nil {
		return "", err
	}
	modPath, _, _ := strings.Cut(modver, "@")
	edit := []string{"mod", "edit"}
	list := []string{"list", "-mod=mod", "-test", "-deps", "./..."}
	for _, d := range dets {
		if d.Path != modPath {
			edit = append(edit, "-require="+d.Path+"@v0.0.0-00010101000000-000000000000", "-replace="+d.Path+"="+d.Dir)
			list = append(list, d.Import)
		}
	}
	if len(edit) > 2 {
		if _, err := goOutput(goCmd, dst, edit...); err != nil {
			return "", err
		}
	}
	// The tests' own dependencies, and the detectors', may be missing
	// from go.sum.
	if _, err := goOutput(goCmd, dst, list...); err != nil {
		return "", err
	}
	return dst, nil
}

// copyTree copies the regular files under src to dst, writable.
func copyTree(dst, src string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// listTestPackages lists the packages with tests in dir and under it.
func listTestPackages(goCmd, module, dir string, modMode bool) ([]evalPackage, error) {
	args := []string{"list", "-f", "{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}\t{{.Dir}}\t{{.Module.Dir}}{{end}}"}
	if modMode {
		args = append(args, "-mod=mod")
	}
	out, err := goOutput(goCmd, dir, append(args, "./...")...)
	if err != nil {
		return nil, err
	}
	var pkgs []evalPackage
	for line := range strings.Lines(out) {
		f := strings.Split(strings.TrimSpace(line), "\t")
		if len(f) == 3 {
			pkgs = append(pkgs, evalPackage{Module: module, Path: f[0], Dir: f[1], ModDir: f[2]})
		}
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("no packages with tests")
	}
	slices.SortFunc(pkgs, func(a, b evalPackage) int { return strings.Compare(a.Path, b.Path) })
	return pkgs, nil
}

// goOutput runs the go command in dir and returns its output, trimmed; its
// error says what went wrong in one line.
func goOutput(goCmd, dir string, args ...string) (string, error) {
	cmd := exec.Command(goCmd, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("go %s: %s", args[0], msg)
	}
	return strings.TrimSpace(string(out)), nil
}
