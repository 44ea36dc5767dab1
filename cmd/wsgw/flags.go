package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
)

// newFlagSet returns the flag set of a command whose usage is usage (ending
// in a newline) followed by its flags and their defaults.
func newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with fs, for every command alike: -h, -help or
// --help prints the usage on stdout and stops with exit status 0; a bad
// flag, or an argument that is not a flag, prints the error and the usage
// on stderr and stops with 2. done is false when the command goes on.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, done bool) {
	var msg bytes.Buffer
	fs.SetOutput(&msg)
	err := fs.Parse(args)
	fs.SetOutput(stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		fs.SetOutput(stderr)
		return 0, true
	case err != nil:
		stderr.Write(msg.Bytes()) //nolint:errcheck // best effort
		return 2, true
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "unexpected argument %q\n", fs.Arg(0))
		return usageError(fs), true
	}
	return 0, false
}

// usageError prints fs's usage on its output (stderr) and returns 2, the
// exit status of bad usage.
func usageError(fs *flag.FlagSet) int {
	fs.Usage()
	return 2
}
