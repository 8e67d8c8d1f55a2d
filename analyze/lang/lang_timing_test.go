package lang

import "testing"

func BenchmarkDetect(b *testing.B) {
	texts, _ := loadEval(b)
	Detect("warm up")
	var bytes int64
	for _, t := range texts {
		bytes += int64(len(t))
	}
	b.SetBytes(bytes / int64(len(texts)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Detect(texts[i%len(texts)])
	}
}
