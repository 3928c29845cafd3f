// Package channels holds corpus cases of channel misuse: sends and closes
// that race, closes that panic, and channels used next to shared memory
// that they do not order.
//
// The race runtime sees a send as a read of the channel and a close as a
// write of it, at the calling line; a close does not check whether the
// channel was closed before panicking, so two closes never race, they
// panic. A panic case lets the panic crash the test binary: that is the
// report ("panic: close of closed channel"), with the panicking line as the
// innermost frame of the case's file.
package channels
