package store

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestParseMigration(t *testing.T) {
	f := func(src string, want Migration) {
		t.Helper()
		got, err := parseMigration(src)
		if err != nil {
			t.Fatalf("parseMigration(%q): %v", src, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("parseMigration(%q)\n got %#v\nwant %#v", src, got, want)
		}
	}
	f("CREATE TABLE a (x UInt8) ENGINE = Memory;\n", Migration{Statements: []string{"CREATE TABLE a (x UInt8) ENGINE = Memory"}})
	f("-- comment\n\nCREATE TABLE a (\n    x UInt8 -- inline\n) ENGINE = Memory;\n-- between\nDROP TABLE b;",
		Migration{Statements: []string{"CREATE TABLE a (\n    x UInt8 -- inline\n) ENGINE = Memory", "DROP TABLE b"}})
	f("-- min-server-version: 21.8\n-- why\nALTER TABLE a ADD COLUMN y UInt8;\n",
		Migration{MinServer: ServerVersion{21, 8}, Statements: []string{"ALTER TABLE a ADD COLUMN y UInt8"}})
}

func TestParseMigrationErrors(t *testing.T) {
	f := func(src, wantErr string) {
		t.Helper()
		_, err := parseMigration(src)
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("parseMigration(%q) error = %v, want one containing %q", src, err, wantErr)
		}
	}
	f("", "no statement")
	f("-- only a comment\n", "no statement")
	f("CREATE TABLE a (x UInt8) ENGINE = Memory", "does not end with ';'")
	f("SELECT 1; SELECT 2;", "must end at a line ending with ';'")
	f("SELECT 1;\n-- min-server-version: 20.1\nSELECT 2;", "belongs in the header")
	f("-- min-server-version: new\nSELECT 1;", `server version "new"`)
}

func TestLoadMigrations(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_second.sql": {Data: []byte("-- min-server-version: 22.3\nSELECT 2;\n")},
		"m/0001_first.sql":  {Data: []byte("SELECT 1;\n")},
	}
	got, err := loadMigrations(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	want := []Migration{
		{Version: 1, Name: "first", Statements: []string{"SELECT 1"}},
		{Version: 2, Name: "second", MinServer: ServerVersion{22, 3}, Statements: []string{"SELECT 2"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("loadMigrations\n got %#v\nwant %#v", got, want)
	}

	f := func(name, wantErr string) {
		t.Helper()
		bad := fstest.MapFS{"m/0001_first.sql": {Data: []byte("SELECT 1;\n")}, "m/" + name: {Data: []byte("SELECT 3;\n")}}
		_, err := loadMigrations(bad, "m")
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("loadMigrations with %s: error = %v, want one containing %q", name, err, wantErr)
		}
	}
	f("0001_again.sql", "same version")
	f("1_short.sql", "NNNN_lowercase_name.sql")
	f("0003_Upper.sql", "NNNN_lowercase_name.sql")
	f("0003_notes.txt", "NNNN_lowercase_name.sql")
}

// The embedded schema must parse, and its baseline must run everywhere: no minimum version on 0001.
func TestEmbeddedMigrations(t *testing.T) {
	migs, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) < 2 || migs[0].Version != 1 || migs[0].MinServer != (ServerVersion{}) {
		t.Fatalf("want a baseline 0001 without minimum server version first, got %+v", migs)
	}
	for i := 1; i < len(migs); i++ {
		if migs[i].Version <= migs[i-1].Version {
			t.Fatalf("migrations out of order: %04d after %04d", migs[i].Version, migs[i-1].Version)
		}
	}
	// 18.16 has none of these; a baseline statement using one would fail on Debian's server.
	for _, stmt := range migs[0].Statements {
		for _, newer := range []string{"LowCardinality", "CODEC", "TTL", "INDEX", "DateTime64", "Bool"} {
			if strings.Contains(stmt, newer) {
				t.Errorf("baseline statement uses %s, which ClickHouse 18.16 lacks:\n%s", newer, stmt)
			}
		}
	}
}

func TestServerVersion(t *testing.T) {
	f := func(s string, want ServerVersion, atLeast2108 bool) {
		t.Helper()
		got, err := ParseServerVersion(s)
		if err != nil {
			t.Fatalf("ParseServerVersion(%q): %v", s, err)
		}
		if got != want {
			t.Fatalf("ParseServerVersion(%q) = %v, want %v", s, got, want)
		}
		if got.AtLeast(ServerVersion{21, 8}) != atLeast2108 {
			t.Fatalf("%v.AtLeast(21.8) = %v, want %v", got, !atLeast2108, atLeast2108)
		}
	}
	f("18.16.1", ServerVersion{18, 16}, false)
	f("21.8", ServerVersion{21, 8}, true)
	f("21.7.9.1", ServerVersion{21, 7}, false)
	f("25.8.2.29", ServerVersion{25, 8}, true)
	f("22.1.1", ServerVersion{22, 1}, true)
	for _, bad := range []string{"", "25", "x.1", "1.y", "-1.2"} {
		if _, err := ParseServerVersion(bad); err == nil {
			t.Errorf("ParseServerVersion(%q) accepted it", bad)
		}
	}
}

func TestDateTimeClamp(t *testing.T) {
	f := func(in, want time.Time) {
		t.Helper()
		if got := dateTime(in); !got.Equal(want) {
			t.Fatalf("dateTime(%v) = %v, want %v", in, got, want)
		}
	}
	f(time.Time{}, time.Unix(0, 0))
	f(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0))
	f(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(1<<32-1, 0))
	in := time.Date(2026, 11, 22, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	f(in, in)
}
