// Package buildtest holds the integration tests of build.sh and what it
// produces: the source-built race runtimes, the patched toolchain under
// _build/goroot, and Go's own race suite run on it. It has no code of its
// own; run ./build.sh before its tests.
package buildtest
