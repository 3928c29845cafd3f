// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package vclock

import "sync/atomic"

// Goroutines keeps the happens-before state of a detector's goroutines,
// lending each a slot lazily: at its first event, not when it is started,
// so that a program that starts goroutines faster than they run (thousands
// waiting to be scheduled) does not hold a slot for each, and a goroutine
// that ends before its first event never takes one. It records each
// slot's holders (Holders) and the acquire-all generation, after which
// every goroutine starts a new epoch at its next event.
//
// A detector keeps a Goroutine per goroutine and calls, on that goroutine's
// own events: Start when it is started (on its parent's event, the child
// not yet running), Use at each event before using its clock, Tick for a
// new epoch (after a release), AcquireAll, and End when it ends.
//
// The zero Goroutines is ready to use; its methods may be called
// concurrently, each with a Goroutine used by one goroutine at a time.
type Goroutines struct {
	// Slots lends the slots; Slots.Used tells how many were lent.
	Slots Slots
	// Holders names the goroutine of an epoch, for reports.
	Holders Holders
	// gen counts the AcquireAll calls.
	gen atomic.Uint32
}

// A Goroutine is one goroutine's happens-before state in Goroutines: its
// Thread, which holds a slot from its first Use on, its goroutine ID, and
// the acquire-all generation its current epoch began in.
type Goroutine struct {
	Thread
	gid int64
	gen uint32
}

// ID returns g's goroutine ID, as given to Start.
func (g *Goroutine) ID() int64 { return g.gid }

// Start sets up g, the goroutine with ID gid started by parent: g's clock,
// before its first epoch, is a copy of parent's, and parent, if not nil,
// starts a new epoch (fork: g is ordered after what parent did so far, and
// what parent does next is not ordered before g). parent must have been
// Used at this event; it is nil for a goroutine whose parent is not known
// (one that started before the detector), whose clock starts empty. g
// takes no slot until its first Use.
//
// g may be the Goroutine of a goroutine that has ended (End): its clock's
// storage is reused.
func (gs *Goroutines) Start(parent, g *Goroutine, gid int64) {
	c := g.C[:0]
	*g = Goroutine{gid: gid}
	g.C = c
	if parent != nil {
		g.C = append(c, parent.C...)
		gs.Tick(parent)
	}
}

// Use readies g for an event: it lends g a slot and starts its first
// epoch there if g holds none (its first event, or its slot was taken: g
// Attaches again, keeping its clock), or starts a new epoch if an
// AcquireAll happened since g's current epoch began. Call it at each
// event of g before reading or changing g's clock.
func (gs *Goroutines) Use(g *Goroutine) {
	if !g.Holds() {
		gs.attach(g)
	} else if gen := gs.gen.Load(); g.gen != gen {
		g.gen = gen
		gs.Tick(g)
	}
}

// Ready reports whether g needs no Use for its next event: it holds its
// slot and its epoch began after the last AcquireAll. Use checks this
// itself, but is too large to be inlined; Ready is, for a detector's hot
// path to call Use only when it is false.
func (gs *Goroutines) Ready(g *Goroutine) bool { return g.Holds() && g.gen == gs.gen.Load() }

// attach lends g a slot and starts its first epoch there.
func (gs *Goroutines) attach(g *Goroutine) {
	// Load gen before publishing the clock: an AcquireAll that g does not
	// see in gen may have missed its clock, but then g had done nothing
	// yet (AcquireAll reads the clocks before it bumps gen).
	g.gen = gs.gen.Load()
	gs.Slots.Attach(&g.Thread)
	gs.Holders.Attach(&g.Thread, g.gid)
}

// Tick starts a new epoch of g: in its slot, or, if the slot was taken
// from it, in a new one.
func (gs *Goroutines) Tick(g *Goroutine) {
	if !gs.Slots.Tick(&g.Thread) {
		gs.attach(g)
	}
}

// AcquireAll orders g (Used at this event) after everything done so far
// in every slot (Slots.AcquireAll), and makes every other goroutine start
// a new epoch at its next Use, so that what it does from then on is not
// ordered before g. g's own epoch goes on; Tick it if it must not.
func (gs *Goroutines) AcquireAll(g *Goroutine) {
	// The clocks are read before gen changes: a goroutine that sees the
	// new gen (and so does not tick) started its epoch after the read.
	gs.Slots.AcquireAll(&g.Thread)
	g.gen = gs.gen.Add(1)
}

// End gives back g's slot, if it holds one, when its goroutine ends. g
// must not be used again.
func (gs *Goroutines) End(g *Goroutine) { gs.Slots.Detach(&g.Thread) }
