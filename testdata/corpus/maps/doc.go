// Package maps holds corpus cases of maps shared between goroutines: plain
// maps read and written concurrently, a map written under a read lock, and
// sync.Map values mutated in place.
//
// Map operations reach race detectors as a read or a write of the map
// itself at the calling line, so every access to one map is an access to
// one address: ThreadSanitizer reports the first race on an address only
// (suppress_equal_addresses), hence one `// want` per line that is part of
// every racing pair (corpus runs print every race, but each is such a
// pair). The runtime's own check ("fatal error: concurrent map writes" and
// friends) fires only when two operations overlap in time: it may crash a
// buggy test, at a wanted line, but it is no case's class, since class
// runtime means every run of every configuration sees it.
package maps
