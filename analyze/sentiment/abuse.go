package sentiment

import (
	"slices"
	"strings"
)

// Moderation: a mention is abusive when it carries a slur or a strong insult, or a milder insult aimed at
// someone ("t'es con", "you idiot", "bande de voleurs", "@user moron"). Swearing that only intensifies
// ("putain c'est génial", "fucking awesome") and insults aimed at oneself ("I'm such an idiot") are not.
// The lists are Vigie's own.
var (
	strongInsults = set(
		// English
		"cunt", "cunts", "motherfucker", "motherfuckers", "mf", "retard", "retards", "retarded", "faggot", "faggots",
		"fag", "fags", "nigger", "niggers", "whore", "whores", "slut", "sluts", "dickhead", "dickheads", "asshole",
		"assholes", "arsehole", "bastard", "bastards", "scumbag", "scumbags", "dumbass", "jackass", "douchebag",
		"douchebags", "twat", "wanker", "wankers", "shithead", "kys", "tranny",
		// French
		"connard", "connards", "connasse", "connasses", "conasse", "enculé", "enculés", "encule", "enculer",
		"salope", "salopes", "salopard", "salopards", "pute", "putes", "pd", "pédé", "pédés", "tapette",
		"tafiole", "bougnoule", "bougnoules", "youpin", "négro", "négros", "ntm", "fdp", "tg", "batard", "bâtard",
		"bâtards", "batards", "pétasse", "pouffiasse", "enfoiré", "enfoirés", "raclure", "raclures")
	strongPhrases = []string{
		"fuck you", "fuck off", "go to hell", "kill yourself", "piece of shit", "son of a bitch", "shut the fuck",
		"go die", "screw you", "suck my",
		"ta gueule", "ferme ta gueule", "va te faire", "allez vous faire", "nique ta", "niquer ta", "fils de pute",
		"trou du cul", "sale con", "gros con", "pauvre con", "bande de cons", "espèce de con", "casse toi",
		"va crever", "crève", "sac à merde", "tête de con"}
	mildInsults = set(
		"idiot", "idiots", "moron", "morons", "stupid", "dumb", "loser", "losers", "clown", "clowns", "pathetic",
		"trash", "garbage", "jerk", "jerks", "fool", "fools", "imbecile", "imbeciles", "scum", "pig", "pigs",
		"bitch", "bitches", "dick", "idiotic", "incompetent", "liar", "liars", "thieves", "crooks", "clowns",
		"con", "cons", "conne", "connes", "idiote", "idiotes", "crétin", "crétins", "crétine", "imbécile",
		"imbéciles", "abruti", "abrutis", "abrutie", "débile", "débiles", "bouffon", "bouffons", "guignol",
		"guignols", "tocard", "tocards", "nul", "nuls", "nulle", "minable", "minables", "incapable", "incapables",
		"voleur", "voleurs", "voleuse", "escroc", "escrocs", "menteur", "menteurs", "menteuse", "naze", "nazes",
		"ordure", "ordures", "charognard", "charognards", "baltringue", "baltringues", "clochard", "clochards")
	// aimers put a mild insult on someone when they come up to three words before it: second person,
	// vocatives, "quel con", "what an idiot". closeAimers only count just before it ("ce con", not "ce film
	// est nul").
	aimers = set("you", "u", "ur", "youre", "you're", "yall", "ya", "such", "what",
		"t'", "tu", "es", "êtes", "vous", "toi", "espèce", "bande")
	closeAimers = set("ce", "cette", "ces", "sale", "sales", "gros", "grosse", "pauvre", "pauvres", "quel",
		"quelle", "quels", "quelles", "dumb", "stupid", "fucking", "bloody")
	// selfWords mark an insult aimed at oneself or denied, which moderation leaves alone.
	selfWords = set("i'm", "im", "i", "me", "myself", "je", "j'", "moi", "suis", "am", "feel", "felt", "pas",
		"not", "no", "c'est", "cest", "c'", "est", "ai", "was", "ce", "t'inquiete")
)

// abuseWords flags, once for all calls, the words abusive looks for: one map look-up per word decides
// whether a mention needs a closer look (almost none do).
const (
	abStrong = 1 << iota // a strong insult on its own
	abMild               // a mild insult, abusive when aimed at someone
	abPhrase             // the first word of a strong phrase
)

var abuseWords, strongPhraseWords = func() (map[string]uint8, map[string][][]string) {
	flags := map[string]uint8{}
	for w := range strongInsults {
		flags[w] |= abStrong
	}
	for w := range mildInsults {
		flags[w] |= abMild
	}
	// Phrases are matched word by word on the folded words, hyphenated words split ("va-te-faire").
	byFirst := map[string][][]string{}
	for _, p := range strongPhrases {
		ws := strings.Fields(foldString(p))
		flags[ws[0]] |= abPhrase
		byFirst[ws[0]] = append(byFirst[ws[0]], ws)
	}
	return flags, byFirst
}()

// abusive reports whether the tokens carry abuse, in any of the supported languages (mixed-language
// mentions are common, and slurs do not depend on the detected language).
func abusive(toks []token, _ string) bool {
	var buf [64]string
	words := buf[:0]
	candidate := false
	for _, t := range toks {
		switch t.kind {
		case tWord, tHashtag, tMention:
			w := t.norm
			if t.kind == tHashtag {
				w = w[1:]
			}
			f := abuseWords[w]
			if t.elong {
				if sq, _ := squeeze(w, 1); abuseWords[sq]&(abStrong|abMild) != 0 {
					w, f = sq, abuseWords[sq]
				} else {
					w = t.norm
					f = abuseWords[w]
				}
			}
			if f&abStrong != 0 {
				return true
			}
			if f != 0 || strings.IndexByte(w, '-') >= 0 {
				candidate = true
			}
			words = append(words, w)
		default:
			words = append(words, "|")
		}
	}
	if !candidate {
		return false
	}
	if hasStrongPhrase(words) {
		return true
	}
	for i, w := range words {
		if abuseWords[w]&abMild == 0 {
			continue
		}
		// "@user idiot": a reply that opens on an insult.
		if i > 0 && strings.HasPrefix(words[i-1], "@") {
			return true
		}
		aimed, self := false, false
		for k := i - 1; k >= 0 && k >= i-3; k-- {
			if words[k] == "|" {
				break
			}
			if selfWords[words[k]] {
				self = true
			}
			if aimers[words[k]] || (k == i-1 && closeAimers[words[k]]) {
				aimed = true
			}
		}
		// "idiots!" after "you" later in the clause ("you are idiots") is caught above; an insult followed by
		// "you" ("idiot you are") too:
		if i+1 < len(words) && (words[i+1] == "you" || words[i+1] == "toi" || words[i+1] == "va") {
			aimed = true
		}
		if aimed && !self {
			return true
		}
	}
	return false
}

// hasStrongPhrase reports whether a strong phrase runs through consecutive words, hyphenated words counting
// as their parts.
func hasStrongPhrase(words []string) bool {
	var buf [96]string
	parts := buf[:0]
	for _, w := range words {
		if strings.IndexByte(w, '-') < 0 {
			parts = append(parts, w)
			continue
		}
		for _, p := range strings.Split(w, "-") {
			parts = append(parts, p)
		}
	}
	for i, w := range parts {
		for _, ph := range strongPhraseWords[w] {
			if len(ph) <= len(parts)-i && slices.Equal(ph, parts[i:i+len(ph)]) {
				return true
			}
		}
	}
	return false
}
