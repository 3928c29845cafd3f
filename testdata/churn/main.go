// Command churn allocates, writes and drops heap buffers for a while, from
// several goroutines: with a detector linked in (-drace=NAME), its peak
// memory shows whether it drops the state of freed memory.
//
//	go run -drace=fasttrack . -d 10s
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/pprof"
	"sync"
	"time"
)

func main() {
	d := flag.Duration("d", 10*time.Second, "how long to churn")
	workers := flag.Int("g", 4, "goroutines")
	memprofile := flag.String("memprofile", "", "write a heap profile (detectors' memory included) to this file")
	flag.Parse()
	deadline := time.Now().Add(*d)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func(seed int) {
			defer wg.Done()
			ring := make([][]byte, 256) // live buffers: about 256 × 8 KiB
			n, bytes := seed, 0
			for time.Now().Before(deadline) {
				for i := 0; i < 1000; i++ {
					n = n*1103515245 + 12345
					size := 64 + (n>>8)&(16<<10-1)
					buf := make([]byte, size)
					for j := 0; j < len(buf); j += 64 {
						buf[j] = byte(j) // plain writes, one per cache line
					}
					if old := ring[i%len(ring)]; old != nil {
						copy(buf, old) // a range read and a range write
					}
					ring[i%len(ring)] = buf
					bytes += size
				}
			}
			mu.Lock()
			total += bytes
			mu.Unlock()
		}(w + 1)
	}
	wg.Wait()
	fmt.Printf("churned %d MiB\n", total>>20)
	if *memprofile != "" {
		f, err := os.Create(*memprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}
}
