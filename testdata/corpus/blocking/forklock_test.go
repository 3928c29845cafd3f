// Case: a goroutine holds syscall.ForkLock for reading while it locks a Mutex that another goroutine holds while it starts a process (which takes ForkLock for writing); the standard library's own forkingLock/ForkLock orders, taken by commands started concurrently, are safe.
// Classes: lockorder
// Deterministic: lockorder

package blocking

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// self returns a command that runs the test binary again, running no
// test: a process to wait for, present wherever the test runs.
func self(t *testing.T) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	// The child records no trace: a DRACE_TRACE without "%p" names the
	// parent's, which the child would truncate, and without one the child
	// would write drace.trace here.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DRACE_TRACE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0", "DRACE_TRACE="+os.DevNull)
	return cmd
}

// A job runner starts each job's process with the runner's Mutex held; a
// file opener takes ForkLock for reading (as package syscall asks of code
// that creates descriptors without close-on-exec) and then the runner's
// Mutex. Run one after the other here, so the run does not hang; run
// concurrently, the runner waits for ForkLock's write lock while the
// opener, holding ForkLock for reading, waits for the Mutex.
func TestDeadlockForkLock(t *testing.T) {
	var mu sync.Mutex
	cmd := self(t)
	alone(func() {
		mu.Lock()
		defer mu.Unlock()
		if err := cmd.Run(); err != nil { // want deadlock "lock order cycle"
			t.Error(err)
		}
	})
	alone(func() {
		syscall.ForkLock.RLock()
		defer syscall.ForkLock.RUnlock()
		mu.Lock() // want deadlock "lock order cycle"
		mu.Unlock()
	})
}

// Processes started concurrently, with no lock of the program's held:
// syscall's acquireForkLock and releaseForkLock take forkingLock and
// ForkLock in both orders, from several goroutines, but a count of forks
// in progress keeps them from deadlocking. The opener takes the Mutex
// without ForkLock.
func TestNoDeadlockForkLock(t *testing.T) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if err := self(t).Run(); err != nil {
					t.Error(err) // not Fatal: another goroutine
				}
			}
		}()
	}
	wg.Wait()
	cmd := self(t)
	alone(func() {
		mu.Lock()
		defer mu.Unlock()
		if err := cmd.Run(); err != nil {
			t.Error(err)
		}
	})
	alone(func() {
		mu.Lock()
		mu.Unlock()
	})
}
