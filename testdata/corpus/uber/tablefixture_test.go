// Case: parallel subtests of a table test share one fixture map and mutate the same account through it.
// Classes: hb lockset
// Deterministic: lockset
package uber

import (
	"sync/atomic"
	"testing"
	"time"
)

type account struct {
	owner   string
	balance int
}

func newAccounts() map[string]*account {
	return map[string]*account{"alice": {owner: "alice", balance: 100}}
}

func withdraw(accts map[string]*account, who string, amount int) int {
	a := accts[who]
	a.balance -= amount // want race
	return a.balance
}

// The subtests meet after the withdrawal (for at most 200ms), so that with
// -parallel >= 2 both are always running at once, as parallel subtests of a
// real table do, rather than one finishing first and handing its slot to the
// other through the testing package's own synchronisation. With -parallel=1
// (-cpu=1) they run one after the other, ordered, and only a lockset
// detector sees the race.
func fixtureMeet(arrived *atomic.Int32, n int32) {
	arrived.Add(1)
	for deadline := time.Now().Add(200 * time.Millisecond); arrived.Load() < n && time.Now().Before(deadline); {
		time.Sleep(50 * time.Microsecond)
	}
}

var fixtureTests = []struct {
	name   string
	amount int
	want   int
}{
	{"small", 10, 90},
	{"large", 50, 50},
}

func TestRaceTableFixture(t *testing.T) {
	accts := newAccounts() // one fixture for the whole table
	var arrived atomic.Int32
	for _, tc := range fixtureTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := withdraw(accts, "alice", tc.amount)
			fixtureMeet(&arrived, int32(len(fixtureTests)))
			_ = got
		})
	}
}

func TestNoRaceTableFixture(t *testing.T) {
	var arrived atomic.Int32
	for _, tc := range fixtureTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			accts := newAccounts() // a fixture per subtest
			got := withdraw(accts, "alice", tc.amount)
			fixtureMeet(&arrived, int32(len(fixtureTests)))
			if got != tc.want {
				t.Errorf("balance = %d, want %d", got, tc.want)
			}
		})
	}
}
