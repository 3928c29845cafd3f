// Package waitgroup holds corpus cases of sync.WaitGroup misuse: Add
// racing Wait, Add inside the goroutine, negative counters, reuse before
// the previous Wait returned, and a WaitGroup copied by value.
//
// Package sync is not instrumented: the race runtime models a first Add
// (from a zero counter) as a read of the WaitGroup and a blocking Wait as a
// write, and reports their race with no frame of the caller. The only line
// of a case's file in such a report is where the goroutines involved were
// created (their go statements), so that is where the `// want race` is.
// Panics ("sync: negative WaitGroup counter", "sync: WaitGroup is reused
// before previous Wait has returned") crash the test binary: the panicking
// call is the line.
package waitgroup
