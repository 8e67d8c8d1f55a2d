package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = dispatch(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestSentimentScoresOneLinePerLine(t *testing.T) {
	in := "J'adore ce forfait\n\nworst support ever\r\nnot bad at all" // blank line, CRLF, no final newline
	code, out, errs := runCmd(t, in, "sentiment")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{"positive", "neutral", "negative", "positive"}
	if len(lines) != len(want) {
		t.Fatalf("got %d output lines for 4 input lines:\n%s", len(lines), out)
	}
	for i, l := range lines {
		label, score, ok := strings.Cut(l, "\t")
		if !ok || label != want[i] || score == "" {
			t.Errorf("line %d = %q, want label %s<TAB>score", i+1, l, want[i])
		}
	}
}

func TestSentimentBrandAndLang(t *testing.T) {
	in := "J'ai quitté Orange pour Free, enfin un service client qui répond\n"
	for brand, want := range map[string]string{"Orange": "negative", "Free": "positive"} {
		code, out, errs := runCmd(t, in, "sentiment", "--lang", "fr", "--brand", brand)
		if code != 0 || !strings.HasPrefix(out, want+"\t") {
			t.Errorf("--brand %s: exit %d, out %q, err %q; want %s", brand, code, out, errs, want)
		}
	}
	code, out, _ := runCmd(t, "t'es con\n", "sentiment", "--verbose")
	if code != 0 || len(strings.Split(strings.TrimSpace(out), "\t")) != 5 || !strings.HasSuffix(strings.TrimSpace(out), "\t1") {
		t.Errorf("--verbose: exit %d, out %q", code, out)
	}
}

func TestSentimentBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"sentiment", "--lang", "de"},
		{"sentiment", "extra"},
		{"sentiment", "--nope"},
		{"sentiment", "eval"},
		{"sentiment", "eval", "--compare", "textblob", "x.tsv"},
	} {
		if code, _, errs := runCmd(t, "", args...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, errs)
		}
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tsv")
	os.WriteFile(bad, []byte("label\ttext\nmixed\tsomething\n"), 0o644)
	if code, _, errs := runCmd(t, "", "sentiment", "eval", bad); code != 1 || !strings.Contains(errs, "line 2") {
		t.Errorf("bad label: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCmd(t, "", "sentiment", "eval", filepath.Join(dir, "missing.tsv")); code != 1 || errs == "" {
		t.Errorf("missing file: exit %d, stderr %q", code, errs)
	}
}

func TestSentimentEval(t *testing.T) {
	var b strings.Builder
	b.WriteString("label\ttext\n")
	for i := 0; i < 4; i++ {
		b.WriteString("positive\tI love this, great service\nnegative\tawful, worst support ever\nneutral\tthe store opens at 9 on Monday\n")
		b.WriteString("positive\tj'adore, super service\nnegative\tnul, vraiment décevant\nneutral\tle magasin ouvre lundi à 9 heures\n")
	}
	path := filepath.Join(t.TempDir(), "small.tsv")
	os.WriteFile(path, []byte(b.String()), 0o644)
	code, out, errs := runCmd(t, "", "sentiment", "eval", "--compare", "govader", "--lexicon-only", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"24 texts", "macro-F1", "accuracy", "F1 neutral", "texts/s", "govader", "confusion matrix", "vigie lexicon+rules only"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = runCmd(t, "", "sentiment", "eval", "--cv", "2", "--lang", "en", path)
	if code != 0 || !strings.Contains(out, "2-fold CV") {
		t.Errorf("--cv 2: exit %d, stderr %q, out:\n%s", code, errs, out)
	}
}
