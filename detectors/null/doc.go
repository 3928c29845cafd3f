// Package null is the detector that does nothing with every event it
// receives: linked with -drace=null, it measures the cost of drace's event
// dispatch alone.
//
// It finds nothing and misses everything. It takes memory accesses in
// batches (race.AccessDetector) and reads none of them, so its cost is the
// runtime's collection of accesses into each goroutine's buffer, plus one
// interface call per batch and per other event: the floor of any detector
// that wants accesses. It keeps no state.
package null
