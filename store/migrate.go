package store

import (
	"bufio"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The schema lives in migrations/NNNN_name.sql, applied in version order. A file whose first comment lines
// include "-- min-server-version: X.Y" is applied only on servers of that version or newer; on older ones it
// is recorded as skipped, and applied by a later Migrate once the server has been upgraded. So a later
// migration must not depend on one that has a minimum version.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one schema change.
type Migration struct {
	Version    int
	Name       string
	MinServer  ServerVersion // zero: every server
	Statements []string
}

var migrationFile = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) { return loadMigrations(migrationFiles, "migrations") }

func loadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("store: reading migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		m := migrationFile.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("store: migration file %s: name must be NNNN_lowercase_name.sql", e.Name())
		}
		version, _ := strconv.Atoi(m[1])
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: reading migration %s: %w", e.Name(), err)
		}
		mig, err := parseMigration(string(data))
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: %w", e.Name(), err)
		}
		mig.Version, mig.Name = version, m[2]
		if len(out) > 0 && out[len(out)-1].Version == version {
			return nil, fmt.Errorf("store: migrations %04d_%s and %s have the same version", version, out[len(out)-1].Name, e.Name())
		}
		out = append(out, mig)
	}
	// fs.ReadDir sorts by name, and names start with the zero-padded version: out is in version order.
	return out, nil
}

const minVersionHeader = "-- min-server-version:"

// parseMigration splits a migration file into statements (each ends with ";" at the end of a line) and reads
// its header. Comment lines are dropped; statements must not contain ";" elsewhere.
func parseMigration(src string) (Migration, error) {
	var (
		mig  Migration
		cur  strings.Builder
		line int
	)
	sc := bufio.NewScanner(strings.NewReader(src))
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(text, minVersionHeader); ok {
			if cur.Len() > 0 || len(mig.Statements) > 0 {
				return Migration{}, fmt.Errorf("line %d: %s belongs in the header, before the first statement", line, minVersionHeader)
			}
			sv, err := ParseServerVersion(strings.TrimSpace(v))
			if err != nil {
				return Migration{}, fmt.Errorf("line %d: %w", line, err)
			}
			mig.MinServer = sv
			continue
		}
		if text == "" || strings.HasPrefix(text, "--") {
			continue
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(sc.Text())
		if strings.HasSuffix(text, ";") {
			stmt := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";")
			if strings.Contains(stmt, ";") {
				return Migration{}, fmt.Errorf("line %d: a statement must end at a line ending with ';'", line)
			}
			mig.Statements = append(mig.Statements, stmt)
			cur.Reset()
		}
	}
	if err := sc.Err(); err != nil {
		return Migration{}, err
	}
	if strings.TrimSpace(cur.String()) != "" {
		return Migration{}, fmt.Errorf("line %d: the last statement does not end with ';'", line)
	}
	if len(mig.Statements) == 0 {
		return Migration{}, fmt.Errorf("no statement")
	}
	return mig, nil
}

// ServerVersion is a ClickHouse version's major and minor numbers ("18.16.1" is {18, 16}).
type ServerVersion struct{ Major, Minor int }

// ParseServerVersion reads what SELECT version() returns ("18.16.1", "25.8.2.29").
func ParseServerVersion(s string) (ServerVersion, error) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return ServerVersion{}, fmt.Errorf("server version %q is not MAJOR.MINOR[.…]", s)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return ServerVersion{}, fmt.Errorf("server version %q is not MAJOR.MINOR[.…]", s)
	}
	return ServerVersion{major, minor}, nil
}

// AtLeast reports whether v is min or newer.
func (v ServerVersion) AtLeast(min ServerVersion) bool {
	return v.Major > min.Major || (v.Major == min.Major && v.Minor >= min.Minor)
}

func (v ServerVersion) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// Migration states recorded in schema_migrations.
const (
	StatusApplied = "applied"
	StatusSkipped = "skipped"
)

// MigrationRecord is one row of schema_migrations, as Migrate left it.
type MigrationRecord struct {
	Version       int
	Name          string
	Status        string // StatusApplied or StatusSkipped
	ServerVersion string // of the server when it was recorded
	At            time.Time
}

// Migrate applies the embedded migrations not applied yet, in order, recording each in schema_migrations.
// It is safe to run again, and from several processes at once (every statement is idempotent). A migration
// needing a newer server is recorded as skipped and logged; it is applied by the first Migrate run against a
// server new enough.
func (s *Store) Migrate(ctx context.Context) error {
	migs, err := Migrations()
	if err != nil {
		return err
	}
	return s.migrate(ctx, migs)
}

func (s *Store) migrate(ctx context.Context, migs []Migration) error {
	// ReplacingMergeTree by time: the latest record of a version wins, so a skipped migration applied later
	// reads as applied.
	if err := s.conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version UInt32,
    name String,
    status String,
    server_version String,
    at DateTime('UTC')
) ENGINE = ReplacingMergeTree(at) ORDER BY version`); err != nil {
		return fmt.Errorf("store: creating schema_migrations in %s: %w", s.db, err)
	}
	raw, err := s.ServerVersion(ctx)
	if err != nil {
		return err
	}
	server, err := ParseServerVersion(raw)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	done, err := s.AppliedMigrations(ctx)
	if err != nil {
		return err
	}
	status := make(map[int]string, len(done))
	for _, r := range done {
		status[r.Version] = r.Status
	}
	applied, skipped := 0, 0
	for _, m := range migs {
		if status[m.Version] == StatusApplied {
			continue
		}
		if !server.AtLeast(m.MinServer) {
			skipped++
			if status[m.Version] == StatusSkipped {
				continue
			}
			s.logger.Info("skipping migration: the server is too old for it", "version", m.Version, "name", m.Name,
				"needs", m.MinServer.String(), "server", raw)
			if err := s.recordMigration(ctx, m, StatusSkipped, raw); err != nil {
				return err
			}
			continue
		}
		start := time.Now()
		for i, stmt := range m.Statements {
			if err := s.conn.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("store: migration %04d_%s, statement %d of %d, failed on ClickHouse %s (database %s): %w",
					m.Version, m.Name, i+1, len(m.Statements), raw, s.db, err)
			}
		}
		if err := s.recordMigration(ctx, m, StatusApplied, raw); err != nil {
			return err
		}
		applied++
		s.logger.Info("applied migration", "version", m.Version, "name", m.Name, "statements", len(m.Statements),
			"took", time.Since(start).Round(time.Millisecond))
	}
	s.logger.Info("schema up to date", "database", s.db, "server", raw, "applied_now", applied, "skipped", skipped)
	return nil
}

func (s *Store) recordMigration(ctx context.Context, m Migration, status, server string) error {
	b, err := s.conn.PrepareBatch(ctx, "INSERT INTO schema_migrations (version, name, status, server_version, at)")
	if err != nil {
		return fmt.Errorf("store: recording migration %04d: %w", m.Version, err)
	}
	if err := b.Append(uint32(m.Version), m.Name, status, server, time.Now().UTC()); err != nil {
		_ = b.Abort()
		return fmt.Errorf("store: recording migration %04d: %w", m.Version, err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("store: recording migration %04d: %w", m.Version, err)
	}
	return nil
}

// AppliedMigrations returns the latest record of each migration version, in version order.
func (s *Store) AppliedMigrations(ctx context.Context) ([]MigrationRecord, error) {
	rows, err := s.conn.Query(ctx, "SELECT version, name, status, server_version, at FROM schema_migrations FINAL ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("store: reading schema_migrations: %w", err)
	}
	defer rows.Close()
	var out []MigrationRecord
	for rows.Next() {
		var (
			r MigrationRecord
			v uint32
		)
		if err := rows.Scan(&v, &r.Name, &r.Status, &r.ServerVersion, &r.At); err != nil {
			return nil, fmt.Errorf("store: reading schema_migrations: %w", err)
		}
		r.Version = int(v)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading schema_migrations: %w", err)
	}
	return out, nil
}
