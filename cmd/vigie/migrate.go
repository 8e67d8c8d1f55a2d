package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"github.com/vigie-oss/vigie/store"
)

func init() {
	register("migrate", "apply the ClickHouse schema migrations", runMigrate)
}

func runMigrate(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vigie migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	status := fs.Bool("status", false, "only show which migrations are applied, skipped or pending; apply nothing")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: vigie migrate [-config FILE] [-clickhouse.addr HOST:PORT] [-clickhouse.database NAME] [-status]

Creates the ClickHouse database when missing and applies the schema migrations built into vigie, in order,
recording each in the table schema_migrations. Safe to run again. A migration that needs a newer server
(LowCardinality, codecs, skipping indexes) is skipped on an older one and applied once the server is upgraded.
The analyzer runs the same migrations when it starts. Prints the state of every migration.

Flags:`)
		fs.PrintDefaults()
	}
	cfg, code := parseConfig(fs, args, stderr)
	if cfg == nil {
		return code
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	st, err := store.Open(ctx, cfg.ClickHouse, logger)
	if err != nil {
		fmt.Fprintln(stderr, "vigie migrate:", err)
		return 1
	}
	defer st.Close()
	if !*status {
		if err := st.Migrate(ctx); err != nil {
			fmt.Fprintln(stderr, "vigie migrate:", err)
			return 1
		}
	}
	if err := printMigrations(ctx, stdout, st); err != nil {
		fmt.Fprintln(stderr, "vigie migrate:", err)
		return 1
	}
	return 0
}

// printMigrations lists every migration built in with what schema_migrations says of it.
func printMigrations(ctx context.Context, w io.Writer, st *store.Store) error {
	migs, err := store.Migrations()
	if err != nil {
		return err
	}
	// Before any migration the table does not exist: every migration is pending.
	var exists uint64
	if err := st.Conn().QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = 'schema_migrations'", st.Database()).Scan(&exists); err != nil {
		return fmt.Errorf("reading the tables of %s: %w", st.Database(), err)
	}
	recs := map[int]store.MigrationRecord{}
	if exists > 0 {
		list, err := st.AppliedMigrations(ctx)
		if err != nil {
			return err
		}
		for _, r := range list {
			recs[r.Version] = r
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "VERSION\tNAME\tNEEDS\tSTATE\tSERVER\tAT\n")
	for _, m := range migs {
		needs := "-"
		if m.MinServer != (store.ServerVersion{}) {
			needs = m.MinServer.String()
		}
		state, server, at := "pending", "-", "-"
		if r, ok := recs[m.Version]; ok {
			state, server, at = r.Status, r.ServerVersion, r.At.Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(tw, "%04d\t%s\t%s\t%s\t%s\t%s\n", m.Version, m.Name, needs, state, server, at)
	}
	return tw.Flush()
}
