package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const newUsage = `usage: drace new [-kind=race|sync|blocking] PATH

new writes a detector package in PATH, a new directory of the module of the
current directory, named after PATH's last element: doc.go, the detector with
its documented race.Policy (a minimal real policy of the kind), a test that runs
it with racetest on testdata/racy and testdata/fixed. Then:

	go test ./PATH                       # the detector's own test
	go test -drace=MODULE/PATH ./...     # the detector on your packages

kinds:
  race      data races: accesses unordered with a word's last write (FastTrack-lite,
            on toolkit/shadow and toolkit/vclock)
  sync      lock-order inversions: two mutexes locked in both orders (toolkit/locks)
  blocking  goroutines a test leaves running when it ends`

// newCmd is "drace new": it writes a detector package from the templates
// of its kind.
func newCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("new", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	kind := flags.String("kind", "race", "race, sync or blocking")
	if err := flags.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, newUsage)
		return nil
	} else if err != nil {
		return usagef("new: %v", err)
	}
	if flags.NArg() != 1 {
		return usagef("new: want one PATH, got %d arguments (drace new [-kind=race|sync|blocking] PATH)", flags.NArg())
	}
	tmpl, ok := newTemplates[*kind]
	if !ok {
		return usagef("new: -kind=%s: want race, sync or blocking", *kind)
	}
	dir, err := filepath.Abs(flags.Arg(0))
	if err != nil {
		return usagef("new: %v", err)
	}
	name := filepath.Base(dir)
	if !token.IsIdentifier(name) || token.IsKeyword(name) || name != strings.ToLower(name) {
		return usagef("new: %q is not a lower-case Go identifier: a detector's package and policy are named after it", name)
	}
	if _, err := os.Lstat(dir); err == nil {
		return usagef("new: %s already exists", flags.Arg(0))
	}
	modDir, modPath, err := findModule(filepath.Dir(dir))
	if err != nil {
		return usagef("new: %s is in no module: %v", flags.Arg(0), err)
	}
	rel, err := filepath.Rel(modDir, dir)
	if err != nil {
		return usagef("new: %v", err)
	}
	importPath := modPath + "/" + filepath.ToSlash(rel)
	files := map[string]string{"doc.go": newDoc[*kind], name + ".go": tmpl, name + "_test.go": newTest}
	for f, src := range newTestdata[*kind] {
		files[f] = src
	}
	r := strings.NewReplacer("NAME", name, "IMPORT", importPath)
	for f, src := range files {
		out := []byte(r.Replace(src))
		if strings.HasSuffix(f, ".go") {
			if out, err = format.Source(out); err != nil {
				return fmt.Errorf("new: template %s: %v", f, err) // a bug of drace's
			}
		}
		path := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
			return err
		}
		if err := os.WriteFile(path, out, 0o666); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %s, detector %s (%s)\n\ttest it:  go test ./%s\n\trun it:   go test -drace=%s ./...\n",
		flags.Arg(0), name, *kind, filepath.ToSlash(rel), importPath)
	return nil
}

// findModule returns the directory and path of the module holding dir:
// the nearest go.mod at or above it.
func findModule(dir string) (modDir, modPath string, err error) {
	for d := dir; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			if p := modulePath(data); p != "" {
				return d, p, nil
			}
			return "", "", fmt.Errorf("%s has no module line", filepath.Join(d, "go.mod"))
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", "", err
		}
		if filepath.Dir(d) == d {
			return "", "", errors.New("no go.mod above it")
		}
	}
}

// modulePath returns the path of go.mod's module directive, "" if none.
func modulePath(mod []byte) string {
	for line := range bytes.Lines(mod) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(string(line)), "module")
		if !ok || rest == "" || rest[0] != ' ' && rest[0] != '\t' && rest[0] != '"' {
			continue
		}
		rest, _, _ = strings.Cut(rest, "//")
		rest = strings.TrimSpace(rest)
		if p, err := strconv.Unquote(rest); err == nil {
			return p
		}
		return rest
	}
	return ""
}

// The templates: NAME is the package's name, IMPORT its import path. Each
// kind's detector is a minimal real policy, written in the built-in
// detectors' style on the public toolkit and read whole: its file at most
// 60 lines as gofmt lays it out, blank lines and comments included, and
// with doc.go at most 60 too where that stays readable (sync, blocking).
var newTemplates = map[string]string{
	"race": `package NAME

import (
	"runtime/race"
	"runtime/race/toolkit/shadow"
	"runtime/race/toolkit/vclock"
)

// Policy reports an access that the last write to its word does not happen before.
var Policy = &race.Policy{
	Name: "NAME",
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
`,
	"sync": `package NAME

import (
	"runtime/race"
	"runtime/race/toolkit/locks"
)

// Policy reports two mutexes locked in both orders: a potential deadlock,
// whether or not this run hung.
var Policy = &race.Policy{
	Name: "NAME",
	Doc:  "report pairs of mutexes locked in both orders (lock-order inversions)",
	New:  func() race.Detector { return &detector{order: map[[2]uintptr]race.ReportAccess{}} },
}

type detector struct {
	race.SpinLock // guards the rest: callbacks must not block
	locks         locks.Table
	order         map[[2]uintptr]race.ReportAccess // (a, b): b locked while a was held, where
	out           []race.Report
}

func init() { race.Register(Policy) }
func (d *detector) OnSync(op race.SyncOp) {
	held, _ := op.G.State.(*locks.Held) // the goroutine's own: no lock needed
	if held == nil {
		held = new(locks.Held)
		op.G.State = held
	}
	l := locks.Lock{Addr: op.Obj, RW: op.Kind == race.RWMutexLock || op.Kind == race.RWMutexUnlock}
	d.Lock()
	defer d.Unlock()
	switch op.Kind {
	case race.MutexLock, race.RWMutexLock:
		this := race.ReportAccess{Verb: "Lock", Addr: op.Obj, G: op.G.ID, PC: op.PC, Stack: op.Stack}
		for _, h := range held.Locks() {
			if prev, ok := d.order[[2]uintptr{op.Obj, h.Addr}]; ok {
				prev.Previous = true
				d.out = append(d.out, race.Report{Kind: "POTENTIAL DEADLOCK",
					Message: "lock order inversion", Accesses: []race.ReportAccess{this, prev}})
				delete(d.order, [2]uintptr{op.Obj, h.Addr}) // once per inversion
			}
			d.order[[2]uintptr{h.Addr, op.Obj}] = this
		}
		held.Acquire(&d.locks, l, op.PC, op.Stack)
	case race.MutexUnlock, race.RWMutexUnlock:
		held.Release(&d.locks, l)
	}
}
func (d *detector) Report() (r []race.Report) { d.Lock(); r, d.out = d.out, nil; d.Unlock(); return r }
`,
	"blocking": `package NAME

import "runtime/race"

// Policy reports the goroutines a test started that are still running when
// it ends, a second after its function returned.
var Policy = &race.Policy{
	Name: "NAME",
	Doc:  "report goroutines a test leaves running when it ends (leaks)",
	New:  func() race.Detector { return &detector{live: map[int64]started{}, waits: map[string]int{}} },
}

type started struct { // a goroutine a test started
	test string
	pc   uintptr // its go statement
}
type detector struct {
	race.SpinLock                   // guards the rest: callbacks must not block
	live          map[int64]started // by goroutine id
	waits         map[string]int    // how often each ending test waited for its goroutines
	out           []race.Report
}

func init() { race.Register(Policy) }
func (d *detector) OnGoStart(parent, child *race.Goroutine, pc uintptr) {
	if parent != nil && parent.State != nil { // started by a test's goroutine, directly or not
		child.State = parent.State
		d.Lock()
		d.live[child.ID] = started{parent.State.(string), pc}
		d.Unlock()
	}
}
func (d *detector) OnTestStart(g *race.Goroutine, name string) { g.State = name }
func (d *detector) OnGoEnd(g *race.Goroutine)                  { d.Lock(); delete(d.live, g.ID); d.Unlock() }
func (d *detector) OnTestEnd(g *race.Goroutine, name string) (wait int64) {
	d.Lock()
	defer d.Unlock()
	for id, s := range d.live {
		if s.test == name && d.waits[name] < 100 {
			d.waits[name]++
			return 10e6 // wait 10ms, outside the callback: the goroutine may yet end
		} else if s.test == name {
			d.out = append(d.out, race.Report{Kind: "GOROUTINE LEAK", Message: "still running at the end of " + name,
				Accesses: []race.ReportAccess{{Verb: "Started", G: id, PC: s.pc}}})
			delete(d.live, id)
		}
	}
	delete(d.waits, name)
	return 0
}
func (d *detector) Report() (r []race.Report) { d.Lock(); r, d.out = d.out, nil; d.Unlock(); return r }
`,
}

// newDoc is each kind's doc.go: what the detector finds, misses, reports
// wrongly and costs, as the built-in detectors' doc.go files say.
var newDoc = map[string]string{
	"race": `// Package NAME is a data race detector for drace (go test -drace=IMPORT),
// FastTrack-lite: it keeps each goroutine's vector clock (toolkit/vclock) and
// each word's last write in shadow memory (toolkit/shadow), and reports a read
// or write that the word's last write does not happen before as a DATA RACE.
// Misses: a write racing with an earlier read (reads are not recorded), a range
// access (a copy) past its first word, and races hidden by joining a release
// into its sync object's clock instead of replacing it. Cost: 32 bytes of
// shadow per word touched, sync objects' clocks never freed, one lock for all.
package NAME
`,
	"sync": `// Package NAME is a lock-order detector for drace (go test -drace=IMPORT). It
// reports two mutexes that goroutines lock in both orders, A then B and B then
// A, as a POTENTIAL DEADLOCK, whether or not this run hung. Each goroutine's
// held locks are kept with toolkit/locks, the order pairs seen in a map.
//
// Misses: RLock, TryLock, and cycles of three locks or more. False reports: a
// lock freed and another made at its address inherits its pairs. Cost: a map
// operation per held lock at each Lock.
package NAME
`,
	"blocking": `// Package NAME is a goroutine leak detector for drace (go test -drace=IMPORT).
// When a test ends, it waits up to a second for the goroutines the test started
// (directly or not) and reports each one still running as a GOROUTINE LEAK at
// its go statement.
//
// False reports: a goroutine that ends more than a second after its test, as a
// pool a library starts lazily on a test's behalf does. Misses: goroutines
// started outside tests. Cost: a map update per go statement and goroutine end.
package NAME
`,
}

// newTest is the detector's test: its testdata under racetest.
const newTest = `package NAME_test

import (
	"runtime/race/toolkit/racetest"
	"testing"

	"IMPORT"
)

// The detector reports what the want comments of testdata/racy say, and
// nothing in testdata/fixed. Run it with drace's patched go command.
func TestPolicy(t *testing.T) { racetest.Run(t, "testdata", NAME.Policy) }
`

// newTestdata is each kind's racy case and its fixed twin.
var newTestdata = map[string]map[string]string{
	"race": {
		"testdata/racy/racy_test.go": `package racy

import (
	"sync"
	"testing"
)

// Two goroutines increment a counter with nothing ordering them.
func TestCounter(t *testing.T) {
	var wg sync.WaitGroup
	counter := 0
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counter++ // want race
		}()
	}
	wg.Wait()
}
`,
		"testdata/fixed/fixed_test.go": `package fixed

import (
	"sync"
	"testing"
)

// The racy counter, incremented under a mutex.
func TestCounter(t *testing.T) {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		counter int
	)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			counter++
			mu.Unlock()
		}()
	}
	wg.Wait()
}
`,
	},
	"sync": {
		"testdata/racy/racy_test.go": `package racy

import (
	"sync"
	"testing"
)

// Two mutexes locked in both orders: run by two goroutines at once, the
// test could deadlock.
func TestOrder(t *testing.T) {
	var a, b sync.Mutex
	a.Lock()
	b.Lock()
	b.Unlock()
	a.Unlock()

	b.Lock()
	a.Lock() // want deadlock "lock order"
	a.Unlock()
	b.Unlock()
}
`,
		"testdata/fixed/fixed_test.go": `package fixed

import (
	"sync"
	"testing"
)

// The racy test's mutexes, always locked in the same order.
func TestOrder(t *testing.T) {
	var a, b sync.Mutex
	for range 2 {
		a.Lock()
		b.Lock()
		b.Unlock()
		a.Unlock()
	}
}
`,
	},
	"blocking": {
		"testdata/racy/racy_test.go": `package racy

import "testing"

// A goroutine left blocked on a channel nobody sends on.
func TestLeak(t *testing.T) {
	ch := make(chan int)
	go func() { <-ch }() // want leak
}
`,
		"testdata/fixed/fixed_test.go": `package fixed

import "testing"

// The racy test's goroutine, sent what it waits for.
func TestLeak(t *testing.T) {
	ch := make(chan int)
	go func() { <-ch }()
	ch <- 1
}
`,
	},
}
