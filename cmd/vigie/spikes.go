package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/vigie-oss/vigie/analyze/spike"
	"github.com/vigie-oss/vigie/analyze/spike/spikeeval"
)

func init() {
	register("spikes", "backtest and evaluate the spike detector", runSpikes)
}

func runSpikes(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return subcommands(ctx, "spikes", map[string]command{
		"backtest": {"score a timestamp,value CSV series with the service's detector", runSpikesBacktest},
		"eval":     {"measure recall, false alarms and delay on synthetic brands, next to a mean+3σ baseline", runSpikesEval},
	}, nil, args, stdin, stdout, stderr)
}

func runSpikesBacktest(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("spikes backtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: vigie spikes backtest FILE.csv   (or - for standard input)

Reads a series with the header "timestamp,value" (timestamps %q at a regular
interval of any length, non-negative counts) and writes "timestamp,value,anomaly_score,alert" to standard
output: anomaly_score in [0,1] is computed only from the rows up to that one (0.5 is the alert threshold),
alert is 1 on the row where a new alert opens. The detector and its configuration are the service's.
`, spike.BacktestLayout)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	in := stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "vigie spikes backtest: %v\n", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	if err := spike.Backtest(in, stdout, spike.DefaultConfig()); err != nil {
		fmt.Fprintf(stderr, "vigie spikes backtest: %s: %v\n", fs.Arg(0), err)
		return 1
	}
	return 0
}

func runSpikesEval(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	opt := spikeeval.DefaultOptions()
	fs := flag.NewFlagSet("spikes eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&opt.Brands, "brands", opt.Brands, "number of synthetic brands")
	fs.IntVar(&opt.Weeks, "weeks", opt.Weeks, "weeks scored per brand")
	fs.IntVar(&opt.Warmup, "warmup", opt.Warmup, "weeks of history before scoring (both detectors learn from them)")
	fs.Uint64Var(&opt.Seed, "seed", opt.Seed, "random seed: the same seed gives the same table")
	fs.DurationVar(&opt.Within, "within", opt.Within, "detection deadline after a spike reaches 3× the expected volume")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: vigie spikes eval [flags]

Generates brands with a seasonal Poisson background (daily and weekly cycles, mean rates from 1 to 50
mentions a minute), injects sudden bursts, slow-building crises, short blips, benign level shifts and
holidays, and prints recall, false alarms per brand-week and median detection delay for the service's
detector and for a mean + 3σ (last two weeks) baseline, side by side.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	if opt.Brands <= 0 || opt.Weeks <= 0 || opt.Warmup < 0 || opt.Within < time.Minute {
		fmt.Fprintln(stderr, "vigie spikes eval: --brands and --weeks must be positive, --warmup not negative, --within at least 1m")
		return 1
	}
	rep, err := spikeeval.Run(ctx, opt, spike.DefaultConfig())
	if err != nil {
		fmt.Fprintf(stderr, "vigie spikes eval: %v\n", err)
		return 1
	}
	rep.WriteTable(stdout)
	return 0
}
