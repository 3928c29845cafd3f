// Package atomicmix holds corpus cases where one variable is accessed both
// with sync/atomic and with plain loads or stores: racing (found by
// happens-before detectors too) and ordered (found by the atomicmix class
// only).
//
// The `// want` comments sit on the plain accesses. A sync/atomic call has no
// line of its own in reports: the race runtime sees it from the function's
// ABI wrapper, so a report shows the atomic side as sync/atomic frames
// followed by the stack of instrumented callers (for an atomic called
// directly in a go statement's function, just where that goroutine was
// created).
package atomicmix
