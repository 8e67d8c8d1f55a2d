// Command vigie is the one Vigie binary: every role (ingest, analyze, …) and every tool is a subcommand.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand. Files of this package add theirs to commands from init, so each tool
// lives next to its own flags and the dispatcher never changes when a tool is added.
type command struct {
	summary string
	// run gets the arguments after the subcommand name. It returns the process exit code.
	run func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int) {
	if _, dup := commands[name]; dup {
		panic("vigie: command registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "vigie: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(ctx, args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Vigie watches the web for brand mentions, scores them and alerts on reputation spikes.")
	fmt.Fprintln(w, "\nUsage: vigie COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'vigie COMMAND --help' for the flags of one command.")
}

// subcommands dispatches a command that has its own subcommands (e.g. "vigie spikes backtest").
// Arguments that do not start with a known subcommand go to def when there is one (it then owns --help
// and should name the subcommands in it), else they get the list of subcommands.
func subcommands(ctx context.Context, name string, subs map[string]command, def *command, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if sub, ok := subs[args[0]]; ok {
			return sub.run(ctx, args[1:], stdin, stdout, stderr)
		}
	}
	if def != nil {
		return def.run(ctx, args, stdin, stdout, stderr)
	}
	w, code := stderr, 2
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		w, code = stdout, 0
	}
	fmt.Fprintf(w, "Usage: vigie %s SUBCOMMAND [flags]\n\nSubcommands:\n", name)
	keys := make([]string, 0, len(subs))
	for k := range subs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-10s %s\n", k, subs[k].summary)
	}
	return code
}
