// Case: a sync.Once's function calls Do on the same Once again, through a lazy getter, and waits for itself for good.
// Classes: lockorder leak
// Deterministic: lockorder leak
// Timeout: 5s

package blocking

import (
	"sync"
	"testing"
)

// A config loads lazily; its defaults read a setting through the same
// lazy getter.
type config struct {
	once     sync.Once
	settings map[string]string
}

func (c *config) get(key string) string {
	c.once.Do(c.load) // want deadlock "recursive locking" deadlock "all goroutines are blocked" deadlock "test timed out"
	return c.settings[key]
}

func (c *config) load() {
	c.settings = map[string]string{"region": "eu"}
	c.settings["bucket"] = "data-" + c.get("region")
}

func TestDeadlockOnceRecursive(t *testing.T) {
	c := new(config)
	if b := c.get("bucket"); b != "data-eu" {
		t.Errorf("bucket = %q, want data-eu", b)
	}
}

// loadFixed reads its own map, not through the getter.
func (c *config) loadFixed() {
	c.settings = map[string]string{"region": "eu"}
	c.settings["bucket"] = "data-" + c.settings["region"]
}

func (c *config) getFixed(key string) string {
	c.once.Do(c.loadFixed)
	return c.settings[key]
}

func TestNoDeadlockOnceRecursive(t *testing.T) {
	c := new(config)
	if b := c.getFixed("bucket"); b != "data-eu" {
		t.Errorf("bucket = %q, want data-eu", b)
	}
}
