package sentiment

import (
	"runtime"
	"testing"
)

// mixedTexts interleaves the French and English evaluation tweets, so language detection has work to do.
func mixedTexts(b testing.TB) []string {
	fr, en := loadEval(b, "fr"), loadEval(b, "en")
	var out []string
	for i := range fr {
		out = append(out, fr[i].Text)
		if i < len(en) {
			out = append(out, en[i].Text)
		}
	}
	return out
}

func benchScore(b *testing.B, lang, brand string) {
	texts := mixedTexts(b)
	s := New()
	s.Score("warm up", "", "")
	var n int64
	for _, t := range texts {
		n += int64(len(t))
	}
	b.SetBytes(n / int64(len(texts)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Score(texts[i%len(texts)], lang, brand)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mentions/s")
}

// BenchmarkScore is the figure of docs/BENCHMARKS.md: one core (-cpu 1), language detection on.
//
//	go test ./analyze/sentiment -run '^$' -bench Score -cpu 1
func BenchmarkScore(b *testing.B)              { benchScore(b, "auto", "") }
func BenchmarkScoreKnownLang(b *testing.B)     { benchScore(b, "fr", "") }
func BenchmarkScoreBrandTargeted(b *testing.B) { benchScore(b, "auto", "Orange") }

// TestMemoryFootprint measures the heap the embedded lexicons, models and language table take once loaded
// (docs/BENCHMARKS.md).
func TestMemoryFootprint(t *testing.T) {
	if embeddedModels != nil || lexicons != nil {
		t.Skip("the resources were loaded by an earlier test: run this test alone (-run MemoryFootprint)")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := New()
	s.Score("warm up le détecteur de langue", "", "")
	runtime.GC()
	runtime.ReadMemStats(&after)
	mib := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / (1 << 20)
	t.Logf("heap after loading lexicons, models and language table: %.1f MiB", mib)
	if mib > 64 {
		t.Errorf("footprint %.1f MiB grew past 64 MiB", mib)
	}
	runtime.KeepAlive(s)
}
