package main

// drace predict: the races a reordering of a recorded trace exposes,
// and with -algo=...,block the blocking bugs (internal/predict's Blocks),
// reported at the end, each with its checked witness.
//
// The trace goes through replay's machinery with no detector but one
// per algorithm, "predict/shb", "predict/wcp", whose reports are the
// predictions (internal/predict): printed where the traced program
// collected reports, by the runtime's report log (GORACE suppression,
// ThreadSanitizer's format or JSON, symbolized from the traced binary).
// With -witness, the model's events are kept and every prediction's
// report carries its witness schedule, checked, or why none was found;
// reports then come at the end.

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/race"
	"strconv"
	"strings"

	"drace/internal/predict"
)

const predictUsage = "usage: drace predict [-algo=shb,wcp,syncp,block] [-json] [-witness] [-partial] [-binary BIN] TRACE"

func predictCmd(args []string) error {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	algos := fs.String("algo", "shb,wcp,syncp", "comma-separated algorithms: "+strings.Join(predict.Algorithms, ", ")+
		" (block: blocking bugs a reordering exposes, a Cond's Wait after its Signal, a WaitGroup's Wait after a later Add, a receive on a channel whose value another receiver takes, and a send left blocked by a select that takes its timer's or a closed channel's case instead of the send's value; keeps the trace's events in memory)")
	jsonOut := fs.Bool("json", false, "print reports as JSON lines, as DRACE_FORMAT=json")
	witness := fs.Bool("witness", false, "print each prediction's reordered schedule, checked (keeps the trace's events in memory)")
	partial, binary := traceInputFlags(fs, "predict on")
	if help, err := parseTraceFlags(fs, args, predictUsage); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("%s", predictUsage)
	}
	names := strings.Split(*algos, ",")
	if _, err := predict.New(predict.Options{Algorithms: names}); err != nil {
		return usagef("predict: %v", err)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	var out strings.Builder
	res, err := predictTrace(f, predictOptions{
		Algorithms: names,
		Witness:    *witness,
		Replay:     replayOptions{Partial: *partial, Binary: *binary, Warn: os.Stderr, JSON: *jsonOut},
	}, &out)
	if err != nil {
		return fmt.Errorf("predict %s: %v", fs.Arg(0), err)
	}
	os.Stdout.WriteString(out.String())
	fmt.Fprintf(os.Stderr, "drace: predict: %d events", res.Events)
	for _, a := range res.Algorithms {
		if a.Name == "block" {
			fmt.Fprintf(os.Stderr, "; block: %d blocking bugs", a.Races)
			continue
		}
		fmt.Fprintf(os.Stderr, "; %s: %d races", a.Name, a.Races)
		if *witness {
			fmt.Fprintf(os.Stderr, " (%d without witness)", a.Unwitnessed)
		}
	}
	fmt.Fprintln(os.Stderr)
	if res.Err != nil {
		fmt.Fprintf(os.Stderr, "drace: predict %s: partial: %v\n", fs.Arg(0), res.Err)
	}
	return nil
}

type predictOptions struct {
	Algorithms []string
	Witness    bool
	Replay     replayOptions
}

type predictResult struct {
	Events     uint64 // model events
	Algorithms []algorithmResult
	Err        error // what ended a partial read
}

type algorithmResult struct {
	Name        string
	Races       int // predictions (block: blocking bugs), before GORACE's suppression
	Unwitnessed int // with Witness: predictions no witness was found for
}

// A predictionQueue is the detector of one algorithm in the replay: it
// hands the report log the predictions made since it last asked.
type predictionQueue struct{ reports []race.Report }

func (q *predictionQueue) Report() []race.Report {
	r := q.reports
	q.reports = nil
	return r
}

// predictTrace predicts races in the trace read from in, writing the
// reports to out.
func predictTrace(in io.Reader, opts predictOptions, out io.Writer) (predictResult, error) {
	var res predictResult
	queues := make(map[string]*predictionQueue)
	var races []predict.Race
	var p *predict.Predictor
	p, err := predict.New(predict.Options{
		Algorithms: opts.Algorithms,
		Keep:       opts.Witness,
		OnRace: func(r predict.Race) {
			if opts.Witness {
				races = append(races, r)
				return
			}
			q := queues[r.Algorithm]
			q.reports = append(q.reports, raceReport(p, r, ""))
		},
	})
	if err != nil {
		return res, usagef("predict: %v", err)
	}
	ropts := opts.Replay
	for _, name := range opts.Algorithms {
		q := new(predictionQueue)
		queues[name] = q
		ropts.Policies = append(ropts.Policies, &race.Policy{
			Name: "predict/" + name,
			Doc:  "races a reordering of the trace exposes (" + name + ")",
			New:  func() race.Detector { return q },
		})
	}
	ropts.Observe = p.Add
	unwitnessed := make(map[string]int)
	ropts.BeforeFinish = func() {
		for _, r := range races {
			w, err := p.Witness(r)
			msg := ""
			if err != nil {
				unwitnessed[r.Algorithm]++
				msg = "No witness found: " + err.Error()
			} else {
				msg = witnessText(p, w)
			}
			q := queues[r.Algorithm]
			q.reports = append(q.reports, raceReport(p, r, msg))
		}
		if q := queues["block"]; q != nil {
			for _, b := range p.Blocks() {
				q.reports = append(q.reports, blockReport(p, &b, opts.Witness))
			}
		}
	}
	rres, err := replay(in, ropts, out)
	if err != nil {
		return res, err
	}
	res.Events, res.Err = p.NumEvents(), rres.Err
	counts := make(map[string]int)
	for _, r := range p.Races() {
		counts[r.Algorithm]++
	}
	counts["block"] = len(p.Blocks())
	for _, name := range opts.Algorithms {
		res.Algorithms = append(res.Algorithms, algorithmResult{name, counts[name], unwitnessed[name]})
	}
	return res, nil
}

// raceReport is the report of a prediction: the later access first, as
// ThreadSanitizer prints a race.
func raceReport(p *predict.Predictor, r predict.Race, msg string) race.Report {
	access := func(e *predict.Event, previous bool) race.ReportAccess {
		return race.ReportAccess{
			Write: e.Op == predict.Write, Atomic: e.Atomic, Previous: previous,
			Addr: uintptr(e.Addr), Size: uintptr(e.Size), G: p.GoID(e.G),
			Stack: race.StackID(e.Stack), PC: uintptr(e.PC),
		}
	}
	if r.Kind == predict.NegativeWaitGroup {
		done, add := access(&r.Second, false), access(&r.First, true)
		done.Verb, add.Verb = "Done (Add "+strconv.FormatInt(r.Second.Delta(), 10)+")", "Add "+strconv.FormatInt(r.First.Delta(), 10)
		done.Size, add.Size = 0, 0
		m := "sync: negative WaitGroup counter in a valid reordering: the Done runs before this Add, which it needs"
		if msg != "" {
			m += "\n" + msg
		}
		return race.Report{Kind: NegativeWaitGroupKind, Message: m, Accesses: []race.ReportAccess{done, add}}
	}
	return race.Report{
		Kind:     "DATA RACE",
		Message:  msg,
		Accesses: []race.ReportAccess{access(&r.Second, false), access(&r.First, true)},
	}
}

// NegativeWaitGroupKind is the report kind of a predicted negative
// WaitGroup counter (predict.NegativeWaitGroup).
const NegativeWaitGroupKind = "NEGATIVE WAITGROUP COUNTER"

// witnessText describes a witness: each event of the schedule with its
// goroutine and where it was (its PC, symbolized), then the race.
func witnessText(p *predict.Predictor, w *predict.Witness) string {
	var b strings.Builder
	next, label := "both accesses are next", "race"
	if w.Race.Kind == predict.NegativeWaitGroup {
		next, label = "the Done and the Add it needs are next, the Done making the counter negative", "next"
	}
	fmt.Fprintf(&b, "Witness: a valid reordering of %d events (checked), after which %s:", len(w.Schedule), next)
	step := func(prefix string, i uint64) {
		e := &p.Events()[i]
		fmt.Fprintf(&b, "\n  %s goroutine %d: %v", prefix, p.GoID(e.G), e.Op)
		if e.Op != predict.Start && e.Op != predict.End && e.Op != predict.AcquireAll {
			fmt.Fprintf(&b, " %#x", e.Addr)
		}
		if e.Op == predict.WaitGroupAdd {
			fmt.Fprintf(&b, " %+d", e.Delta())
		}
		if e.Shared {
			b.WriteString(" (read mode)")
		}
		if e.PC != 0 {
			if fr := race.Frames([]uintptr{uintptr(e.PC)}); len(fr) > 0 && fr[0].Function != "" {
				fmt.Fprintf(&b, " at %s %s:%d", fr[0].Function, fr[0].File, fr[0].Line)
			}
		}
	}
	for k, i := range w.Schedule {
		step(fmt.Sprintf("%4d", k+1), i)
	}
	step(label, w.Race.FirstIndex)
	step(label, w.Race.SecondIndex)
	return b.String()
}

// blockReport is the report of a predicted blocking bug: the Wait (or
// receive) left blocked, then what the reordering ran before it (the
// Signals, the Add, or the receive that took the value), with the
// witness schedule if witness is set.
func blockReport(p *predict.Predictor, b *predict.Block, witness bool) race.Report {
	evs := p.Events()
	at := func(i uint64, verb string, previous bool) race.ReportAccess {
		e := &evs[i]
		return race.ReportAccess{Verb: verb, Previous: previous, G: p.GoID(e.G), Stack: race.StackID(e.Stack), PC: uintptr(e.PC)}
	}
	var msg, wait, cause string
	where := "in its Wait"
	switch b.Kind {
	case predict.RecvHang:
		msg = "receive with no sender left (predicted, block): a valid reordering lets another receiver take the value this receive took, and every send left on the channel comes only after this receive returns: the goroutine waits for good"
		wait, cause, where = "chan receive", "chan receive", "at its receive"
	case predict.SelectLeak:
		msg = "select leak (predicted, block): a valid reordering lets the select take another of its cases (a timer's, or a channel closed before it) instead of receiving this send's value, and no receiver is left for the send but what depends on the select: the goroutine waits for good (a goroutine leak)"
		wait, where = "chan send", "at its send"
	case predict.LostSignal:
		msg = "lost signal (predicted, block): a valid reordering runs the Signal before the Wait begins, and no later Signal or Broadcast can wake it: the goroutine waits for good"
		wait, cause = "Cond.Wait", "Cond.Signal"
	default:
		msg = "WaitGroup hang (predicted, block): a valid reordering runs the Add before the Wait, and the Done that would release it only comes after the Wait returns: the goroutine waits for good"
		wait, cause = "WaitGroup.Wait", "WaitGroup.Add"
	}
	acc := []race.ReportAccess{at(b.Wait, wait, false)}
	for _, c := range b.Cause {
		verb := cause
		if evs[c].Op == predict.CondSignal && evs[c].Shared {
			verb = "Cond.Broadcast"
		}
		if b.Kind == predict.RecvHang {
			acc = append(acc, at(c, "takes the value first: "+verb, false))
			continue
		}
		if b.Kind == predict.SelectLeak {
			switch e := &evs[c]; {
			case e.Op == predict.ChanSelect:
				verb = "select that received the value in this run"
			case e.Op == predict.ChanSelectCase && e.Size&race.SelectCaseTimer != 0:
				verb = "case the select takes instead: receive from a timer's channel (it may fire at any time)"
			case e.Op == predict.ChanSelectCase:
				verb = "case the select takes instead: receive from the channel closed below"
			default:
				verb = "run before the select: chan close"
			}
			acc = append(acc, at(c, verb, false))
			continue
		}
		acc = append(acc, at(c, "run before the Wait: "+verb, false))
	}
	if witness {
		var t strings.Builder
		fmt.Fprintf(&t, "\nWitness: a valid reordering of %d events (checked), after which the goroutine is %s for good:", len(b.Schedule), where)
		for k, i := range b.Schedule {
			e := &evs[i]
			fmt.Fprintf(&t, "\n  %4d goroutine %d: %v", k+1, p.GoID(e.G), e.Op)
			if e.Op != predict.Start && e.Op != predict.End && e.Op != predict.AcquireAll {
				fmt.Fprintf(&t, " %#x", e.Addr)
			}
			if e.PC != 0 {
				if fr := race.Frames([]uintptr{uintptr(e.PC)}); len(fr) > 0 && fr[0].Function != "" {
					fmt.Fprintf(&t, " at %s %s:%d", fr[0].Function, fr[0].File, fr[0].Line)
				}
			}
		}
		msg += t.String()
	}
	return race.Report{Kind: "POTENTIAL DEADLOCK", Message: msg, Accesses: acc}
}
