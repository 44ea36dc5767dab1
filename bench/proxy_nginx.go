package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// nginxConf is the peer's configuration: one loopback server proxying
// every request to the backend over HTTP/1.1 keep-alive connections, no
// access log, request bodies of up to 1 MiB buffered in memory (up to
// 128 KiB: no temporary files for the 100 KiB runs), worker_processes
// auto (one per core, as GOMAXPROCS gives the wsgw side). %[1]s is the
// prefix directory, %[2]s the listen address, %[3]s the backend's.
const nginxConf = `worker_processes auto;
error_log %[1]s/error.log warn;
pid %[1]s/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %[1]s/client_body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    client_max_body_size 1m;
    client_body_buffer_size 128k;
    keepalive_requests 1000000;
    upstream backend {
        server %[3]s;
        keepalive 128;
        keepalive_requests 1000000;
    }
    server {
        listen %[2]s;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`

// nginxRun starts nginx (binary) in front of backendAddr and measures l
// through it; nginx is stopped before it returns.
func nginxRun(ctx context.Context, l Load, binary, backendAddr string) (Result, error) {
	n, err := startNginx(binary, backendAddr)
	if err != nil {
		return Result{}, err
	}
	defer n.stop()
	res, err := proxyRun(ctx, l, "http://"+n.addr+"/", nil)
	if err != nil {
		return Result{}, fmt.Errorf("nginx run: %w%s", err, n.errorLog())
	}
	res.System = n.version + " (worker_processes auto, keepalive upstream, proxy_http_version 1.1, access_log off)"
	return res, nil
}

type nginxProc struct {
	cmd     *exec.Cmd
	dir     string
	addr    string
	version string
	exited  chan struct{}
}

// startNginx runs binary as a child process on a free loopback port with a
// generated configuration in a new temporary directory, and waits until it
// accepts connections.
func startNginx(binary, backendAddr string) (*nginxProc, error) {
	version := "nginx"
	if out, err := exec.Command(binary, "-v").CombinedOutput(); err == nil {
		version = strings.TrimPrefix(strings.TrimSpace(string(out)), "nginx version: ")
	}
	dir, err := os.MkdirTemp("", "wsgw-bench-nginx-")
	if err != nil {
		return nil, fmt.Errorf("%w: temporary directory: %v", errNginx, err)
	}
	// The workers run as nobody when the master is root: they must reach
	// the temporary paths under dir.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w: %v", errNginx, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w: finding a free port: %v", errNginx, err)
	}
	addr := ln.Addr().String()
	ln.Close()
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, dir, addr, backendAddr), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w: writing %s: %v", errNginx, conf, err)
	}
	cmd := exec.Command(binary, "-p", dir, "-c", conf, "-g", "daemon off;")
	// Its own process group: a SIGKILL fallback reaches its workers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w: starting %s: %v", errNginx, binary, err)
	}
	n := &nginxProc{cmd: cmd, dir: dir, addr: addr, version: version, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(n.exited) }() //nolint:errcheck // how it ended is in its error log
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-n.exited:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("%w: %s exited at start: %s%s", errNginx, binary, strings.TrimSpace(out.String()), n.errorLog())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return n, nil
		}
		if time.Now().After(deadline) {
			n.stop()
			return nil, fmt.Errorf("%w: not accepting connections on %s after 10s", errNginx, addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// errorLog is the tail of nginx's error log, for an error message.
func (n *nginxProc) errorLog() string {
	b, err := os.ReadFile(filepath.Join(n.dir, "error.log"))
	if err != nil || len(b) == 0 {
		return ""
	}
	return "; error.log: " + strings.TrimSpace(string(b[max(0, len(b)-600):]))
}

// stop ends nginx (SIGTERM: fast shutdown, the master ends its workers;
// SIGKILL to its process group after 5s) and removes its directory.
func (n *nginxProc) stop() {
	n.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have exited
	select {
	case <-n.exited:
	case <-time.After(5 * time.Second):
		syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck // it may have exited
		<-n.exited
	}
	os.RemoveAll(n.dir)
}

// nginxMissing says why nginx at path will not be measured, or "" when it
// is there to be.
func nginxMissing(path string) string {
	if path == "" {
		return "no --nginx path given"
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Sprintf("nginx not installed (%v)", err)
	}
	return ""
}
