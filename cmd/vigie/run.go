package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/vigie-oss/vigie/analyze"
	"github.com/vigie-oss/vigie/bus"
	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/ingest"
	"github.com/vigie-oss/vigie/store"
)

func init() {
	register("run", "run every role in one process: ingest, analyze (the local default)", func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
		return runRoles(ctx, "run", args, stderr, roles{ingest: true, analyze: true})
	})
	register("analyze", "run the analyzer role: Kafka mentions → sentiment, spikes → ClickHouse", func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
		return runRoles(ctx, "analyze", args, stderr, roles{analyze: true})
	})
}

type roles struct {
	ingest, analyze bool
}

// runRoles parses the configuration and runs the given roles until ctx ends, with /metrics and /healthz.
func runRoles(ctx context.Context, name string, args []string, stderr io.Writer, r roles) int {
	fs := flag.NewFlagSet("vigie "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vigie %s [-config FILE] [flags]\n\n", name)
		if r.ingest && r.analyze {
			fmt.Fprintln(stderr, "Runs every Vigie role in one process: feeds are polled, matched mentions go through Kafka to the\nanalyzer, which scores them, detects spikes and stores everything in ClickHouse.")
		} else if r.analyze {
			fmt.Fprintln(stderr, "Consumes mentions from Kafka, scores sentiment, detects spikes and stores them in ClickHouse.\nRun several to share the partitions of the mentions topic.")
		}
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	cfg, code := parseConfig(fs, args, stderr)
	if cfg == nil {
		return code
	}
	logger := newLogger().With("role", name)
	if err := runComponents(ctx, cfg, r, logger, newRegistry(), analyze.Options{}); err != nil {
		logger.Error("stopped", "err", err)
		return 1
	}
	return 0
}

// runComponents builds the components of the roles in r and runs them until ctx ends or one fails.
func runComponents(ctx context.Context, cfg *config.Config, r roles, logger *slog.Logger, reg *prometheus.Registry, opts analyze.Options) error {
	g, ctx := errgroup.WithContext(ctx)
	var checks []healthCheck
	if r.analyze {
		st, err := openStore(ctx, cfg.ClickHouse, logger)
		if err != nil {
			return err
		}
		defer st.Close()
		a, err := analyze.New(cfg, st, opts, logger.With("component", "analyzer"), reg)
		if err != nil {
			return err
		}
		checks = append(checks, healthCheck{"clickhouse", a.Healthy})
		g.Go(func() error { return a.Run(ctx) })
	}
	if r.ingest {
		ing, err := ingest.New(cfg, logger.With("component", "ingest"), reg)
		if err != nil {
			return err
		}
		checks = append(checks, healthCheck{"kafka", ing.Healthy})
		g.Go(func() error { return ing.Run(ctx) })
	}
	g.Go(func() error { return serveMetrics(ctx, cfg.Server.Listen, reg, logger, checks...) })
	return g.Wait()
}

// openStore connects to ClickHouse and applies the migrations, waiting (with a log line per try) while
// ClickHouse is not reachable.
func openStore(ctx context.Context, cfg config.ClickHouse, logger *slog.Logger) (*store.Store, error) {
	var st *store.Store
	err := bus.Retry(ctx, logger, "connect to ClickHouse at "+cfg.Addr+" and migrate", func() error {
		s, err := store.Open(ctx, cfg, logger)
		if err != nil {
			return err
		}
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return err
		}
		st = s
		return nil
	})
	return st, err
}

// resetStore drops cfg's database and recreates it with the migrations (the demo and the benchmark start
// from the same state every run).
func resetStore(ctx context.Context, cfg config.ClickHouse, logger *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, cfg, logger)
	if err != nil {
		return nil, fmt.Errorf("ClickHouse at %s (is the local stack started? deploy/local/start.sh): %w", cfg.Addr, err)
	}
	err = st.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+cfg.Database)
	st.Close()
	if err != nil {
		return nil, fmt.Errorf("drop database %s: %w", cfg.Database, err)
	}
	return openStore(ctx, cfg, logger)
}

// parseConfig parses the flags and configuration of a command. On --help it returns (nil, 0); on a bad flag
// or configuration it prints the error and returns (nil, 2).
func parseConfig(fs *flag.FlagSet, args []string, stderr io.Writer) (*config.Config, int) {
	cfg, err := config.Parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, 2
	}
	return cfg, 0
}
