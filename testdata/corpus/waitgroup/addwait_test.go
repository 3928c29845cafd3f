// Case: a dispatcher goroutine calls wg.Add for each job it starts, so an Add from a zero counter races with Shutdown's wg.Wait.
// Classes: hb
// Deterministic: hb

package waitgroup

import (
	"drace.test/corpus/internal/sched"
	"sync"
	"testing"
	"time"
)

// Add must happen before the Wait it is meant for: here the dispatcher adds
// once it has received the job, when Shutdown may already be waiting (Add
// then races with Wait, and Wait may return before the job is counted).
// The poll makes the schedule in which the job is running when Wait is
// called certain, without ordering anything.
func TestRaceWaitGroupAddDuringWait(t *testing.T) {
	var wg sync.WaitGroup
	jobs := make(chan func())
	go func() { // want race
		for job := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				job()
			}()
		}
	}()
	jobs <- func() { time.Sleep(20 * time.Millisecond) }
	sched.WaitBlocked(t, "TestRaceWaitGroupAddDuringWait.func2", "sleep")
	wg.Wait()
	close(jobs)
}

// The fix: the submitter adds before handing the job over.
func TestNoRaceWaitGroupAddDuringWait(t *testing.T) {
	var wg sync.WaitGroup
	jobs := make(chan func())
	go func() {
		for job := range jobs {
			go func() {
				defer wg.Done()
				job()
			}()
		}
	}()
	wg.Add(1)
	jobs <- func() { time.Sleep(20 * time.Millisecond) }
	sched.WaitBlocked(t, "TestNoRaceWaitGroupAddDuringWait.func2", "sleep")
	wg.Wait()
	close(jobs)
	sched.WaitGone(t, "TestNoRaceWaitGroupAddDuringWait.func1")
}
