package buildtest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runBuildSh runs build.sh from the checkout at root with extra environment
// and returns its exit status and stderr. Every error path must exit 2 with
// exactly one line naming the problem.
func runBuildSh(t *testing.T, root string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := command(root, "bash", append([]string{filepath.Join(root, "build.sh")}, args...)...)
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stderr.String()
	default:
		t.Fatalf("running build.sh: %v", err)
		return 0, ""
	}
}

func wantOneLineError(t *testing.T, status int, stderr, want string) {
	t.Helper()
	if status != 2 {
		t.Errorf("exit status %d, want 2; stderr:\n%s", status, stderr)
	}
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "build.sh: ") || !strings.Contains(lines[0], want) {
		t.Errorf("stderr = %q, want one line \"build.sh: …%s…\"", stderr, want)
	}
}

// fakeGo writes a go command that reports version and, for 'go env GOROOT',
// the machine's real GOROOT.
func fakeGo(t *testing.T, dir, version string) string {
	t.Helper()
	goroot, err := command(".", "go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "go")
	script := "#!/bin/sh\ncase \"$1\" in\nversion) echo \"go version " + version + " linux/amd64\" ;;\n" +
		"env) echo " + strings.TrimSpace(string(goroot)) + " ;;\nesac\n"
	if err := os.WriteFile(name, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestBuildShWrongGoVersion(t *testing.T) {
	fake := fakeGo(t, t.TempDir(), "go1.25.3")
	status, stderr := runBuildSh(t, repo(t), []string{"DRACE_GO=" + fake, "DRACE_BUILD=" + t.TempDir()}, "check")
	wantOneLineError(t, status, stderr, "found go1.25.3 at "+fake+", need go1.26.8")
}

// With clang-19 absent from PATH and installing forbidden (as for a user who
// is not root), build.sh names the package to install.
func TestBuildShMissingTool(t *testing.T) {
	bin := t.TempDir()
	fakeGo(t, bin, "go1.26.8")
	// Only the tools the check step uses before clang-19, so that clang-19
	// is the one missing.
	for _, tool := range []string{"bash", "uname", "id", "awk", "date", "dirname", "mkdir", "flock", "cat", "env",
		"rm", "git", "xz", "nm", "sha256sum"} {
		path, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("this machine lacks %s: %v", tool, err)
		}
		if err := os.Symlink(path, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	status, stderr := runBuildSh(t, repo(t),
		[]string{"PATH=" + bin, "DRACE_INSTALL=0", "DRACE_BUILD=" + t.TempDir()}, "check")
	wantOneLineError(t, status, stderr, "clang-19 not found: install it as root with: apt-get install -y clang-19")
}

func TestBuildShUnknownStep(t *testing.T) {
	status, stderr := runBuildSh(t, repo(t), []string{"DRACE_BUILD=" + t.TempDir()}, "tsan", "bogus")
	wantOneLineError(t, status, stderr, "unknown step bogus")
}

// A patch that does not apply stops the goroot step with its name, and
// leaves no tree behind that a later run could take for a built one. The
// build runs in a copy of the checkout, never on the real tree.
func TestBuildShPatchDoesNotApply(t *testing.T) {
	copyRoot := t.TempDir()
	for _, name := range []string{"build.sh", "go.mod", "patches", "runtime-race", "detectors"} {
		if out, err := command(repo(t), "cp", "-a", name, copyRoot).CombinedOutput(); err != nil {
			t.Fatalf("copying %s: %v\n%s", name, err, out)
		}
	}
	broken := "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n" +
		"From: drace test <drace@localhost>\nSubject: [PATCH] runtime/race: change a line that is not there\n\n---\n" +
		"diff --git a/src/runtime/race/README b/src/runtime/race/README\n" +
		"--- a/src/runtime/race/README\n+++ b/src/runtime/race/README\n" +
		"@@ -1,1 +1,1 @@\n-this line is not in Go's README\n+nor is this one\n"
	if err := os.MkdirAll(filepath.Join(copyRoot, "patches"), 0o777); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(copyRoot, "patches", "9999-runtime-race-broken.patch"), broken)
	build := filepath.Join(copyRoot, "_build")
	status, stderr := runBuildSh(t, copyRoot, []string{"DRACE_BUILD=" + build}, "goroot")
	wantOneLineError(t, status, stderr, "patches/9999-runtime-race-broken.patch does not apply to go1.26.8")
	for _, leftover := range []string{"goroot", "goroot.tmp", "stamps/goroot"} {
		if _, err := os.Stat(filepath.Join(build, leftover)); err == nil {
			t.Errorf("_build/%s exists after the failed run", leftover)
		}
	}
}
