// Case: two goroutines insert distinct keys into one map; the fix is sync.Map.
// Classes: hb lockset
// Deterministic: hb lockset

package maps

import (
	"sync"
	"testing"
)

func indexWords(index map[int]int, from, to int) {
	for i := from; i < to; i++ {
		index[i] = i * i // want race
	}
}

// Distinct keys do not make map writes independent: both goroutines update
// the same table and count. With this many inserts the runtime sometimes
// catches the overlap itself and dies with "fatal error: concurrent map
// writes", which points at the same line; it is not a class of the case
// because it needs the two goroutines to overlap in time.
func TestRaceMapWriteWrite(t *testing.T) {
	index := make(map[int]int)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			indexWords(index, w*1000, (w+1)*1000)
		}()
	}
	wg.Wait()
}

func TestNoRaceMapWriteWrite(t *testing.T) {
	var index sync.Map
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w * 1000; i < (w+1)*1000; i++ {
				index.Store(i, i*i)
			}
		}()
	}
	wg.Wait()
	n := 0
	index.Range(func(_, _ any) bool { n++; return true })
	if n != 2000 {
		t.Errorf("index has %d keys, want 2000", n)
	}
}
