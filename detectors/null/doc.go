// Package null is the detector that does nothing with every event it
// receives: linked with -drace=null, it measures the cost of drace's event
// dispatch alone.
//
// It finds nothing and misses everything. Its cost per event is one
// interface call from the dispatcher; it keeps no state.
package null
