// Copyright 2026 The drace Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package leak

import (
	"cmp"
	"flag"
	"fmt"
	"runtime/race"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"drace/toolkit/code"
)

// Policy is the goroutine leak detector.
var Policy = &race.Policy{
	Name:   "leak",
	Doc:    "report goroutines left blocked when a test ends or the program exits, deadlocks of every goroutine when they happen, and goroutine explosions",
	New:    newPolicyDetector,
	Flags:  flags,
	Stacks: true,
}

func init() { race.Register(Policy) }

// newPolicyDetector returns the detector the flags ask for: one that
// follows locks' holders (leak.holders) or one that does not, and is not
// sent the events that would cost.
func newPolicyDetector() race.Detector {
	cfg := flagConfig()
	d := newDetector(cfg)
	if cfg.holders {
		return holdingDetector{d}
	}
	return d
}

// The detector's flags, set from DRACE_FLAGS (leak.wait=2s). They are
// defined while the package's variables are initialised, before the init
// that registers the policy parses DRACE_FLAGS.
var (
	flagWait      = time.Second
	flagExplosion = 10000
	flagIgnore    string
	flagHolders   = true
	flags         = newFlags()
)

func newFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("leak", flag.ContinueOnError)
	fs.StringVar(&flagIgnore, "ignore", "", "comma-separated functions whose goroutines are known and allowed")
	fs.BoolVar(&flagHolders, "holders", true, "follow locks' holders, to name them in what a goroutine waits on")
	fs.Func("wait", "the deadline at a test's end (default 1s)", func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return fmt.Errorf("not a duration >= 0")
		}
		flagWait = d
		return nil
	})
	fs.Func("explosion", "live goroutines from one go statement that make an explosion (default 10000, 0 turns it off)", func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return fmt.Errorf("not an integer >= 0")
		}
		flagExplosion = n
		return nil
	})
	return fs
}

type config struct {
	wait      time.Duration // deadline at a test's end
	settle    time.Duration // how long all that is left must stay blocked
	explosion int           // live goroutines per go statement; 0: off
	ignore    map[string]bool
	holders   bool // follow locks' holders
}

// flagConfig returns the configuration the flags hold.
func flagConfig() config {
	c := config{wait: flagWait, settle: 100 * time.Millisecond, explosion: flagExplosion, ignore: map[string]bool{}, holders: flagHolders}
	for _, f := range strings.Split(flagIgnore, ",") {
		if f = strings.TrimSpace(f); f != "" {
			c.ignore[f] = true
		}
	}
	return c
}

// A gor is what the detector knows of a live goroutine.
type gor struct {
	id       int64
	test     string  // the test it belongs to, or ""
	pc       uintptr // its go statement's return address; 0 if it began before the detector
	reported bool
}

// An ending is a test end in progress: the detector's polls of the
// goroutines the test left.
type ending struct {
	test         string
	start        int64 // when the test ended
	blockedSince int64 // since when all that is left has been blocked; 0 if not
	poll         time.Duration
}

type detector struct {
	cfg    config
	lookup func(id int64) (race.GoroutineStatus, bool)
	now    func() int64 // nanoseconds
	code   *code.Classifier
	where  func(pc uintptr) string // code.FileLine

	holds holdTable // who holds each Mutex and RWMutex held now

	lock     race.SpinLock
	live     map[int64]*gor
	perPC    map[uintptr]int // live goroutines per go statement
	exploded map[uintptr]bool
	endings  map[int64]*ending // by the test goroutine's id
	running  map[string]int    // runs of each test started and not ended
	reports  []race.Report
	pending  atomic.Bool // reports holds reports; read without lock
}

func newDetector(cfg config) *detector {
	return &detector{
		cfg:      cfg,
		lookup:   race.LookupGoroutine,
		now:      race.Nanotime,
		code:     creatorCode(),
		where:    code.FileLine,
		live:     map[int64]*gor{},
		perPC:    map[uintptr]int{},
		exploded: map[uintptr]bool{},
		endings:  map[int64]*ending{},
		running:  map[string]int{},
	}
}

// state returns g's record, creating it for a goroutine first seen now.
// The caller holds d.lock.
func (d *detector) state(g *race.Goroutine) *gor {
	if s, ok := g.State.(*gor); ok {
		return s
	}
	s := d.live[g.ID]
	if s == nil {
		s = &gor{id: g.ID}
		d.live[g.ID] = s
	}
	g.State = s
	return s
}

func (d *detector) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	d.lock.Lock()
	defer d.lock.Unlock()
	s := &gor{id: child.ID}
	if parent != nil {
		s.test = d.state(parent).test
		s.pc = pc
	}
	d.live[child.ID] = s
	child.State = s
	if s.pc == 0 || d.cfg.explosion == 0 {
		return
	}
	d.perPC[pc]++
	if n := d.perPC[pc]; n > d.cfg.explosion && !d.exploded[pc] {
		d.exploded[pc] = true
		d.pending.Store(true)
		d.reports = append(d.reports, race.Report{
			Kind:       "GOROUTINE EXPLOSION",
			Message:    strconv.Itoa(n) + " goroutines alive created by the same go statement (threshold " + strconv.Itoa(d.cfg.explosion) + ")" + inTest(s.test),
			Goroutines: []int64{child.ID},
		})
	}
}

func inTest(test string) string {
	if test == "" {
		return ""
	}
	return ", in " + test
}

func (d *detector) OnGoEnd(g *race.Goroutine) {
	d.lock.Lock()
	defer d.lock.Unlock()
	s := d.state(g)
	delete(d.live, g.ID)
	if s.pc != 0 {
		if d.perPC[s.pc]--; d.perPC[s.pc] <= 0 {
			delete(d.perPC, s.pc)
		}
	}
	g.State = nil
}

func (d *detector) OnTestStart(g *race.Goroutine, name string) {
	d.lock.Lock()
	d.state(g).test = name
	d.running[name]++
	d.lock.Unlock()
}

// OnTestEnd polls the goroutines the test left until none is left, all
// that are left have settled blocked, or the deadline passes; then it
// reports those still blocked.
func (d *detector) OnTestEnd(g *race.Goroutine, name string) int64 {
	now := d.now()
	d.lock.Lock()
	e := d.endings[g.ID]
	if e == nil {
		if d.running[name]--; d.running[name] <= 0 {
			delete(d.running, name)
		} else {
			// Another run of the test, under the same name, is still
			// going: testing/synctest.Test runs the test function again
			// in a bubble, while the outer run's goroutines wait for it.
			// What the runs left is checked when the last one ends.
			d.lock.Unlock()
			return 0
		}
		e = &ending{test: name, start: now, poll: time.Millisecond}
		d.endings[g.ID] = e
	}
	var left []*gor
	for id, s := range d.live {
		if s.test == name && id != g.ID && !s.reported && s.pc != 0 {
			left = append(left, s)
		}
	}
	d.lock.Unlock()
	sortByID(left)

	// Look the goroutines up outside the lock: it takes the scheduler's.
	type found struct {
		s  *gor
		st race.GoroutineStatus
	}
	var blocked []found
	allBlocked, sleeping := true, false
	for _, s := range left {
		st, ok := d.lookup(s.id)
		if !ok {
			continue
		}
		if !st.Blocked {
			allBlocked = false
			continue
		}
		if d.ignored(s.pc, st.Stack) {
			continue
		}
		sleeping = sleeping || st.State == "sleep"
		blocked = append(blocked, found{s, st})
	}
	if len(blocked) == 0 && allBlocked {
		d.finish(g.ID)
		return 0
	}
	switch {
	case !allBlocked || sleeping:
		e.blockedSince = 0
	case e.blockedSince == 0:
		e.blockedSince = now
	}
	settled := e.blockedSince != 0 && now-e.blockedSince >= int64(d.cfg.settle)
	if !settled && now-e.start < int64(d.cfg.wait) {
		wait := e.poll
		e.poll = min(2*e.poll, 100*time.Millisecond)
		return int64(wait)
	}
	var all []blockedG
	for _, f := range blocked {
		all = append(all, blockedG{f.s.id, f.st})
	}
	idx := waitIndex(all) // the goroutines are in the order of their ids
	d.lock.Lock()
	for _, f := range blocked {
		if f.s.reported {
			continue
		}
		f.s.reported = true
		d.pending.Store(true)
		d.reports = append(d.reports, leakReport(f.s, f.st, "after "+name+" ended", idx, d.locks()))
	}
	d.lock.Unlock()
	d.finish(g.ID)
	return 0
}

func (d *detector) finish(testG int64) {
	d.lock.Lock()
	delete(d.endings, testG)
	d.lock.Unlock()
}

// OnExit reports the goroutines still blocked when the program exits that
// no test end has reported.
func (d *detector) OnExit(g *race.Goroutine) {
	d.lock.Lock()
	var left []*gor
	for id, s := range d.live {
		if id != g.ID && !s.reported && s.pc != 0 {
			left = append(left, s)
		}
	}
	d.lock.Unlock()
	sortByID(left)
	var all []blockedG
	var gs []*gor // all's
	for _, s := range left {
		st, ok := d.lookup(s.id)
		if !ok || !st.Blocked || d.ignored(s.pc, st.Stack) {
			continue
		}
		all = append(all, blockedG{s.id, st})
		gs = append(gs, s)
	}
	idx := waitIndex(all)
	for i, b := range all {
		s := gs[i]
		d.lock.Lock()
		s.reported = true
		d.pending.Store(true)
		d.reports = append(d.reports, leakReport(s, b.st, "when the program exited", idx, d.locks()))
		d.lock.Unlock()
	}
}

// OnDeadlock implements race.DeadlockDetector: every goroutine is blocked
// and nothing can wake one. It reports one DEADLOCK naming each blocked
// goroutine of the program, what it waits on (its wait reason and stack)
// and where it was created; the testing package's own goroutines, which
// wait for the tests, are left out unless nothing else is blocked.
func (d *detector) OnDeadlock(blocked []int64) {
	d.deadlock(blocked, "DEADLOCK", "all goroutines are blocked and nothing can wake them (no timer, I/O or system call pending)", claimFinal)
}

// OnPartialDeadlock implements race.PartialDeadlockDetector: the blocked
// goroutines wait on objects that no goroutine which may run can reach.
// It reports them as OnDeadlock does, while the program goes on; a
// goroutine reported is not reported again as a leak.
func (d *detector) OnPartialDeadlock(blocked []int64) {
	d.deadlock(blocked, "DEADLOCK", "goroutines blocked for good on channels or locks that no running goroutine can reach", claimFinal)
}

// OnTimeout implements race.TimeoutDetector: the test binary's
// -test.timeout alarm fired. It reports TEST TIMEOUT naming the blocked
// goroutines as OnDeadlock does, before package testing's dump of every
// goroutine.
func (d *detector) OnTimeout(blocked []int64) {
	d.deadlock(blocked, "TEST TIMEOUT", "test timed out with goroutines blocked", claimBlocked)
}

// deadlock reports the blocked goroutines in one report of kind, why in
// its message; c is what its notes may say of the goroutines it leaves
// out. Each goroutine's note says what it waits on (waitNote).
func (d *detector) deadlock(blocked []int64, kind, why string, c claim) {
	blocked = slices.Clone(blocked)
	slices.Sort(blocked) // the same order in every run
	var acc, rest []race.ReportAccess
	var ids []int64
	var tests []string
	// Look every goroutine up first: a channel's note names the others
	// blocked on it.
	var all []blockedG
	for _, id := range blocked {
		if st, ok := d.lookup(id); ok && st.Blocked {
			all = append(all, blockedG{id, st})
		}
	}
	idx := waitIndex(all)
	for _, b := range all {
		id, st := b.id, b.st
		a := race.ReportAccess{Verb: "Blocked in " + st.State, G: id, Frames: st.Stack, Note: waitNote(id, st, idx, c, d.locks())}
		d.lock.Lock()
		s := d.live[id]
		test := ""
		if s != nil {
			s.reported = true // no leak report too
			test = s.test
		}
		d.lock.Unlock()
		if !d.programs(s, st.Stack) {
			rest = append(rest, a)
			continue
		}
		acc = append(acc, a)
		ids = append(ids, id)
		if test != "" && !slices.Contains(tests, test) {
			tests = append(tests, test)
		}
	}
	if len(acc) == 0 {
		acc = rest
		for _, a := range rest {
			ids = append(ids, a.G)
		}
	}
	if len(acc) == 0 {
		return
	}
	msg := why + ": " + strconv.Itoa(len(acc)) + " blocked"
	if len(tests) > 0 {
		msg += ", in " + strings.Join(tests, ", ")
	}
	d.lock.Lock()
	d.pending.Store(true)
	d.reports = append(d.reports, race.Report{Kind: kind, Message: msg, Accesses: acc, Goroutines: ids})
	d.lock.Unlock()
}

// programs reports whether the goroutine s, blocked in stack, is the
// program's: created by code creatorCode does not ignore, or blocked in
// such code (a test's own goroutine, which package testing starts). The
// frames of package sync are looked through: a Wait is its caller's.
func (d *detector) programs(s *gor, stack []uintptr) bool {
	if s != nil && s.pc != 0 && d.code.Class(s.pc) != code.Ignored {
		return true
	}
	for _, f := range race.Frames(stack) {
		switch code.Package(f.Function) {
		case "sync", "sync/atomic", "internal/sync":
			continue
		}
		return d.code.ClassOf(f) != code.Ignored
	}
	return false
}

// locks returns what the notes of d's reports say of locks' holders.
func (d *detector) locks() *lockInfo { return &lockInfo{holds: &d.holds, where: d.where} }

// sortByID puts goroutines in the order of their ids, so that they are
// looked up, and reported, in the same order in every run and in a replay
// of it (which is told the recorded answers in order), not in the map's.
func sortByID(gs []*gor) {
	slices.SortFunc(gs, func(a, b *gor) int { return cmp.Compare(a.id, b.id) })
}

// leakReport reports s, left blocked in st; idx indexes what the
// goroutines reported with it wait on, for its note.
func leakReport(s *gor, st race.GoroutineStatus, when string, idx map[waitKey][]int64, li *lockInfo) race.Report {
	msg := "goroutine " + strconv.FormatInt(s.id, 10) + " is still blocked (" + st.State + ") " + when
	if s.test != "" {
		msg = "goroutine " + strconv.FormatInt(s.id, 10) + " started by " + s.test + " is still blocked (" + st.State + ") " + when
	}
	return race.Report{
		Kind:     "GOROUTINE LEAK",
		Message:  msg,
		Accesses: []race.ReportAccess{{Verb: "Blocked in " + st.State, G: s.id, Frames: st.Stack, Note: waitNote(s.id, st, idx, claimNone, li)}},
	}
}

// ignored reports whether a goroutine created at pc and blocked in stack
// is one the detector leaves alone: started by code of a package
// creatorCode ignores, or allowed by the user.
func (d *detector) ignored(pc uintptr, stack []uintptr) bool {
	if d.code.Class(pc) == code.Ignored {
		return true
	}
	if len(d.cfg.ignore) == 0 {
		return false
	}
	if d.cfg.ignore[funcName(pc)] {
		return true
	}
	for _, f := range race.Frames(stack) {
		if d.cfg.ignore[f.Function] {
			return true
		}
	}
	return false
}

// creatorCode returns the classifier of the code of go statements, the
// innermost function at their PC. Ignored: the goroutines the runtime,
// package testing, os/signal and internal std packages start, which a
// program does not control and which may rightly outlive a test.
func creatorCode() *code.Classifier {
	return code.New(code.Options{Ignore: func(pkg string) bool {
		switch pkg {
		case "runtime", "testing", "os/signal":
			return true
		}
		return code.Within(pkg, "internal")
	}})
}

// funcName returns the name of the innermost function at the return
// address pc, as runtime.FuncForPC(pc-1) names it, or "".
func funcName(pc uintptr) string {
	if frames := race.Frames([]uintptr{pc}); len(frames) > 0 {
		return frames[0].Function
	}
	return ""
}

func (d *detector) Report() []race.Report {
	if !d.pending.Load() {
		return nil // the runtime asks before every lock wait
	}
	d.lock.Lock()
	defer d.lock.Unlock()
	rs := d.reports
	d.reports = nil
	d.pending.Store(false)
	return rs
}
