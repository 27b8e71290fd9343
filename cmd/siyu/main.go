// Command siyu is the Siyu server, worker, migration tool, callback
// simulator and benchmark runner in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "siyu:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

const usage = `siyu — private-domain membership over WeChat and WeCom

Usage:
  siyu <command> [flags]

Commands:
  serve      HTTP server; also runs the queue worker and scheduler unless --worker=false
  worker     queue worker and scheduler only
  migrate    bring the database schema up to date and exit
  simulate   sign and post WeChat/WeCom callbacks to a running server and print the reply
  bench      benchmarks that print figures next to a baseline
  operator   HQ operator accounts: add, passwd, disable, list, key, revoke-key
  oa menu    set the Official Account menu (签到, 会员中心, 积分商城)

Configuration comes from SIYU_* environment variables (see README.md).
With nothing set, serve uses an embedded SQLite file under ./data and an
in-process Redis. Run 'siyu <command> --help' for a command's flags.
`

// run is the whole program: main only adds the process's environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "worker":
		return runWorker(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout, stderr)
	case "simulate":
		return runSimulate(ctx, rest, getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, getenv, stdout, stderr)
	case "operator":
		return runOperator(ctx, rest, getenv, os.Stdin, stdout, stderr)
	case "oa":
		return runOA(ctx, rest, getenv, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

// newFlags returns a flag set that prints its usage to stderr with a
// one-line description.
func newFlags(name, synopsis, desc string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: siyu %s\n\n%s\n\nFlags:\n", synopsis, desc)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning a bad flag into a usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}
