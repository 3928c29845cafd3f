#!/usr/bin/env bash
# build.sh — turns drace's pinned sources into a patched Go toolchain whose race
# runtime (ThreadSanitizer) is compiled here from LLVM source.
#
# usage: ./build.sh [STEP...]      run these steps in order (default: all of them)
#        ./build.sh save-patches   regenerate patches/ from the commits in _build/goroot
#
# steps:
#   check     linux/amd64, go1.26.8, the tools below (installed with apt when root)
#   llvm      LLVM 19.1.7 from Debian's llvm-toolchain-19 source package, only the
#             compiler-rt directories the Go race runtime needs
#   tsan      runtime-race/patches applied, buildgo.sh run for amd64 v1 and v3
#   goroot    GOROOT copied to _build/goroot (a git repository whose first commit,
#             tagged pristine, is the stock tree), patches/ applied, .syso installed
#   detectors detectors/ installed as the built-in detectors, runtime/race/detectors/NAME,
#             and toolkit/ as runtime/race/toolkit
#   commands  the commands whose sources the patches change, rebuilt with go install
#   install   the drace command, built to _build/bin/drace
#
# Each step records a hash of its inputs in _build/stamps and is skipped when the
# inputs are unchanged; a stamp is written only after the step's output is complete.
#
# environment (for tests and unusual machines):
#   DRACE_BUILD    build directory (default: _build next to this script)
#   DRACE_GO       the go command whose GOROOT is copied (default: go)
#   DRACE_INSTALL  0: never run apt-get, only say what to install
set -eu

root=$(cd "$(dirname "$0")" && pwd)
build=${DRACE_BUILD:-$root/_build}
go_cmd=${DRACE_GO:-go}
may_install=${DRACE_INSTALL:-1}

readonly GO_VERSION=go1.26.8
readonly LLVM_VERSION=19.1.7
readonly LLVM_SRCPKG=llvm-toolchain-19
readonly LLVM_DEBVERSION=1:19.1.7-3~deb12u1
readonly LLVM_ORIG=llvm-toolchain-19_19.1.7.orig.tar.xz
readonly LLVM_ORIG_SHA256=ae498f3bc58ae2d9f64ef5f0c035c4240152bf015a5b7738b15c22e93bdc97ce
readonly LLVM_DSC=llvm-toolchain-19_19.1.7-3~deb12u1.dsc
readonly LLVM_DSC_SHA256=e1824f8969b5c3e12974b707b4658a319eb6bb45d552ddc109cb18add24bea5c
readonly LLVM_TOPDIR=llvm-toolchain-19_19.1.7
# What buildgo.sh compiles: the Go runtime glue, tsan, sanitizer_common and the
# headers they include.
readonly LLVM_DIRS="compiler-rt/LICENSE.TXT compiler-rt/include compiler-rt/lib/tsan
  compiler-rt/lib/sanitizer_common compiler-rt/lib/interception compiler-rt/lib/ubsan"
readonly CLANG=clang-19
readonly TSAN_VARIANTS="amd64v1 amd64v3"
readonly ALL_STEPS="check llvm tsan goroot detectors commands install"

die() { echo "build.sh: $*" >&2; exit 2; }

# Directories a step is building; removed if the run stops before the step
# moves them into place, so nothing half-built outlives a failure.
in_progress=""
building() { in_progress="$in_progress $1"; rm -rf "$1"; mkdir -p "$1"; }
built() { in_progress=${in_progress/ $1/}; }
# shellcheck disable=SC2086 # in_progress is a list
trap 'status=$?; [ -z "$in_progress" ] || rm -rf $in_progress; exit $status' EXIT
trap 'exit 130' INT TERM

# need TOOL PACKAGE: TOOL must be on PATH; as root (unless DRACE_INSTALL=0)
# install PACKAGE with apt, otherwise name the exact command and stop.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && [ "$may_install" != 0 ]; then
		echo "installing $2 (for $1)"
		apt_updated
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >/dev/null ||
			die "apt-get install $2 failed"
		command -v "$1" >/dev/null 2>&1 || die "$2 is installed but $1 is still not on PATH"
		return 0
	fi
	die "$1 not found: install it as root with: apt-get install -y $2"
}

apt_updated_once=
apt_updated() {
	[ -n "$apt_updated_once" ] && return 0
	apt-get update -q >/dev/null || die "apt-get update failed"
	apt_updated_once=1
}

# hash_inputs PATH...: one sha256 over the names and contents of the files
# under each PATH (missing paths hash as absent, so adding one changes it).
hash_inputs() {
	local p
	for p in "$@"; do
		if [ -e "$p" ]; then
			(cd "$root" && find "${p#"$root"/}" -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
		else
			echo "absent $p"
		fi
	done | sha256sum | cut -c1-64
}

# go_tool GO ARGS...: run a go command without the build lock's descriptor (go
# may leave a telemetry process behind that would hold it) and without
# settings that would point it at another toolchain.
go_tool() { env -u GOFLAGS GOTOOLCHAIN=local "$@" 9>&-; }

stamp_file() { echo "$build/stamps/$1"; }
stamp_is() { [ -f "$(stamp_file "$1")" ] && [ "$(cat "$(stamp_file "$1")")" = "$2" ]; }
stamp_set() { mkdir -p "$build/stamps"; echo "$2" >"$(stamp_file "$1").tmp"; mv "$(stamp_file "$1").tmp" "$(stamp_file "$1")"; }
stamp_clear() { rm -f "$(stamp_file "$1")"; }
stamp_get() { cat "$(stamp_file "$1")" 2>/dev/null || echo none; }

# run_step NAME: run step_NAME, printing its name and how long it took.
run_step() {
	local start end
	start=$(date +%s.%N)
	echo "==> $1"
	"step_$1"
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" -v n="$1" 'BEGIN { printf "<== %s %.1fs\n", n, e - s }'
}

step_check() {
	case "$(uname -s)/$(uname -m)" in
	Linux/x86_64) ;;
	*) die "drace builds on linux/amd64 only, not $(uname -s)/$(uname -m)" ;;
	esac
	command -v "$go_cmd" >/dev/null 2>&1 || die "go not found: drace needs $GO_VERSION on PATH"
	local v
	v=$(go_tool "$go_cmd" version 2>/dev/null | awk '{print $3}')
	[ "$v" = "$GO_VERSION" ] || die "found ${v:-no version} at $(command -v "$go_cmd"), need $GO_VERSION"
	need git git
	need xz xz-utils
	need nm binutils
	need sha256sum coreutils
	need "$CLANG" clang-19
}

# The source package, cached under _build/cache and checked against pinned
# sha256 sums; downloaded only when missing or wrong.
fetch_llvm_source() {
	local cache=$build/cache
	mkdir -p "$cache"
	if [ -f "$cache/$LLVM_ORIG" ] && echo "$LLVM_ORIG_SHA256  $cache/$LLVM_ORIG" | sha256sum -c --status -; then
		return 0
	fi
	need apt-get apt
	if ! apt-cache showsrc "$LLVM_SRCPKG" 2>/dev/null | grep -q "^Version: $LLVM_DEBVERSION\$"; then
		[ "$(id -u)" = 0 ] && [ "$may_install" != 0 ] ||
			die "no deb-src entry for bookworm: as root add 'Types: deb-src / URIs: http://deb.debian.org/debian / Suites: bookworm / Components: main' to /etc/apt/sources.list.d/ and run apt-get update"
		echo "adding a deb-src entry for bookworm"
		cat >/etc/apt/sources.list.d/drace-bookworm-src.sources <<-EOF
			Types: deb-src
			URIs: http://deb.debian.org/debian
			Suites: bookworm bookworm-updates
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
		apt_updated_once=
		apt_updated
		apt-cache showsrc "$LLVM_SRCPKG" 2>/dev/null | grep -q "^Version: $LLVM_DEBVERSION\$" ||
			die "Debian offers no source package $LLVM_SRCPKG=$LLVM_DEBVERSION"
	fi
	local dl=$cache/download.tmp
	building "$dl"
	(cd "$dl" && apt-get source -q --download-only "$LLVM_SRCPKG=$LLVM_DEBVERSION" >download.log 2>&1) ||
		die "apt-get source $LLVM_SRCPKG=$LLVM_DEBVERSION failed (see $dl/download.log)"
	echo "$LLVM_ORIG_SHA256  $dl/$LLVM_ORIG" | sha256sum -c --status - ||
		die "$LLVM_ORIG does not match its pinned sha256 $LLVM_ORIG_SHA256"
	echo "$LLVM_DSC_SHA256  $dl/$LLVM_DSC" | sha256sum -c --status - ||
		die "$LLVM_DSC does not match its pinned sha256 $LLVM_DSC_SHA256"
	mv "$dl/$LLVM_DSC" "$dl/$LLVM_ORIG" "$cache/"
	rm -rf "$dl" && built "$dl"
}

step_llvm() {
	local key
	key=$(printf '%s\n' "$LLVM_ORIG_SHA256" "$LLVM_DIRS" | sha256sum | cut -c1-64)
	if stamp_is llvm "$key" && [ -d "$build/llvm/compiler-rt" ]; then
		echo "up to date"
		return 0
	fi
	stamp_clear llvm
	fetch_llvm_source
	local out=$build/llvm tmp=$build/llvm.tmp paths="" d
	for d in $LLVM_DIRS; do paths="$paths $LLVM_TOPDIR/$d"; done
	building "$tmp"
	# shellcheck disable=SC2086 # paths is a list
	tar -xJf "$build/cache/$LLVM_ORIG" -C "$tmp" --strip-components=1 $paths ||
		die "cannot extract compiler-rt from $LLVM_ORIG"
	rm -rf "$out" && mv "$tmp" "$out" && built "$tmp"
	stamp_set llvm "$key"
}

# The __tsan_* functions the Go runtime links against, as it declares them.
go_tsan_symbols() {
	sed -n 's|^//go:cgo_import_static \(__tsan_[A-Za-z0-9_]*\)$|\1|p' "$(go_tool "$go_cmd" env GOROOT)/src/runtime/race.go" | sort -u
}

step_tsan() {
	local key
	key=$(printf '%s\n' "$(stamp_get llvm)" "$(hash_inputs "$root/runtime-race" "$root/build.sh")" \
		"$("$CLANG" --version | head -1)" "$GO_VERSION" | sha256sum | cut -c1-64)
	if stamp_is tsan "$key" && [ -f "$build/tsan/PROVENANCE" ]; then
		echo "up to date"
		return 0
	fi
	stamp_clear tsan
	local out=$build/tsan tmp=$build/tsan.tmp p patches="" v
	building "$tmp"
	for p in "$root"/runtime-race/patches/*.patch; do
		[ -e "$p" ] || continue
		patches="$patches${patches:+, }runtime-race/patches/$(basename "$p")"
	done
	local clang_version
	clang_version=$("$CLANG" --version | head -1)
	for v in $TSAN_VARIANTS; do
		mkdir -p "$tmp/$v"
		cp -a "$build/llvm/." "$tmp/$v/src"
		# A repository of its own: inside the drace checkout, git apply would
		# resolve paths against the checkout and silently skip them.
		git init -q "$tmp/$v/src"
		for p in "$root"/runtime-race/patches/*.patch; do
			[ -e "$p" ] || continue
			(cd "$tmp/$v/src" && git apply --check "$p" 2>/dev/null) ||
				die "runtime-race/patches/$(basename "$p") does not apply to LLVM $LLVM_VERSION compiler-rt"
			(cd "$tmp/$v/src" && git apply "$p")
		done
		local line="internal/$v/race_linux.syso built with LLVM $LLVM_VERSION (Debian $LLVM_SRCPKG $LLVM_DEBVERSION, $LLVM_ORIG sha256 ${LLVM_ORIG_SHA256:0:16}) with ${patches:-no patches} and Go $GO_VERSION, by $clang_version"
		echo "$line" >>"$tmp/PROVENANCE"
		printf '#define DRACE_PROVENANCE "%s"\n' "$(echo "$line" | sed 's/["\\]/\\&/g')" \
			>"$tmp/$v/src/compiler-rt/lib/tsan/go/drace_provenance.h"
	done
	# buildgo.sh compiles one large translation unit single-threaded: build the
	# variants side by side, one per core.
	local goamd64
	for v in $TSAN_VARIANTS; do
		goamd64=v${v#amd64v}
		(cd "$tmp/$v/src/compiler-rt/lib/tsan/go" &&
			CC=$CLANG GOAMD64=$goamd64 ./buildgo.sh >"$tmp/$v/buildgo.log" 2>&1
		echo $? >"$tmp/$v/buildgo.status") &
	done
	wait
	for v in $TSAN_VARIANTS; do
		if [ "$(cat "$tmp/$v/buildgo.status")" != 0 ]; then
			tail -15 "$tmp/$v/buildgo.log" >&2
			die "buildgo.sh failed for $v (log: $tmp/$v/buildgo.log)"
		fi
		local syso=$tmp/$v/src/compiler-rt/lib/tsan/go/race_linux_amd64.syso
		# Every function the Go runtime imports must be defined here, or a
		# race build fails at link time far from this step.
		local missing
		missing=$(comm -23 <(go_tsan_symbols) <(nm --defined-only "$syso" | awk '$2 ~ /^[TtWw]$/ {print $3}' | sort -u))
		[ -z "$missing" ] || die "$v .syso lacks symbols the Go runtime imports: $(echo $missing)"
		nm --defined-only "$syso" | grep -qw __tsan_go_provenance ||
			die "$v .syso carries no provenance record (__tsan_go_provenance)"
		cp "$syso" "$tmp/$v/race_linux.syso"
		rm -rf "$tmp/$v/src" "$tmp/$v/buildgo.status"
	done
	rm -rf "$out" && mv "$tmp" "$out" && built "$tmp"
	stamp_set tsan "$key"
}

goroot=$build/goroot
git_goroot() { git -C "$goroot" "$@"; }

goroot_key() {
	printf '%s\n' "$(stamp_get tsan)" "$(hash_inputs "$root/patches" "$root/build.sh")" \
		"$GO_VERSION" | sha256sum | cut -c1-64
}

# Work done in _build/goroot and not yet saved in patches/ is never thrown away.
goroot_has_unsaved_work() {
	[ -d "$goroot/.git" ] || return 1
	[ -n "$(git_goroot status --porcelain)" ] && return 0
	[ "$(git_goroot rev-parse HEAD)" != "$(cat "$build/stamps/goroot.head" 2>/dev/null)" ]
}

step_goroot() {
	local key
	key=$(goroot_key)
	if stamp_is goroot "$key" && [ -x "$goroot/bin/go" ]; then
		echo "up to date"
		return 0
	fi
	if goroot_has_unsaved_work; then
		die "_build/goroot has changes not saved in patches/: run ./build.sh save-patches, or remove _build/goroot to drop them"
	fi
	# A new tree holds stock commands: they must be rebuilt too.
	stamp_clear goroot
	stamp_clear detectors
	stamp_clear commands
	local src tmp=$build/goroot.tmp p
	src=$(go_tool "$go_cmd" env GOROOT)
	[ ! -e "$src/src/runtime/race/detector.go" ] ||
		die "$src is a drace toolchain, not the stock one: put the machine's $GO_VERSION go first on PATH or set DRACE_GO"
	building "$tmp"
	cp -a "$src/." "$tmp"
	(
		cd "$tmp"
		git init -q
		git config user.name "drace build"
		git config user.email "drace@localhost"
		git config core.autocrlf false
		# No garbage collection in the background: one still writing into
		# .git when a failed build removes the tree left it behind.
		git config gc.auto 0
		git config maintenance.auto false
		# Binaries, build output and the installed detectors are not the
		# series' sources: keep them out of the pristine commit and out of
		# regenerated patches.
		printf '/bin/\n/pkg/\n/src/runtime/race/detectors/\n/src/runtime/race/toolkit/\n' >.git/info/exclude
		git add -A
		git commit -q -m "pristine $GO_VERSION from $src"
		git tag pristine
		for p in "$root"/patches/*.patch; do
			[ -e "$p" ] || continue
			git apply --check "$p" 2>/dev/null ||
				die "patches/$(basename "$p") does not apply to $GO_VERSION: $(git apply --check "$p" 2>&1 | head -1)"
			git am -q --committer-date-is-author-date "$p" || die "git am patches/$(basename "$p") failed"
		done
		[ -f "$build/tsan/PROVENANCE" ] || die "no race runtime built yet: run ./build.sh tsan first"
		for v in $TSAN_VARIANTS; do
			cp "$build/tsan/$v/race_linux.syso" "src/runtime/race/internal/$v/race_linux.syso"
		done
		# Record what built the installed runtimes where Go records it.
		{ echo; echo "drace: the linux/amd64 runtimes below replace the prebuilt ones above."; cat "$build/tsan/PROVENANCE"; } \
			>>src/runtime/race/README
		# The go command identifies a release toolchain's compiler by its
		# version line alone, which the patched one shares with the stock
		# one: give the patched toolchain a build cache of its own.
		printf '\n# drace: the patched toolchain builds into a cache of its own.\nGOCACHE=%s\n' "$build/gocache" >>go.env
		# Installed build products: present in the tree, never part of a patch.
		git update-index --skip-worktree src/runtime/race/README go.env \
			src/runtime/race/internal/amd64v1/race_linux.syso src/runtime/race/internal/amd64v3/race_linux.syso
	) || exit 2
	rm -rf "$goroot" && mv "$tmp" "$goroot" && built "$tmp"
	git_goroot rev-parse HEAD >"$build/stamps/goroot.head"
	stamp_set goroot "$key"
}

# The built-in detectors are std packages, runtime/race/detectors/NAME, whose
# sources are detectors/NAME in this repository; the go command finds them
# there for -drace=NAME. The toolkit they share with detectors of any module
# is runtime/race/toolkit/..., from toolkit/.
step_detectors() {
	[ -d "$goroot/.git" ] || die "no _build/goroot yet: run ./build.sh goroot first"
	local key
	key=$(printf '%s\n' "$(stamp_get goroot)" "$(hash_inputs "$root/detectors" "$root/toolkit" "$root/build.sh")" | sha256sum | cut -c1-64)
	local dest=$goroot/src/runtime/race/detectors tkdest=$goroot/src/runtime/race/toolkit
	# A _build/goroot made before the toolkit existed does not exclude it
	# yet: without this its files would look like unsaved work there.
	grep -qx '/src/runtime/race/toolkit/' "$goroot/.git/info/exclude" 2>/dev/null ||
		echo '/src/runtime/race/toolkit/' >>"$goroot/.git/info/exclude"
	if stamp_is detectors "$key" && [ -d "$dest" ] && [ -d "$tkdest" ]; then
		echo "up to date"
		return 0
	fi
	stamp_clear detectors
	local tmp=$build/detectors.tmp tktmp=$build/toolkit.tmp d names=""
	building "$tmp"
	building "$tktmp"
	for d in "$root"/detectors/*/; do
		[ -d "$d" ] || continue
		cp -a "$d" "$tmp/"
		[ "$(basename "$d")" = internal ] || names="$names $(basename "$d")"
	done
	cp -a "$root/toolkit/." "$tktmp/"
	# In the module, the detectors import their shared packages as
	# drace/detectors/... and drace/toolkit/...; installed in the GOROOT,
	# they are runtime/race/detectors/... and runtime/race/toolkit/....
	find "$tmp" "$tktmp" -type f -name '*.go' -exec sed -i -e 's|"drace/detectors/|"runtime/race/detectors/|g' \
		-e 's|"drace/toolkit/|"runtime/race/toolkit/|g' {} + ||
		die "rewriting the detectors' imports failed"
	rm -rf "$dest" "$tkdest" && mv "$tmp" "$dest" && built "$tmp" && mv "$tktmp" "$tkdest" && built "$tktmp"
	echo "installed:${names:- none}; the toolkit, runtime/race/toolkit"
	stamp_set detectors "$key"
}

# The commands whose sources differ from the pristine tree, in import-path form.
changed_commands() {
	local changed
	changed=$(git_goroot diff --name-only pristine -- src/cmd | sed -n 's|^src/cmd/\([^/]*\)/.*|\1|p' | sort -u)
	[ -n "$changed" ] || return 0
	# cmd/internal and cmd/vendor are linked into the toolchain commands.
	if echo "$changed" | grep -qxE 'internal|vendor'; then
		changed=$(printf '%s\n' $changed go compile link asm cgo vet)
	fi
	printf 'cmd/%s\n' $changed | grep -vxE 'cmd/(internal|vendor)' | sort -u
}

step_commands() {
	[ -d "$goroot/.git" ] || die "no _build/goroot yet: run ./build.sh goroot first"
	local key
	key=$(printf '%s\n' "$(stamp_get goroot)" "$(git_goroot diff pristine -- src/cmd | sha256sum)" \
		"$(hash_inputs "$root/build.sh")" | sha256sum | cut -c1-64)
	if stamp_is commands "$key"; then
		echo "up to date"
		return 0
	fi
	stamp_clear commands
	local cmds
	cmds=$(changed_commands)
	if [ -z "$cmds" ]; then
		echo "no command differs from $GO_VERSION"
	else
		echo "rebuilding" $cmds
		# shellcheck disable=SC2086 # cmds is a list
		go_tool env -u GOROOT -u GOCACHE "$goroot/bin/go" install $cmds ||
			die "go install $(echo $cmds) failed in _build/goroot"
		# What the previous tools built is in the cache under the same tool
		# ids (see go.env): drop it. Move it aside first, so that a go
		# command still writing there cannot make the removal fail.
		if [ -d "$build/gocache" ]; then
			mv "$build/gocache" "$build/gocache.stale.$$"
			rm -rf "$build/gocache.stale.$$" 2>/dev/null || true
		fi
	fi
	stamp_set commands "$key"
}

step_install() {
	[ -x "$goroot/bin/go" ] || die "no _build/goroot/bin/go yet: run ./build.sh goroot first"
	local key
	key=$(printf '%s\n' "$(stamp_get commands)" "$(stamp_get detectors)" \
		"$(hash_inputs "$root/go.mod" "$root/go.sum" "$root/cmd" "$root/internal" "$root/detectors" "$root/toolkit" "$root/build.sh")" |
		sha256sum | cut -c1-64)
	if stamp_is install "$key" && [ -x "$build/bin/drace" ]; then
		echo "up to date"
		return 0
	fi
	stamp_clear install
	local tmp=$build/bin.tmp
	building "$tmp"
	(cd "$root" && go_tool env -u GOROOT -u GOCACHE "$goroot/bin/go" build -o "$tmp/drace" ./cmd/drace) ||
		die "building cmd/drace failed"
	mkdir -p "$build/bin"
	mv "$tmp/drace" "$build/bin/drace" && rm -rf "$tmp" && built "$tmp"
	stamp_set install "$key"
}

# save-patches: one patch per commit on top of the pristine tree, in Go's
# format-patch conventions, replacing patches/*.patch.
save_patches() {
	[ -d "$goroot/.git" ] || die "no _build/goroot: run ./build.sh first"
	[ -z "$(git_goroot status --porcelain)" ] ||
		die "uncommitted changes in _build/goroot: commit them first, one concern per commit (git -C _build/goroot commit)"
	local c subject
	for c in $(git_goroot rev-list --reverse pristine..HEAD); do
		subject=$(git_goroot log -1 --format=%s "$c")
		echo "$subject" | grep -qE '^[A-Za-z0-9_./-]+(, [A-Za-z0-9_./-]+)*: [a-z]' ||
			die "commit ${c:0:12} \"$subject\" is not in Go's 'pkg: description' style"
	done
	local tmp=$root/patches.tmp
	rm -rf "$tmp" && mkdir -p "$tmp"
	git_goroot format-patch -q --zero-commit --no-numbered --signature= --full-index -o "$tmp" pristine..HEAD
	rm -f "$root"/patches/*.patch
	mkdir -p "$root/patches"
	find "$tmp" -name '*.patch' -exec mv {} "$root/patches/" \;
	rm -rf "$tmp"
	# The tree is the source of the series it just produced: it is up to date.
	git_goroot rev-parse HEAD >"$build/stamps/goroot.head"
	stamp_set goroot "$(goroot_key)"
	echo "saved $(find "$root/patches" -name '*.patch' | wc -l) patches to patches/"
}

main() {
	mkdir -p "$build"
	exec 9>"$build/.lock"
	flock -n 9 || die "another build.sh is running on $build"
	if [ "${1:-}" = save-patches ]; then
		[ $# = 1 ] || die "save-patches takes no arguments"
		save_patches
		return
	fi
	local steps="$*" s
	[ -n "$steps" ] || steps=$ALL_STEPS
	for s in $steps; do
		case " $ALL_STEPS " in
		*" $s "*) ;;
		*) die "unknown step $s (steps: $ALL_STEPS; or save-patches)" ;;
		esac
	done
	# check always runs: every other step relies on what it verifies.
	case " $steps " in *" check "*) ;; *) steps="check $steps" ;; esac
	for s in $ALL_STEPS; do
		case " $steps " in *" $s "*) run_step "$s" ;; esac
	done
}

main "$@"
