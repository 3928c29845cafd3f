// Package pipeline is a drace bench workload: a channel pipeline in which a
// producer generates log lines, N workers parse them and a collector
// aggregates per-endpoint statistics.
package pipeline

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var endpoints = []string{"/", "/login", "/api/users", "/api/orders", "/static/app.js", "/health", "/api/search", "/logout"}

// line returns the i'th generated access-log line.
func line(i int) string {
	x := uint32(i)*2654435761 + 97
	ep := endpoints[x>>29]
	status := 200
	switch x >> 24 & 15 {
	case 0:
		status = 500
	case 1, 2:
		status = 404
	}
	ms := x>>8&1023 + 1
	return fmt.Sprintf("10.0.%d.%d - - [12/Mar/2026:10:%02d:%02d] \"GET %s HTTP/1.1\" %d %d %dms",
		x&255, x>>8&255, i/60%60, i%60, ep, status, x>>12&8191, ms)
}

type record struct {
	endpoint string
	status   int
	millis   int
}

// parse extracts the endpoint, status and latency of a log line.
func parse(l string) (record, error) {
	q := strings.IndexByte(l, '"')
	r := strings.LastIndexByte(l, '"')
	if q < 0 || r <= q {
		return record{}, fmt.Errorf("no request in %q", l)
	}
	req := strings.Fields(l[q+1 : r])
	rest := strings.Fields(l[r+1:])
	if len(req) != 3 || len(rest) != 3 {
		return record{}, fmt.Errorf("malformed %q", l)
	}
	status, err := strconv.Atoi(rest[0])
	if err != nil {
		return record{}, err
	}
	ms, err := strconv.Atoi(strings.TrimSuffix(rest[2], "ms"))
	if err != nil {
		return record{}, err
	}
	return record{req[1], status, ms}, nil
}

type stats struct {
	requests, errors, totalMillis, maxMillis int
}

// run pushes n lines through producer → workers → collector.
func run(n, workers int) (map[string]stats, error) {
	lines := make(chan string, 64)
	records := make(chan record, 64)
	errc := make(chan error, workers)
	go func() {
		for i := 0; i < n; i++ {
			lines <- line(i)
		}
		close(lines)
	}()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for l := range lines {
				rec, err := parse(l)
				if err != nil {
					errc <- err
					for range lines { // drain so the producer finishes
					}
					return
				}
				records <- rec
			}
		})
	}
	go func() {
		wg.Wait()
		close(records)
	}()
	out := map[string]stats{}
	for rec := range records {
		s := out[rec.endpoint]
		s.requests++
		if rec.status >= 500 {
			s.errors++
		}
		s.totalMillis += rec.millis
		s.maxMillis = max(s.maxMillis, rec.millis)
		out[rec.endpoint] = s
	}
	select {
	case err := <-errc:
		return nil, err
	default:
		return out, nil
	}
}

func TestPipeline(t *testing.T) {
	const n = 8000
	got, err := run(n, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]stats{}
	for i := 0; i < n; i++ {
		rec, err := parse(line(i))
		if err != nil {
			t.Fatal(err)
		}
		s := want[rec.endpoint]
		s.requests++
		if rec.status >= 500 {
			s.errors++
		}
		s.totalMillis += rec.millis
		s.maxMillis = max(s.maxMillis, rec.millis)
		want[rec.endpoint] = s
	}
	if len(got) != len(want) {
		t.Fatalf("%d endpoints, want %d", len(got), len(want))
	}
	for ep, w := range want {
		if got[ep] != w {
			t.Errorf("%s: %+v, want %+v", ep, got[ep], w)
		}
	}
}
