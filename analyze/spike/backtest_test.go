package spike

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestBacktestGolden(t *testing.T) {
	ins, err := filepath.Glob("testdata/*.csv")
	if err != nil || len(ins) == 0 {
		t.Fatalf("no testdata/*.csv: %v", err)
	}
	for _, in := range ins {
		t.Run(filepath.Base(in), func(t *testing.T) {
			f, err := os.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var out bytes.Buffer
			if err := Backtest(f, &out, DefaultConfig()); err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".csv") + ".golden"
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Fatalf("output differs from %s (run go test -update after checking the change)", golden)
			}
		})
	}
}

// TestBacktestAlerts checks the golden inputs' meaning, so that -update cannot bless a broken detector:
// the injected burst alerts, the quiet days and the single outlier do not.
func TestBacktestAlerts(t *testing.T) {
	f := func(in string, wantAlerts ...string) {
		t.Helper()
		src, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := Backtest(bytes.NewReader(src), &out, DefaultConfig()); err != nil {
			t.Fatal(err)
		}
		var got []string
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		inLines := strings.Split(strings.TrimSpace(string(src)), "\n")
		if len(lines) != len(inLines) {
			t.Fatalf("%s: %d output lines for %d input lines", in, len(lines), len(inLines))
		}
		for _, l := range lines[1:] {
			if strings.HasSuffix(l, ",1") {
				got = append(got, l[:len("2006-01-02 15:04:05")])
			}
		}
		if strings.Join(got, " ") != strings.Join(wantAlerts, " ") {
			t.Fatalf("%s: alerts at %q, want %q", in, got, wantAlerts)
		}
	}
	// A 20× single-row outlier on 8 March at 08:20 (row 6*288+100) is one alert, not several; the 6× burst
	// starts on 10 March at 12:30 (row 8*288+150).
	f("testdata/five-minutes.csv", "2026-03-08 08:20:00", "2026-03-10 12:30:00")
	f("testdata/minutes-short.csv", "2026-03-02 11:30:00")
}

func TestBacktestErrors(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		err := Backtest(strings.NewReader(in), &bytes.Buffer{}, DefaultConfig())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Backtest(%q) error = %v, want it to contain %q", in, err, want)
		}
	}
	f("", "empty input")
	f("time,count\n", "line 1: header")
	f("timestamp,value\n2026-01-01 00:00:00,1\n2026-01-01 00:05:00\n", "line 3: want 2 fields")
	f("timestamp,value\n2026-01-01 00:00:00,1\n2026/01/01 00:05,1\n", "line 3: timestamp")
	f("timestamp,value\n2026-01-01 00:00:00,-1\n", "line 2: value \"-1\"")
	f("timestamp,value\n2026-01-01 00:00:00,abc\n", "line 2: value")
	f("timestamp,value\n2026-01-01 00:05:00,1\n2026-01-01 00:00:00,1\n", "line 3: timestamp 2026-01-01 00:00:00 does not follow")
	f("timestamp,value\n2026-01-01 00:00:00,1\n2026-01-01 00:05:00,1\n2026-01-01 00:07:00,1\n", "line 4: timestamp 2026-01-01 00:07:00 is not a whole number of steps")
	f("timestamp,value\n2026-01-01 00:00:00,1\n2026-01-01 00:05:00,\"1\n", "backtest:")
}

func TestBacktestSingleRow(t *testing.T) {
	var out bytes.Buffer
	if err := Backtest(strings.NewReader("timestamp,value\n2026-01-01 00:00:00,3\n"), &out, DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	if want := "timestamp,value,anomaly_score,alert\n2026-01-01 00:00:00,3,0.0000,0\n"; out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}
