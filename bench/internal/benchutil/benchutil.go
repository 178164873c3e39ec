//go:build unix

// Package benchutil holds what the server benchmarks under bench/ share
// besides the harness (server/failuretest/harness): sizes read and
// printed in binary units, the pause before each measurement, the load
// generator's own CPU time and issue 6's memory bound.
package benchutil

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// MemoryTarget is issue 6's bound on the server's peak memory (VmHWM),
// whatever the upload's size.
const MemoryTarget = 64 << 20

// Settle flushes every dirty page and waits a moment, so a measurement does
// not pay for the writeback (or, with the "discard" mount option, the block
// discards) that the previous one left behind.
func Settle() {
	syscall.Sync()
	time.Sleep(time.Second)
}

// SelfCPU is this process's CPU time (user + system) so far: what the load
// generator costs the cores it shares with the server.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ParseSize reads "64MiB", "1GiB", "512KiB" or a plain byte count.
func ParseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseFloat(num, 64)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("bad size %q: want a number with KiB, MiB or GiB", s)
			}
			return int64(n * float64(u.mult)), nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q: want a number with KiB, MiB or GiB", s)
	}
	return n, nil
}

// ParseSizes reads a comma-separated list of sizes (ParseSize).
func ParseSizes(list string) ([]int64, error) {
	var sizes []int64
	for _, s := range strings.Split(list, ",") {
		n, err := ParseSize(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// Human prints a byte count in binary units.
func Human(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<30:
		return fmt.Sprintf("%.2fGiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%dKiB", n>>10)
	}
}
