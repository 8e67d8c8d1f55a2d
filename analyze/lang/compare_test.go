package lang

import (
	"flag"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/abadojack/whatlanggo"
	"github.com/pemistahl/lingua-go"
)

var compare = flag.Bool("compare", false, "also measure lingua-go and whatlanggo on the evaluation tweets (slow)")

// TestCompareLibraries is the measurement behind the choice of lingua-go's models (docs/BENCHMARKS.md):
//
//	go test ./analyze/lang -run CompareLibraries -compare -v
func TestCompareLibraries(t *testing.T) {
	if !*compare {
		t.Skip("pass -compare to measure the libraries")
	}
	texts, langs := loadEval(t)
	measure := func(name string, detect func(string) string) {
		start := time.Now()
		ok := 0
		for i, text := range texts {
			if detect(text) == langs[i] {
				ok++
			}
		}
		el := time.Since(start)
		t.Logf("%-34s accuracy %.4f  %7.1f µs/text", name, float64(ok)/float64(len(texts)), float64(el.Microseconds())/float64(len(texts)))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	Detect("warm up")
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("analyze/lang table: %.1f MiB of heap", float64(after.HeapAlloc-before.HeapAlloc)/(1<<20))
	measure("analyze/lang (7 languages)", Detect)

	iso := func(l lingua.Language, ok bool) string {
		if !ok {
			return ""
		}
		return strings.ToLower(l.IsoCode639_1().String())
	}
	seven := []lingua.Language{lingua.French, lingua.English, lingua.Spanish, lingua.German, lingua.Italian, lingua.Portuguese, lingua.Dutch}
	high := lingua.NewLanguageDetectorBuilder().FromLanguages(seven...).WithPreloadedLanguageModels().Build()
	measure("lingua-go 1.4 (7 languages, high)", func(s string) string { return iso(high.DetectLanguageOf(s)) })
	low := lingua.NewLanguageDetectorBuilder().FromLanguages(seven...).WithLowAccuracyMode().WithPreloadedLanguageModels().Build()
	measure("lingua-go 1.4 (7 languages, low)", func(s string) string { return iso(low.DetectLanguageOf(s)) })
	wl := whatlanggo.Options{Whitelist: map[whatlanggo.Lang]bool{whatlanggo.Fra: true, whatlanggo.Eng: true, whatlanggo.Spa: true,
		whatlanggo.Deu: true, whatlanggo.Ita: true, whatlanggo.Por: true, whatlanggo.Nld: true}}
	measure("whatlanggo 1.0.1 (7 languages)", func(s string) string { return whatlanggo.DetectWithOptions(s, wl).Lang.Iso6391() })
	measure("whatlanggo 1.0.1 (all languages)", func(s string) string { return whatlanggo.DetectLang(s).Iso6391() })
}
