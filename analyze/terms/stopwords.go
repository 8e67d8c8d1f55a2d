package terms

import "strings"

// Stop words carry no topic: they would dominate every brand's term counts and hide what is bursting.
// The lists are the usual short function-word lists (articles, pronouns, auxiliaries, prepositions,
// conjunctions, frequent adverbs), written accent-folded and lower-cased because they are compared
// with normalised tokens. Elided forms ("l'", "qu'") are handled by the tokenizer, not listed here.

var frenchStopwords = words(`
a ai aie aient aies ait alors as au aucun aucune aupres auquel aura aurai auraient aurais aurait auras aurez
auriez aurions aurons auront aussi autre autres aux auxquelles auxquels avaient avais avait avant avec avez aviez
avions avoir avons ayant ayez ayons bon c ca car ce ceci cela celle celles celui cependant certain certaine
certaines certains ces cet cette ceux chaque chez ci comme comment contre d dans de depuis des desquelles desquels
deja donc dont du duquel elle elles en encore entre es est et etaient etais etait etant ete etes etiez etions
etre eu eue eues eumes eurent eus eusse eussent eusses eussiez eussions eut eutes eux fait faire fais faut
furent fus fusse fussent fusses fussiez fussions fut futes hors ici il ils j je jusqu jusque l la laquelle le
lequel les lesquelles lesquels leur leurs lors lorsque lui m ma mais me meme memes mes moi moins mon n ne ni non
nos notre nous on ont ou par parce pas peu peut plus pour pourquoi qu quand que quel quelle quelles quels qui
quoi s sa sans se sera serai seraient serais serait seras serez seriez serions serons seront ses si sien sienne
soi soient sois soit sommes son sont sous soyez soyons suis sur t ta tandis te tes toi ton tous tout toute
toutes tres tu un une unes uns vers voici voila vont vos votre vous y
`)

var englishStopwords = words(`
a about above after again against all am an and any are aren't as at be because been before being below between
both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from
further get got had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him
himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's me more most mustn't
my myself no nor not now of off on once only or other ought our ours ourselves out over own same shan't she
she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then there
there's these they they'd they'll they're they've this those through to too under until up us very via was
wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while who who's whom
why why's will with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
amp rt http https www com
`)

// elisions are the French clitics written with an apostrophe before a vowel ("l'avion", "qu'il").
var elisions = words(`c d j l m n qu s t jusqu lorsqu puisqu quoiqu presqu`)

func words(s string) map[string]struct{} {
	m := make(map[string]struct{})
	for _, w := range strings.Fields(s) {
		m[w] = struct{}{}
	}
	return m
}

func union(ms ...map[string]struct{}) map[string]struct{} {
	u := make(map[string]struct{})
	for _, m := range ms {
		for k := range m {
			u[k] = struct{}{}
		}
	}
	return u
}
