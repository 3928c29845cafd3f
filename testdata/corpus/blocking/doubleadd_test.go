// Case: both the caller and the worker it starts call WaitGroup.Add, so the counter never returns to zero and Wait blocks with every goroutine blocked.
// Classes: leak
// Deterministic: leak
// Timeout: 5s

package blocking

import (
	"sync"
	"testing"
)

// A crawler fetches pages in parallel; fetch registers itself with the
// WaitGroup, and so does the loop that starts it.
type crawler struct {
	wg      sync.WaitGroup
	mu      sync.Mutex
	fetched []string
}

func (c *crawler) fetch(url string) {
	c.wg.Add(1)
	defer c.wg.Done()
	c.mu.Lock()
	c.fetched = append(c.fetched, url)
	c.mu.Unlock()
}

func (c *crawler) crawl(urls []string) {
	for _, u := range urls {
		c.wg.Add(1)
		go c.fetch(u)
	}
	c.wg.Wait() // want deadlock "all goroutines are blocked" deadlock "test timed out"
}

func (c *crawler) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.fetched)
}

func TestDeadlockDoubleAdd(t *testing.T) {
	c := new(crawler)
	c.crawl([]string{"a", "b"})
	if n := c.count(); n != 2 {
		t.Errorf("fetched %d pages, want 2", n)
	}
}

// The fix: the loop counts the workers, each worker is done once.
func (c *crawler) fetchFixed(url string) {
	defer c.wg.Done()
	c.mu.Lock()
	c.fetched = append(c.fetched, url)
	c.mu.Unlock()
}

func (c *crawler) crawlFixed(urls []string) {
	for _, u := range urls {
		c.wg.Add(1)
		go c.fetchFixed(u)
	}
	c.wg.Wait()
}

func TestNoDeadlockDoubleAdd(t *testing.T) {
	c := new(crawler)
	c.crawlFixed([]string{"a", "b"})
	if n := c.count(); n != 2 {
		t.Errorf("fetched %d pages, want 2", n)
	}
}
