// Package matmul is a drace bench workload: a parallel integer matrix
// multiply, one goroutine per row of the result, joined by a WaitGroup.
package matmul

import (
	"sync"
	"testing"
)

type matrix [][]int64

// generate returns an n×n matrix of small pseudo-random entries.
func generate(n int, seed uint64) matrix {
	m := make(matrix, n)
	for i := range m {
		m[i] = make([]int64, n)
		for j := range m[i] {
			seed = seed*6364136223846793005 + 1442695040888963407
			m[i][j] = int64(seed>>59) - 16
		}
	}
	return m
}

// mul computes a×b with one goroutine per row of the result.
func mul(a, b matrix) matrix {
	n := len(a)
	c := make(matrix, n)
	var wg sync.WaitGroup
	for i := range n {
		c[i] = make([]int64, n)
		wg.Go(func() {
			row, ai := c[i], a[i]
			for k := range n {
				aik, bk := ai[k], b[k]
				for j := range n {
					row[j] += aik * bk[j]
				}
			}
		})
	}
	wg.Wait()
	return c
}

func mulVec(m matrix, v []int64) []int64 {
	out := make([]int64, len(m))
	for i, row := range m {
		for j, x := range row {
			out[i] += x * v[j]
		}
	}
	return out
}

func TestMatMul(t *testing.T) {
	const n = 100
	a, b := generate(n, 1), generate(n, 2)
	c := mul(a, b)
	// Freivalds' check: c·v = a·(b·v) for a few vectors v.
	for seed := uint64(3); seed < 6; seed++ {
		v := generate(n, seed)[0]
		got, want := mulVec(c, v), mulVec(a, mulVec(b, v))
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("row %d: (a×b)·v = %d, a·(b·v) = %d", i, got[i], want[i])
			}
		}
	}
}
