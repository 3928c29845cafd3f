package null

import "runtime/race"

// Policy is the null detector.
var Policy = &race.Policy{
	Name: "null",
	Doc:  "receive every event and do nothing, to measure dispatch cost",
	New:  func() race.Detector { return detector{} },
}

func init() { race.Register(Policy) }

type detector struct{}

func (detector) OnAccesses(*race.Goroutine, race.AccessBatch) {}
func (detector) OnAtomic(race.AtomicAccess)                   {}
func (detector) OnAcquire(race.Sync)                          {}
func (detector) OnRelease(race.Sync)                          {}
func (detector) OnReleaseMerge(race.Sync)                     {}
func (detector) OnAcquireAll(*race.Goroutine)                 {}
func (detector) OnGoStart(_, _ *race.Goroutine, _ uintptr)    {}
func (detector) OnGoEnd(*race.Goroutine)                      {}
func (detector) OnSync(race.SyncOp)                           {}
func (detector) Report() []race.Report                        { return nil }
