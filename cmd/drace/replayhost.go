package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/race"

	"drace/detectors/record/trace"
	"drace/internal/symbolize"
)

// A replayHost answers the detectors' questions about the traced program
// (race.Host): PCs from the traced binary's symbol table, StackIDs from
// the trace's stack table, GOROOT from the trace's header, and goroutine statuses, clock readings and
// stacks from the answers the recorder logged when detectors asked the
// same questions online (trace.Answer), matched by asking goroutine and
// kind, in order. A trace recorded without the detector that asks has no
// answers: the host then says a goroutine has ended, lets the clock run
// 10 s per reading and gives empty stacks, and warns once per kind, as
// the replayed reports may then differ from what the detector would have
// found online.
type replayHost struct {
	r   *trace.Reader
	tab *symbolize.Table
	// cur is the trace goroutine whose event is being replayed, at
	// offset in the trace.
	cur    uint64
	offset int64
	// clock is the last time answered, for readings with no answer.
	clock int64
	warn  io.Writer
	// warned has the kinds of answer found missing, to warn once each.
	warned map[trace.Kind]bool
	frames map[uintptr][]runtime.Frame
}

func newReplayHost(r *trace.Reader, tab *symbolize.Table, warn io.Writer) *replayHost {
	return &replayHost{r: r, tab: tab, warn: warn, warned: map[trace.Kind]bool{}, frames: map[uintptr][]runtime.Frame{}}
}

func (h *replayHost) Frames(pcs []uintptr) []runtime.Frame {
	if len(pcs) == 1 {
		if fr, ok := h.frames[pcs[0]]; ok {
			return fr
		}
	}
	out := h.tab.RuntimeFrames(pcs)
	if len(pcs) == 1 {
		h.frames[pcs[0]] = out
	}
	return out
}

func (h *replayHost) GOROOT() string { return h.r.Header().GOROOT }

func (h *replayHost) StackFrames(id race.StackID) []uintptr {
	frames, _ := h.r.Stack(uint32(id))
	return uintptrs(frames)
}

// uintptrs converts a trace's addresses to the traced program's.
func uintptrs(pcs []uint64) []uintptr {
	out := make([]uintptr, len(pcs))
	for i, pc := range pcs {
		out[i] = uintptr(pc)
	}
	return out
}

// answer returns the next logged answer of kind to the current goroutine.
func (h *replayHost) answer(kind trace.Kind) (trace.Answer, bool) {
	a, ok := h.r.Answer(h.cur, kind)
	if !ok && !h.warned[kind] && h.warn != nil {
		h.warned[kind] = true
		fmt.Fprintf(h.warn, "drace: replay: warning: at byte offset %d, a detector asked for %s and the trace has no recorded answer (record with that detector linked beside record): its reports may differ from online ones\n", h.offset, answerName[kind])
	}
	return a, ok
}

var answerName = map[trace.Kind]string{
	trace.Lookup:  "a goroutine's status",
	trace.Clock:   "the time",
	trace.Callers: "its stack",
}

// A lookup is answered with the recorded answer for the same goroutine.
// Where the replay looks up a goroutine the recorded run did not (a
// runtime deadlock check, which a trace does not hold, reported it
// online, so the detector did not look it up again), the goroutine is
// answered as not found and the recorded answer stays for the next
// lookup; the answers for goroutines the replay skips are passed over.
// Detectors look goroutines up in the order of their ids (at a test's end
// and at exit), so one pass matches them.
func (h *replayHost) LookupGoroutine(id int64) (race.GoroutineStatus, bool) {
	for {
		a, ok := h.r.NextAnswer(h.cur, trace.Lookup)
		if ok && a.ID < id {
			h.r.Answer(h.cur, trace.Lookup) // the replay skipped it
			continue
		}
		if ok && a.ID > id {
			h.divergedLookup(id, a.ID)
			return race.GoroutineStatus{}, false
		}
		break
	}
	a, ok := h.answer(trace.Lookup)
	if !ok || !a.Found {
		return race.GoroutineStatus{}, false
	}
	s := race.GoroutineStatus{State: a.State, Blocked: a.Blocked, Waits: a.Waits}
	if len(a.PCs) > 0 {
		s.Stack = uintptrs(a.PCs)
	}
	return s, true
}

// divergedLookup warns, once, that the replay looked up goroutine id
// where the recorded run looked up goroutine rec.
func (h *replayHost) divergedLookup(id, rec int64) {
	if !h.warned[0] && h.warn != nil {
		h.warned[0] = true
		fmt.Fprintf(h.warn, "drace: replay: warning: at byte offset %d, a detector looked up goroutine %d where the recorded run looked up goroutine %d: the replay has diverged\n", h.offset, id, rec)
	}
}

func (h *replayHost) Nanotime() int64 {
	if a, ok := h.answer(trace.Clock); ok {
		h.clock = a.Time
	} else {
		h.clock += 10e9
	}
	return h.clock
}

func (h *replayHost) Callers(skip int, pcs []uintptr) int {
	a, ok := h.answer(trace.Callers)
	if !ok {
		return 0
	}
	n := 0
	for ; n < len(pcs) && n < len(a.PCs); n++ {
		pcs[n] = uintptr(a.PCs[n])
	}
	return n
}
