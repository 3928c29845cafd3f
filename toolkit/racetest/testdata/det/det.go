// Package det is the detector racetest's own tests run: the race detector
// that "drace new -kind=race" writes, FastTrack-lite.
package det

import (
	"drace/toolkit/shadow"
	"drace/toolkit/vclock"
	"runtime/race"
)

// Policy reports an access that the last write to its word does not happen before.
var Policy = &race.Policy{
	Name: "det",
	Doc:  "report accesses unordered with the word's last write (FastTrack-lite)",
	New:  func() race.Detector { return &detector{syncs: map[uintptr]vclock.Clock{}} },
}

type thread = vclock.Thread             // a goroutine's vector clock, its State
type word struct{ w, pc, g, _ uintptr } // a word's last write: epoch, PC, goroutine (and padding)
type detector struct {
	race.SpinLock // guards the rest: callbacks must not block
	slots         vclock.Slots
	shadow        shadow.Map[word]
	syncs         map[uintptr]vclock.Clock // each sync object's releases, joined
	out           []race.Report
}

func init() { race.Register(Policy) }
func (d *detector) OnWrite(a race.Access) { // a range access (a copy) is checked at its first word
	d.do(a.G, func(t *thread) {
		w := d.shadow.Word(a.Addr)
		if !vclock.Epoch(w.w).Before(t.C) {
			d.out = append(d.out, race.Report{Kind: "DATA RACE", Accesses: []race.ReportAccess{
				{Write: a.Kind.IsWrite(), Addr: a.Addr, Size: a.Size, G: a.G.ID, PC: a.PC},
				{Write: true, Previous: true, Addr: a.Addr, G: int64(w.g), PC: w.pc}}})
		}
		if a.Kind.IsWrite() {
			d.shadow.Mark(a.Addr)
			*w = word{uintptr(t.Epoch()), a.PC, uintptr(a.G.ID), 0}
		}
	})
}
func (d *detector) OnRead(a race.Access)                  { d.OnWrite(a) } // a.Kind tells them apart
func (d *detector) do(g *race.Goroutine, f func(*thread)) { d.Lock(); f(g.State.(*thread)); d.Unlock() }
func (d *detector) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	if parent == nil { // child began before the detector: this is its first event
		child.State = new(thread)
		d.slots.Attach(child.State.(*thread))
	} else { // child is ordered after what parent did so far
		d.do(parent, func(p *thread) { child.State = d.slots.Fork(p); d.slots.Tick(p) })
	}
}
func (d *detector) OnGoEnd(g *race.Goroutine)      { d.do(g, d.slots.Detach) }
func (d *detector) OnAcquireAll(g *race.Goroutine) { d.do(g, d.slots.AcquireAll) }
func (d *detector) OnAcquire(s race.Sync)          { d.do(s.G, func(t *thread) { t.C.Join(d.syncs[s.Addr]) }) }
func (d *detector) OnReleaseMerge(s race.Sync)     { d.OnRelease(s) }
func (d *detector) OnRelease(s race.Sync) {
	d.do(s.G, func(t *thread) { c := d.syncs[s.Addr]; c.Join(t.C); d.syncs[s.Addr] = c; d.slots.Tick(t) })
}
func (d *detector) OnMalloc(a, n uintptr)     { d.OnFree(a, n) } // reused memory starts afresh
func (d *detector) OnFree(a, n uintptr)       { d.Lock(); d.shadow.Reset(a, n, nil, nil); d.Unlock() }
func (d *detector) Report() (r []race.Report) { d.Lock(); r, d.out = d.out, nil; d.Unlock(); return r }
