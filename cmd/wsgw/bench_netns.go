package main

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/wsgw/wsgw/bench"
)

// `wsgw bench direct` in multicast mode runs inside a network namespace of
// its own: a namespace whose only interface is lo, multicast on, a route
// for 239.0.0.0/8 on lo. Its broker, agents and consumers are this process
// run again inside it (`ip netns exec`), so every socket is opened there,
// no datagram can leave it, and nothing of the root namespace is changed.
// The namespace is deleted when the run ends, fails or is interrupted
// (SIGINT, SIGTERM); a SIGKILL of the outer process, or a second signal,
// leaves it behind, named wsgw-bench-<pid>-<random> (`ip netns del`).

// benchNetnsEnv names the namespace a re-executed bench runs in.
const benchNetnsEnv = "WSGW_BENCH_NETNS"

// selfCommand is how this program runs itself with args (tests replace
// it: their binary is not wsgw).
var selfCommand = func(args ...string) (path string, argv []string, env []string) {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exe, args, os.Environ()
}

// runInBenchNetns makes a namespace, runs `wsgw <args>` in it with
// stdout and stderr passed through, and deletes the namespace.
func runInBenchNetns(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if _, err := exec.LookPath("ip"); err != nil {
		return 0, fmt.Errorf("multicast mode needs ip (iproute2): %w", err)
	}
	var b [3]byte
	crand.Read(b[:]) //nolint:errcheck // never fails
	name := fmt.Sprintf("wsgw-bench-%d-%s", os.Getpid(), hex.EncodeToString(b[:]))
	ip := func(a ...string) error {
		if out, err := exec.Command("ip", a...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %w: %s", strings.Join(a, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	if err := ip("netns", "add", name); err != nil {
		return 0, err
	}
	defer func() {
		if err := ip("netns", "del", name); err != nil {
			fmt.Fprintf(stderr, "wsgw bench direct: deleting network namespace %s: %v\n", name, err)
		}
	}()
	for _, a := range [][]string{
		{"-n", name, "link", "set", "lo", "up"},
		{"-n", name, "link", "set", "lo", "multicast", "on"},
		{"-n", name, "route", "add", "239.0.0.0/8", "dev", "lo"},
	} {
		if err := ip(a...); err != nil {
			return 0, err
		}
	}
	path, argv, env := selfCommand(args...)
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", name, path}, argv...)...)
	cmd.Env = append(env, benchNetnsEnv+"="+name)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// A run cut short is told to stop (it deletes nothing; this process
	// does), and dies with this process if this one is killed.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	cmd.SysProcAttr = dieWithParent()
	fmt.Fprintf(stderr, "wsgw bench direct: running in network namespace %s (lo only, multicast on)\n", name)
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee) && ee.ExitCode() > 0:
		return ee.ExitCode(), nil
	default:
		return 1, err
	}
}

// inBenchNetns says whether this process is in the network namespace
// that ip named name (/run/netns/name, ip-netns(8)): multicast mode
// refuses to run anywhere else, the root namespace above all.
func inBenchNetns(name string) bool {
	if name == "" || strings.ContainsAny(name, "/.") {
		return false
	}
	named, err1 := os.Stat("/run/netns/" + name)
	mine, err2 := os.Stat("/proc/self/ns/net")
	return err1 == nil && err2 == nil && os.SameFile(named, mine)
}

// startHubProcess runs a hub as `wsgw bench direct-hub <config>`, a
// process of its own (in this process's namespace), so that its CPU time
// is its own.
func startHubProcess(ctx context.Context, cfg bench.HubConfig) (bench.HubAddr, func() error, error) {
	j, err := json.Marshal(cfg)
	if err != nil {
		return bench.HubAddr{}, nil, err
	}
	path, argv, env := selfCommand("bench", "direct-hub", string(j))
	cmd := exec.Command(path, argv...)
	cmd.Env = env
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = dieWithParent()
	out, err := cmd.StdoutPipe()
	if err != nil {
		return bench.HubAddr{}, nil, err
	}
	if err := cmd.Start(); err != nil {
		return bench.HubAddr{}, nil, err
	}
	done := make(chan error, 1)
	stop := func() error {
		cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // may have exited
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			cmd.Process.Kill() //nolint:errcheck // it did not stop
			return <-done
		}
	}
	lines := bufio.NewReader(out)
	line, err := lines.ReadString('\n')
	go func() {
		io.Copy(io.Discard, lines) //nolint:errcheck // until the hub exits
		done <- cmd.Wait()
	}()
	var a bench.HubAddr
	if err == nil {
		err = json.Unmarshal([]byte(line), &a)
	}
	if err != nil {
		stop() //nolint:errcheck // failed already
		return bench.HubAddr{}, nil, fmt.Errorf("starting the %s hub: %w", cfg.Role, err)
	}
	return a, stop, nil
}

// benchDirectHub is `wsgw bench direct-hub <config>` (not in the usage:
// bench direct runs it): a hub of bench direct, its address as JSON on
// stdout, until SIGTERM.
func benchDirectHub(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cfg bench.HubConfig
	if len(args) != 1 || json.Unmarshal([]byte(args[0]), &cfg) != nil {
		fmt.Fprintln(stderr, "wsgw bench direct-hub: want one argument, the hub's configuration as JSON")
		return 2
	}
	if dir := os.Getenv(hubProfileEnv); dir != "" {
		stop, err := startHubProfile(dir, cfg.Role)
		if err != nil {
			fmt.Fprintln(stderr, "wsgw bench direct-hub:", err)
			return 1
		}
		defer stop()
	}
	err := bench.RunHub(ctx, cfg, bench.ProcessCPU, func(a bench.HubAddr) {
		j, _ := json.Marshal(a)
		fmt.Fprintln(stdout, string(j))
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "wsgw bench direct-hub:", err)
		return 1
	}
	return 0
}

// hubProfileEnv names a directory: when set, each hub of bench direct
// writes a CPU profile of its whole run there, hub-<role>-<pid>.pprof
// (`go tool pprof`), to see where a hub's CPU per notification goes.
const hubProfileEnv = "WSGW_BENCH_HUB_CPUPROFILE"

// startHubProfile starts the CPU profile of this hub; stop writes it.
func startHubProfile(dir, role string) (stop func(), err error) {
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("hub-%s-%d.pprof", role, os.Getpid())))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
