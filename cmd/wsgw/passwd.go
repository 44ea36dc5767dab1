package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/wsgw/wsgw/wssecurity"
)

// cmdPasswd hashes a password for the users file's password_hash: argon2id
// (wssecurity.HashPassword) or, with --bcrypt, bcrypt. From a terminal it
// asks twice without echo (golang.org/x/term); otherwise it reads the first
// line of standard input, so that scripts can pipe a password in.
func cmdPasswd(stdin io.Reader, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("passwd", "Usage: wsgw passwd [--bcrypt [--cost N]] < password\n\n"+
		"Prints the hash of a password for password_hash in the users file (README.md, \"Users file\").\n"+
		"From a terminal the password is asked twice, without echo; otherwise the first line of stdin is read.\n")
	useBcrypt := fs.Bool("bcrypt", false, "write a bcrypt hash instead of argon2id")
	cost := fs.Int("cost", 12, "bcrypt cost (4 to 15)")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw passwd:", err)
		return 1
	}
	var h string
	if *useBcrypt {
		h, err = wssecurity.HashPasswordBcrypt(pw, *cost)
	} else {
		h, err = wssecurity.HashPassword(pw)
	}
	if err != nil {
		fmt.Fprintln(stderr, "wsgw passwd:", err)
		return 1
	}
	fmt.Fprintln(stdout, h)
	return 0
}

// readPassword reads the password: twice without echo from a terminal,
// else the first line of r. An empty password is refused.
func readPassword(r io.Reader, prompt io.Writer) (string, error) {
	if f, ok := r.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("reading password: %w", err)
		}
		fmt.Fprint(prompt, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("reading password: %w", err)
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return nonEmpty(string(a))
	}
	line, err := bufio.NewReaderSize(r, 4096).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading password: %w", err)
	}
	return nonEmpty(strings.TrimRight(line, "\r\n"))
}

func nonEmpty(pw string) (string, error) {
	if pw == "" {
		return "", errors.New("empty password")
	}
	return pw, nil
}
