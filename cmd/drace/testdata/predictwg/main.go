// Command predictwg is drace predict's end-to-end test program for a
// negative WaitGroup counter: a goroutine's Done counted by an Add made
// after the go statement ("late"), and its twin, the Add before it
// ("early").
//
// Run with GOMAXPROCS=1, so that the goroutine runs only once main waits,
// after the Add: this run does not panic, another order would.
package main

import (
	"os"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	late := len(os.Args) > 1 && os.Args[1] == "late"
	if !late {
		wg.Add(1)
	}
	go func() {
		wg.Done()
	}()
	if late {
		wg.Add(1)
	}
	wg.Wait()
}
