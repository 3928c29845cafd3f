package main

// drace bench: measuring. Builds each workload's test binary in each
// configuration and runs them interleaved, collecting one sample per run.

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A benchSample is one run of one workload's test binary in one
// configuration.
type benchSample struct {
	Workload  string  `json:"workload"`
	Config    string  `json:"config"`
	Round     int     `json:"round"` // from 1
	Seq       int     `json:"seq"`   // position in the whole run, from 1
	Seconds   float64 `json:"seconds"`
	CPU       float64 `json:"cpu_seconds"` // user + system
	MaxRSSKiB int64   `json:"max_rss_kib"`
	// RSSKiB is the resident memory sampled every rssInterval from the
	// start of the run: memory over time, to tell growth from a peak.
	RSSKiB []int64 `json:"rss_kib,omitempty"`
	Error  string  `json:"error,omitempty"` // why the run failed, if it did
}

type benchMeasurer struct {
	patchedGo, stockGo string
	run                string        // -test.run, "" for all
	timeout            time.Duration // -test.timeout
	progress           io.Writer
}

// measure builds every (workload, configuration) binary, then runs them
// round after round. Within a round it goes round-robin over the
// configurations for each workload, starting one configuration later each
// round, so that drift in the machine's load hits every configuration alike
// and none always runs right after the same other one.
func (m *benchMeasurer) measure(ws []benchWorkload, cfgs []benchConfig, rounds int) ([]benchSample, error) {
	tmp, err := os.MkdirTemp("", "drace-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	bins := map[[2]string]string{}
	for _, w := range ws {
		for _, c := range cfgs {
			bin, err := m.build(tmp, w, c)
			if err != nil {
				return nil, err
			}
			bins[[2]string{w.name, c.name}] = bin
		}
	}

	var samples []benchSample
	for r := range rounds {
		for _, w := range ws {
			for i := range cfgs {
				c := cfgs[(i+r)%len(cfgs)]
				s := m.runOnce(bins[[2]string{w.name, c.name}], w.runIn)
				s.Workload, s.Config, s.Round, s.Seq = w.name, c.name, r+1, len(samples)+1
				samples = append(samples, s)
				status := ""
				if s.Error != "" {
					status = "  FAILED: " + s.Error
				}
				fmt.Fprintf(m.progress, "round %d/%d: %-16s %-12s %7.2fs %6.0f MiB%s\n",
					r+1, rounds, w.name, c.name, s.Seconds, float64(s.MaxRSSKiB)/1024, status)
			}
		}
	}
	return samples, nil
}

// build compiles w's test binary in configuration c into dir.
func (m *benchMeasurer) build(dir string, w benchWorkload, c benchConfig) (string, error) {
	goCmd := m.patchedGo
	if c.stock {
		goCmd = m.stockGo
	}
	bin := filepath.Join(dir, strings.ReplaceAll(w.name+"."+c.name, "/", "_")+".test")
	args := append([]string{"test", "-c", "-o", bin}, c.flags...)
	cmd := exec.Command(goCmd, append(args, w.pkg)...)
	cmd.Dir = w.dir
	cmd.Env = cleanEnv()
	fmt.Fprintf(m.progress, "building %s (%s)\n", w.name, c.name)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s (%s): %v\n%s", w.name, c.name, err, out)
	}
	return bin, nil
}

// runOnce runs a test binary in its package's directory and measures it.
func (m *benchMeasurer) runOnce(bin, dir string) benchSample {
	args := []string{"-test.short", "-test.count=1", "-test.timeout=" + m.timeout.String()}
	if m.run != "" {
		args = append(args, "-test.run="+m.run)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	// A recording detector writes its trace outside the package's
	// directory; the trace is removed after the run.
	trace := filepath.Join(os.TempDir(), "drace-bench-%p.trace")
	cmd.Env = append(cleanEnv(), "GORACE=atexit_sleep_ms=0", "DRACE_TRACE="+trace)
	defer func() {
		if cmd.Process != nil {
			os.Remove(strings.ReplaceAll(trace, "%p", strconv.Itoa(cmd.Process.Pid)))
		}
	}()
	return measureRun(cmd, io.Discard)
}

// measureRun runs cmd, its output (stdout and stderr together, in order) to
// out, and measures its wall time, CPU time, peak resident memory and
// resident memory over time; a failed run's Error says why, with the last
// line of its output.
func measureRun(cmd *exec.Cmd, out io.Writer) benchSample {
	var tail tailWriter
	both := io.MultiWriter(&tail, out)
	cmd.Stdout, cmd.Stderr = both, both
	start := time.Now()
	err := cmd.Start()
	var series []int64
	if err == nil {
		done := make(chan struct{})
		sampled := make(chan []int64)
		go func() { sampled <- sampleRSS(cmd.Process.Pid, done) }()
		err = cmd.Wait()
		close(done)
		series = <-sampled
	}
	s := benchSample{Seconds: time.Since(start).Seconds(), RSSKiB: series}
	if ps := cmd.ProcessState; ps != nil {
		s.CPU = (ps.UserTime() + ps.SystemTime()).Seconds()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			s.MaxRSSKiB = ru.Maxrss // KiB on Linux
		}
	}
	if err != nil {
		s.Error = err.Error()
		if last := tail.lastLine(); last != "" {
			s.Error += ": " + last
		}
	}
	return s
}

// rssInterval is how often a run's resident memory is sampled.
const rssInterval = time.Second

// sampleRSS reads the resident memory of process pid every rssInterval
// until done is closed, and returns the samples: the memory at 1, 2, 3...
// intervals into the run.
func sampleRSS(pid int, done <-chan struct{}) []int64 {
	status := fmt.Sprintf("/proc/%d/status", pid)
	tick := time.NewTicker(rssInterval)
	defer tick.Stop()
	var series []int64
	for {
		select {
		case <-done:
			return series
		case <-tick.C:
			kib, ok := vmRSS(status)
			if !ok {
				return series // gone, or no /proc
			}
			series = append(series, kib)
		}
	}
}

// vmRSS returns the VmRSS line of a /proc/PID/status file, in KiB.
func vmRSS(status string) (int64, bool) {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v) // "123456 kB"
			if len(f) == 2 && f[1] == "kB" {
				n, err := strconv.ParseInt(f[0], 10, 64)
				return n, err == nil
			}
		}
	}
	return 0, false
}

// tailWriter keeps the end of a run's output, to say why it failed.
type tailWriter struct{ buf []byte }

func (t *tailWriter) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4096 {
		t.buf = t.buf[len(t.buf)-4096:]
	}
	return len(p), nil
}

// lastLine is the last non-empty line of output that is not go test's
// closing FAIL line.
func (t *tailWriter) lastLine() string {
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l != "" && l != "FAIL" && !strings.HasPrefix(l, "exit status") {
			return l
		}
	}
	return ""
}
