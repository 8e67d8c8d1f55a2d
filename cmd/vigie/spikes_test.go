package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSpikesCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	golden, err := os.ReadFile("../../analyze/spike/testdata/minutes-short.golden")
	if err != nil {
		t.Fatal(err)
	}
	f := func(args []string, stdin string, wantCode int, wantOut, wantErr string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := dispatch(context.Background(), args, strings.NewReader(stdin), &out, &errb)
		if code != wantCode || !strings.Contains(out.String(), wantOut) || !strings.Contains(errb.String(), wantErr) {
			t.Fatalf("vigie %s: exit %d, stdout %q, stderr %q; want exit %d, stdout containing %q, stderr containing %q",
				strings.Join(args, " "), code, trunc(out.String()), trunc(errb.String()), wantCode, wantOut, wantErr)
		}
	}
	// The command prints exactly what the package's golden file holds.
	f([]string{"spikes", "backtest", "../../analyze/spike/testdata/minutes-short.csv"}, "", 0, string(golden), "")
	f([]string{"spikes", "backtest", "-"}, "timestamp,value\n2026-01-01 00:00:00,3\n", 0, "2026-01-01 00:00:00,3,0.0000,0\n", "")
	f([]string{"spikes", "backtest", "--help"}, "", 0, "", "Usage: vigie spikes backtest")
	f([]string{"spikes", "--help"}, "", 0, "backtest", "")
	f([]string{"spikes", "backtest"}, "", 2, "", "Usage")
	f([]string{"spikes", "backtest", filepath.Join(dir, "missing.csv")}, "", 1, "", "no such file")
	bad := write("bad.csv", "timestamp,value\n2026-01-01 00:00:00,1\n2026-01-01 00:01:00,x\n")
	f([]string{"spikes", "backtest", bad}, "", 1, "", "line 3: value \"x\"")
	f([]string{"spikes", "eval", "--help"}, "", 0, "", "mean + 3σ")
	f([]string{"spikes", "eval", "--brands", "0"}, "", 1, "", "--brands")
	f([]string{"spikes", "eval", "--brands", "1", "--weeks", "1", "--warmup", "1", "--seed", "3"}, "", 0, "| recall ≤ 5 min, bursts + slow crises (target ≥ 90 %) |", "")
}

// TestSpikesEvalDeterministic: the same seed gives the same figures.
func TestSpikesEvalDeterministic(t *testing.T) {
	run := func() string {
		var out bytes.Buffer
		if code := dispatch(context.Background(), []string{"spikes", "eval", "--brands", "2", "--weeks", "1", "--warmup", "1", "--seed", "9"}, nil, &out, &bytes.Buffer{}); code != 0 {
			t.Fatalf("exit %d", code)
		}
		s := out.String()
		return s[:strings.LastIndex(s, "\n\n")] // drop the timing line
	}
	if a, b := run(), run(); a != b {
		t.Fatalf("two runs with one seed differ:\n%s\n---\n%s", a, b)
	}
}

func trunc(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
