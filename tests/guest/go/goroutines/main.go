// A Go program built with CGO_ENABLED=0: statically linked, its runtime makes its threads
// with clone and its system calls with the syscall instruction, and sets its own thread
// pointer. 100 goroutines on 4 Ps, channels, a WaitGroup, timers, hashing.
package main

import (
	"crypto/sha256"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"
)

func main() {
	runtime.GOMAXPROCS(4)
	var wg sync.WaitGroup
	results := make(chan int, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			sum := 0
			for j := 0; j <= n*1000; j++ {
				sum += j % 7
			}
			time.Sleep(time.Millisecond)
			results <- sum
		}(i)
	}
	wg.Wait()
	close(results)
	total := 0
	for r := range results {
		total += r
	}
	words := []string{"osprey", "runs", "go", "static", "binaries"}
	sort.Strings(words)
	fmt.Println("goroutines: total", total, words)
	fmt.Printf("goroutines: sha256 %x\n", sha256.Sum256([]byte("osprey")))
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	fmt.Println("goroutines: slept", time.Since(start) >= 20*time.Millisecond)
}
