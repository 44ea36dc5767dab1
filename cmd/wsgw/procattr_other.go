//go:build !linux

package main

import "syscall"

// dieWithParent: only Linux can tie a child's life to its parent's; the
// multicast bench that uses it runs on Linux only.
func dieWithParent() *syscall.SysProcAttr { return nil }
