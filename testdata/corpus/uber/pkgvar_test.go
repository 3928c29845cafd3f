// Case: a helper that looks pure formats into a package-level scratch buffer, hidden state shared by every caller.
// Classes: hb lockset predictive
// Deterministic: hb lockset predictive
package uber

import (
	"strconv"
	"sync"
	"testing"
)

// idScratch is reused across calls to save an allocation.
var idScratch []byte

func formatID(id int) string {
	idScratch = strconv.AppendInt(idScratch[:0], int64(id), 10) // want race
	return "id-" + string(idScratch)
}

func formatIDFixed(id int) string {
	var scratch [32]byte // per call
	return "id-" + string(strconv.AppendInt(scratch[:0], int64(id), 10))
}

func TestRacePkgVar(t *testing.T) {
	got := make([]string, 2)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = formatID(1000 + i)
		}()
	}
	wg.Wait()
}

func TestNoRacePkgVar(t *testing.T) {
	got := make([]string, 2)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = formatIDFixed(1000 + i)
		}()
	}
	wg.Wait()
	if got[0] != "id-1000" || got[1] != "id-1001" {
		t.Errorf("got %v", got)
	}
}
