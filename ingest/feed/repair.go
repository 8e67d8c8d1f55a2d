package feed

import (
	"bytes"
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Repairs name what was wrong with a damaged feed that Parse recovered from. They are metric labels.
const (
	RepairEncodingDeclaration = "encoding_declaration" // declared a single-byte charset, but the bytes are UTF-8
	RepairInvalidUTF8         = "invalid_utf8"         // bytes that are not UTF-8 where UTF-8 was due, read as Windows-1252
	RepairBOM                 = "bom"                  // byte order mark before the document
	RepairLeadingGarbage      = "leading_garbage"      // text (a PHP warning, blank lines) before the document
	RepairControlChars        = "control_chars"        // control bytes XML forbids
	RepairEntities            = "entities"             // HTML named entities or a bare '&' that XML forbids
)

var xmlDecl = regexp.MustCompile(`^\x{FEFF}?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// declaredSingleByte reports whether the XML declaration of doc names an encoding other than UTF-8/16, and
// where that name is.
func declaredSingleByte(doc []byte) (loc []int, ok bool) {
	m := xmlDecl.FindSubmatchIndex(doc)
	if m == nil {
		return nil, false
	}
	name := strings.ToLower(string(doc[m[2]:m[3]]))
	if strings.HasPrefix(name, "utf") {
		return nil, false
	}
	return m[2:4], true
}

// fixDeclaration rewrites the encoding declaration to UTF-8 when it names a single-byte charset but the
// bytes are valid UTF-8 with non-ASCII characters: such a feed was written as UTF-8 and mislabelled, and
// reading it as declared would turn "é" into "Ã©". Real Latin-1 text is practically never valid UTF-8.
func fixDeclaration(doc []byte) ([]byte, bool) {
	loc, ok := declaredSingleByte(doc)
	if !ok || !utf8.Valid(doc) || isASCII(doc) {
		return doc, false
	}
	out := make([]byte, 0, len(doc))
	out = append(out, doc[:loc[0]]...)
	out = append(out, "UTF-8"...)
	return append(out, doc[loc[1]:]...), true
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// sanitize repairs what makes a liberal reader's parser give up, returning the repaired document and the
// names of the repairs it made.
func sanitize(doc []byte) ([]byte, []string) {
	var repairs []string
	apply := func(name string, fix func([]byte) ([]byte, bool)) {
		var changed bool
		if doc, changed = fix(doc); changed {
			repairs = append(repairs, name)
		}
	}
	apply(RepairBOM, stripBOM)
	apply(RepairLeadingGarbage, stripLeadingGarbage)
	apply(RepairEncodingDeclaration, fixDeclaration)
	if _, single := declaredSingleByte(doc); !single {
		apply(RepairInvalidUTF8, fixInvalidUTF8)
	}
	apply(RepairControlChars, dropControlChars)
	if len(doc) > 0 && doc[0] == '<' {
		apply(RepairEntities, fixEntities)
	}
	return doc, repairs
}

func stripBOM(doc []byte) ([]byte, bool) {
	if rest, ok := bytes.CutPrefix(doc, []byte("\xef\xbb\xbf")); ok {
		return rest, true
	}
	return doc, false
}

// stripLeadingGarbage drops what comes before the document: the XML declaration when there is one, else
// the first feed root element, else the first '{' of a JSON Feed.
func stripLeadingGarbage(doc []byte) ([]byte, bool) {
	trimmed := bytes.TrimLeft(doc, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] == '{' || bytes.HasPrefix(trimmed, []byte("<?xml")) {
		return doc, false
	}
	start := bytes.Index(doc, []byte("<?xml"))
	if start < 0 {
		for _, root := range []string{"<rss", "<feed", "<rdf:RDF", "<RDF"} {
			if i := bytes.Index(doc, []byte(root)); i >= 0 && (start < 0 || i < start) {
				start = i
			}
		}
	}
	if start < 0 && trimmed[0] != '<' {
		start = bytes.IndexByte(doc, '{')
	}
	if start <= 0 {
		return doc, false
	}
	return doc[start:], true
}

// fixInvalidUTF8 reads every byte that is not part of valid UTF-8 as Windows-1252 (a superset of
// ISO-8859-1 for text), the encoding such bytes almost always come from.
func fixInvalidUTF8(doc []byte) ([]byte, bool) {
	if utf8.Valid(doc) {
		return doc, false
	}
	dec := charmap.Windows1252
	out := make([]byte, 0, len(doc)+len(doc)/8)
	for len(doc) > 0 {
		r, size := utf8.DecodeRune(doc)
		if r == utf8.RuneError && size <= 1 {
			out = utf8.AppendRune(out, dec.DecodeByte(doc[0]))
			doc = doc[1:]
			continue
		}
		out = append(out, doc[:size]...)
		doc = doc[size:]
	}
	return out, true
}

// dropControlChars removes the C0 control bytes XML 1.0 forbids (all but tab, LF and CR).
func dropControlChars(doc []byte) ([]byte, bool) {
	i := bytes.IndexFunc(doc, isForbiddenControl)
	if i < 0 {
		return doc, false
	}
	return bytes.Map(func(r rune) rune {
		if isForbiddenControl(r) {
			return -1
		}
		return r
	}, doc), true
}

func isForbiddenControl(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' }

var entityRef = regexp.MustCompile(`&(#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;?)?`)

// xmlEntities are the only named entities XML knows without a DTD.
var xmlEntities = map[string]bool{"&amp;": true, "&lt;": true, "&gt;": true, "&quot;": true, "&apos;": true}

// fixEntities turns HTML named entities into numeric references XML reads, and escapes a '&' that starts
// no reference.
func fixEntities(doc []byte) ([]byte, bool) {
	changed := false
	out := entityRef.ReplaceAllFunc(doc, func(ref []byte) []byte {
		s := string(ref)
		switch {
		case xmlEntities[s] || strings.HasPrefix(s, "&#"):
			return ref
		case strings.HasSuffix(s, ";"):
			if u := html.UnescapeString(s); u != s {
				changed = true
				var b []byte
				for _, r := range u {
					b = append(b, "&#"...)
					b = strconv.AppendInt(b, int64(r), 10)
					b = append(b, ';')
				}
				return b
			}
		}
		changed = true
		return append([]byte("&amp;"), ref[1:]...)
	})
	return out, changed
}
