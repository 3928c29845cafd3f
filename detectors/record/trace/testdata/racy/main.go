// Command racy is a small racy program for the trace tests: it races on a
// global, a heap object and a map, synchronises with a mutex, a channel, a
// WaitGroup and atomics, and starts goroutines from goroutines. A failed
// CompareAndSwap orders nothing before a later load of its flag.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

var global int

type box struct {
	mu sync.Mutex
	n  int
	v  []byte
}

//go:noinline
func writeGlobal(wg *sync.WaitGroup) {
	defer wg.Done()
	global = 1
}

//go:noinline
func inc(b *box) { b.n++ }

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	go writeGlobal(&wg)
	time.Sleep(20 * time.Millisecond)
	fmt.Println(global) // races with writeGlobal

	b := &box{v: make([]byte, 64)}
	done := make(chan bool)
	var flag atomic.Int32
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.mu.Lock()
			b.v[i] = byte(i)
			b.mu.Unlock()
			flag.Add(1)
			go func() {
				copy(b.v[8:], "hello")
				done <- true
			}()
		}()
	}
	for range 3 {
		<-done
	}
	wg.Wait()
	go inc(b)
	time.Sleep(20 * time.Millisecond)
	inc(b) // races with the goroutine's inc
	fmt.Println(b.n, flag.Load(), string(b.v[8:13]))

	var cas atomic.Int32
	cas.Store(1)
	var casData int
	go func() {
		casData = 1
		cas.CompareAndSwap(0, 2) // fails: it releases nothing
	}()
	time.Sleep(20 * time.Millisecond)
	cas.Load()
	fmt.Println(casData) // races with the goroutine's write
}
