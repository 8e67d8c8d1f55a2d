package terms

import "testing"

func BenchmarkExtract(b *testing.B) {
	f := func(name, text, lang string) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				Extract(text, lang)
			}
		})
	}
	f("tweet-fr", "Encore une panne du réseau #Orange depuis ce matin, impossible d'appeler l'assistance… @Orange_conseil", "fr")
	f("tweet-en", "Apple's new iPhone keeps overheating, support says it's a known issue #iphonegate", "en")
	f("article-fr", "Le Conseil d'État a rejeté mardi le recours de l'opérateur contre la décision de l'Arcep, "+
		"qui lui impose de rembourser ses abonnés après la panne géante du réseau mobile survenue en juin. "+
		"Selon l'association de consommateurs, près de deux millions de clients ont été privés d'appels pendant "+
		"plus de dix heures, et les services d'urgence ont été injoignables dans plusieurs départements.", "fr")
}
