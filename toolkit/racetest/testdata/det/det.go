package det

import (
	"runtime/race"

	"drace/toolkit/shadow"
	"drace/toolkit/vclock"
)

// Policy reports an access to a word that the word's last write does not
// happen before.
var Policy = &race.Policy{
	Name: "det",
	Doc:  "report accesses unordered with the word's last write (FastTrack-lite)",
	New:  func() race.Detector { return &detector{syncs: map[uintptr]vclock.Clock{}} },
}

func init() { race.Register(Policy) }

type word struct { // a word's last write; a record's size is a power of two
	w        vclock.Epoch
	pc, g, _ uintptr
}

type detector struct {
	mu      race.SpinLock // guards the rest: callbacks must not block
	slots   vclock.Slots
	shadow  shadow.Map[word]
	syncs   map[uintptr]vclock.Clock // each sync object's releases, joined
	reports []race.Report
}

func (d *detector) OnAccesses(g *race.Goroutine, b race.AccessBatch) {
	d.do(g, func(t *vclock.Thread) {
		for a := range b.All() {
			for p := a.Addr &^ 7; p < a.Addr+a.Size; p += 8 {
				w := d.shadow.Word(p)
				if w.w != 0 && !w.w.Before(t.C) {
					d.reports = append(d.reports, race.Report{Accesses: []race.ReportAccess{
						{Write: a.Kind.IsWrite(), Addr: a.Addr, Size: a.Size, G: g.ID, PC: a.PC},
						{Write: true, Previous: true, Addr: p, Size: 8, G: int64(w.g), PC: w.pc}}})
				}
				if a.Kind.IsWrite() {
					d.shadow.Mark(p)
					*w = word{w: t.Epoch(), pc: a.PC, g: uintptr(g.ID)}
				}
			}
		}
	})
}

// do runs f with g's vector clock, attached on g's first event.
func (d *detector) do(g *race.Goroutine, f func(t *vclock.Thread)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if g.State == nil {
		g.State = new(vclock.Thread)
		d.slots.Attach(g.State.(*vclock.Thread))
	}
	f(g.State.(*vclock.Thread))
}

func (d *detector) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	if parent != nil { // else child began before the detector
		d.do(parent, func(t *vclock.Thread) { child.State = d.slots.Fork(t); d.slots.Tick(t) })
	}
}
func (d *detector) OnGoEnd(g *race.Goroutine)      { d.do(g, d.slots.Detach) }
func (d *detector) OnAcquireAll(g *race.Goroutine) { d.do(g, d.slots.AcquireAll) }
func (d *detector) OnAcquire(s race.Sync) {
	d.do(s.G, func(t *vclock.Thread) { t.C.Join(d.syncs[s.Addr]) })
}
func (d *detector) OnReleaseMerge(s race.Sync) { d.OnRelease(s) }
func (d *detector) OnRelease(s race.Sync) {
	d.do(s.G, func(t *vclock.Thread) { c := d.syncs[s.Addr]; c.Join(t.C); d.syncs[s.Addr] = c; d.slots.Tick(t) })
}
func (d *detector) OnMalloc(addr, size uintptr) { d.OnFree(addr, size) }
func (d *detector) OnFree(addr, size uintptr) {
	d.mu.Lock()
	d.shadow.Reset(addr, size, nil, nil) // reused memory starts afresh
	d.mu.Unlock()
}
func (d *detector) Report() (r []race.Report) {
	d.mu.Lock()
	r, d.reports = d.reports, nil
	d.mu.Unlock()
	return r
}
