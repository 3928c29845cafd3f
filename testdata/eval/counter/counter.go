// Package counter counts hits, and has a data race: Hit is not guarded.
package counter

// A Counter counts hits.
type Counter struct{ n int }

// Hit counts one hit.
func (c *Counter) Hit() { c.n++ }

// N is the hits counted.
func (c *Counter) N() int { return c.n }
