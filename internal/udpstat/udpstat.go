// Package udpstat counts the UDP datagrams the kernel dropped at this
// process's own sockets (a full receive buffer, mostly): what a benchmark
// of the direct path must tell apart from the losses it made on purpose.
//
// Linux only: /proc/net/udp lists each socket of the network namespace
// with its inode and drop counter (proc(5)); the inodes of the sockets
// this process holds are the targets of its /proc/self/fd links
// ("socket:[N]"). A socket already closed is no longer counted (choice:
// read before closing).
package udpstat

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Drops returns the datagrams the kernel dropped at the UDP (IPv4) sockets
// this process holds open now; errors.ErrUnsupported off Linux.
func Drops() (int64, error) {
	if runtime.GOOS != "linux" {
		return 0, errors.ErrUnsupported
	}
	mine, err := socketInodes("/proc/self/fd")
	if err != nil {
		return 0, err
	}
	f, err := os.Open("/proc/net/udp")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return sumDrops(bufio.NewScanner(f), mine)
}

// socketInodes is the inodes of the sockets among the links of dir.
func socketInodes(dir string) (map[string]bool, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if in, ok := strings.CutPrefix(target, "socket:["); ok {
			out[strings.TrimSuffix(in, "]")] = true
		}
	}
	return out, nil
}

// sumDrops adds the drops column of the rows of a /proc/net/udp table
// whose inode is in inodes.
func sumDrops(sc *bufio.Scanner, inodes map[string]bool) (int64, error) {
	var inodeCol, dropsCol int // negative: counted from the end of a row
	var sum int64
	for first := true; sc.Scan(); first = false {
		f := strings.Fields(sc.Text())
		if first {
			// The header names a column "tm->when" that is two in the rows
			// ("tr tm->when" are "00 00000000"): positions are counted
			// from the end, where inode, ref, pointer, drops are.
			for i, h := range f {
				switch h {
				case "inode":
					inodeCol = i - len(f)
				case "drops":
					dropsCol = i - len(f)
				}
			}
			if inodeCol == 0 || dropsCol == 0 {
				return 0, fmt.Errorf("reading /proc/net/udp: header %q has no inode and drops columns", sc.Text())
			}
			continue
		}
		if len(f)+inodeCol < 0 || !inodes[f[len(f)+inodeCol]] {
			continue
		}
		n, err := strconv.ParseInt(f[len(f)+dropsCol], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("reading /proc/net/udp: drops %q: %w", f[len(f)+dropsCol], err)
		}
		sum += n
	}
	return sum, sc.Err()
}
