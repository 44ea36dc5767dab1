//go:build !unix

package bench

import "time"

// ProcessCPU is -1: not measured here.
func ProcessCPU() time.Duration { return -1 }
