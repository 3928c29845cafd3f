// Package wordcount is a drace bench workload: a concurrent map-reduce word
// count over generated text, the shared result map guarded by a sync.Mutex.
package wordcount

import (
	"runtime"
	"strings"
	"sync"
	"testing"
)

// text generates n words of deterministic pseudo-English from a
// linear-congruential generator, so every run counts the same words.
func text(n int) string {
	syllables := []string{"ka", "lo", "mi", "nu", "re", "sa", "ti", "vo", "ze", "pa", "qui", "dro"}
	var b strings.Builder
	x := uint32(12345)
	for i := 0; i < n; i++ {
		x = x*1664525 + 1013904223
		// Few distinct short words, many distinct long ones: a Zipf-ish mix.
		k := 1 + int(x>>28)%3
		if x>>24&7 == 0 {
			k += 2
		}
		for j := 0; j < k; j++ {
			x = x*1664525 + 1013904223
			b.WriteString(syllables[int(x>>20)%len(syllables)])
		}
		if i%17 == 16 {
			b.WriteString(".\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// chunks splits s into about n pieces at whitespace.
func chunks(s string, n int) []string {
	var out []string
	size := len(s)/n + 1
	for len(s) > 0 {
		end := min(size, len(s))
		for end < len(s) && s[end] != ' ' && s[end] != '\n' {
			end++
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return out
}

// countWords maps chunks to local counts on workers goroutines and reduces
// them into one map under a mutex.
func countWords(chunks []string, workers int) map[string]int {
	var (
		mu    sync.Mutex
		total = map[string]int{}
		next  = make(chan string)
		wg    sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for c := range next {
				local := map[string]int{}
				for _, f := range strings.Fields(c) {
					local[strings.ToLower(strings.TrimRight(f, ".,"))]++
				}
				mu.Lock()
				for word, n := range local {
					total[word] += n
				}
				mu.Unlock()
			}
		})
	}
	for _, c := range chunks {
		next <- c
	}
	close(next)
	wg.Wait()
	return total
}

func TestWordCount(t *testing.T) {
	const words = 40000
	s := text(words)
	got := countWords(chunks(s, 64), max(4, runtime.GOMAXPROCS(0)))

	sum := 0
	for _, n := range got {
		sum += n
	}
	if sum != words {
		t.Fatalf("counted %d words, generated %d", sum, words)
	}
	want := countWords([]string{s}, 1) // the whole text on one worker
	if len(got) != len(want) {
		t.Fatalf("%d distinct words, sequential count has %d", len(got), len(want))
	}
	for w, n := range want {
		if got[w] != n {
			t.Fatalf("count of %q = %d, sequential count %d", w, got[w], n)
		}
	}
}
