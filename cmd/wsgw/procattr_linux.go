package main

import "syscall"

// dieWithParent makes a child process be killed when this one dies
// (prctl PR_SET_PDEATHSIG), so bench processes never outlive their run.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
