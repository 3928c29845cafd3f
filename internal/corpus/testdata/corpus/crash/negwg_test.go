// Case: WaitGroup.Done without Add: the runtime panics.
// Classes: runtime
// Deterministic: runtime

package crash

import (
	"sync"
	"testing"
)

func TestPanicNegativeWG(t *testing.T) {
	var wg sync.WaitGroup
	wg.Done() // want panic "negative WaitGroup counter"
}

func TestNoPanicNegativeWG(t *testing.T) {
	var wg sync.WaitGroup
	wg.Add(1)
	wg.Done()
	wg.Wait()
}
