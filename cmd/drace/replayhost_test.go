package main

import (
	"bytes"
	"runtime/race"
	"slices"
	"strings"
	"testing"

	"drace/detectors/record/trace"
)

// Lookups are matched with the recorded answers by goroutine: a goroutine
// the recorded run did not look up (a runtime deadlock check, which a
// trace does not hold, had reported it) is not found, and leaves the
// recorded answers in place; one the replay does not look up is passed
// over.
func TestReplayHostLookupsByGoroutine(t *testing.T) {
	var buf bytes.Buffer
	w := trace.NewWriter(&buf, trace.Header{Version: trace.Version})
	for _, id := range []int64{5, 1143, 1150, 1200} {
		if err := w.Answer(trace.Answer{Kind: trace.Lookup, ID: id, Found: true, Blocked: true, State: "select", Waits: replayWaits(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := trace.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var warn strings.Builder
	h := newReplayHost(r, nil, &warn)
	// The replay looks up 5, then 11 (not recorded), 1143, skips 1150,
	// then 1200, and at last 1300 (no answer left).
	for _, tc := range []struct {
		id    int64
		found bool
	}{{5, true}, {11, false}, {1143, true}, {1200, true}, {1300, false}} {
		s, ok := h.LookupGoroutine(tc.id)
		if ok != tc.found || ok && (s.State != "select" || !slices.Equal(s.Waits, replayWaits(tc.id))) {
			t.Errorf("LookupGoroutine(%d) = %+v, %v; want found %v", tc.id, s, ok, tc.found)
		}
	}
	if !strings.Contains(warn.String(), "looked up goroutine 11 where the recorded run looked up goroutine 1143") {
		t.Errorf("no warning of the lookup the recorded run did not make: %q", warn.String())
	}
}

// replayWaits is what the recorded goroutine id waits on: a select's two
// cases, told apart by id.
func replayWaits(id int64) []race.Wait {
	return []race.Wait{
		{Kind: race.WaitChanSend, Addr: uintptr(id) << 8, Cap: 1, Len: 1},
		{Kind: race.WaitChanRecv, Addr: uintptr(id)<<8 + 0x80},
	}
}
