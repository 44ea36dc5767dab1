//go:build unix

package bench

import (
	"syscall"
	"time"
)

// ProcessCPU is the user and system CPU time this process has used so far
// (getrusage(2), RUSAGE_SELF: every thread); -1 where it cannot be read.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
