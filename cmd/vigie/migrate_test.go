package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/internal/itest"
	"github.com/vigie-oss/vigie/store"
)

func TestMigrateCommandIntegration(t *testing.T) {
	addr := itest.ClickHouse(t)
	db := itest.Name("vigie_test")
	ctx := context.Background()
	run := func(args ...string) string {
		t.Helper()
		var out, errw bytes.Buffer
		if code := dispatch(ctx, append([]string{"migrate", "-clickhouse.addr", addr, "-clickhouse.database", db}, args...), nil, &out, &errw); code != 0 {
			t.Fatalf("vigie migrate %v exited %d:\n%s", args, code, errw.String())
		}
		return out.String()
	}
	t.Cleanup(func() {
		cfg := config.Default().ClickHouse
		cfg.Addr, cfg.Database = addr, db
		st, err := store.Open(ctx, cfg, nil)
		if err != nil {
			t.Errorf("dropping the test database: %v", err)
			return
		}
		defer st.Close()
		if err := st.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
			t.Errorf("dropping the test database: %v", err)
		}
	})
	if out := run("-status"); !regexp.MustCompile(`(?m)^0001\s+baseline\s+-\s+pending`).MatchString(out) {
		t.Errorf("before migrating, -status printed:\n%s", out)
	}
	for range 2 {
		if out := run(); !regexp.MustCompile(`(?m)^0001\s+baseline\s+-\s+applied\s+\d+\.\d+`).MatchString(out) {
			t.Errorf("after migrating, printed:\n%s", out)
		}
	}
	var out, errw bytes.Buffer
	if code := dispatch(ctx, []string{"migrate", "-clickhouse.addr", "127.0.0.1:1"}, nil, &out, &errw); code != 1 ||
		!bytes.Contains(errw.Bytes(), []byte("127.0.0.1:1")) {
		t.Errorf("migrate against a closed port exited %d with %q; want 1 and the address", code, errw.String())
	}
}
