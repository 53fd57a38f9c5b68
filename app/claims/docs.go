package claims

import (
	"fmt"
	"regexp"
	"strings"
)

// CheckDocs returns a problem for every claim or exemption whose snippet
// its document (docs maps a document's name to its text) does not contain
// verbatim: the document changed a number (or its wording) without the
// claims table, or the other way round. Whitespace runs (line breaks)
// count as one space.
func (f *File) CheckDocs(docs map[string]string) []error {
	var errs []error
	norm := map[string]string{}
	for name, text := range docs {
		norm[name] = squash(text)
	}
	for _, c := range f.Claims {
		text, ok := norm[c.Doc]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("claims line %d (%s): no document %s", c.Line, c.ID, c.Doc))
		case !strings.Contains(text, squash(c.Snippet)):
			errs = append(errs, fmt.Errorf("claims line %d (%s): %s does not say %q (expected %s): change the document or the claim so they agree",
				c.Line, c.ID, c.Doc, c.Snippet, c.Literal))
		}
	}
	for _, e := range f.Exempt {
		text, ok := norm[e.Doc]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("claims line %d: no document %s", e.Line, e.Doc))
		case !strings.Contains(text, squash(e.Snippet)):
			errs = append(errs, fmt.Errorf("claims line %d: %s does not say %q (listed as not a claim)", e.Line, e.Doc, e.Snippet))
		}
	}
	return errs
}

// numberPattern finds the numbers that state a measurement: those with a
// decimal point (0.8554, 82.6) or thousands separators (1,906,653). Bare
// small integers (k=10, 30 epochs) are settings, not measurements.
var numberPattern = regexp.MustCompile(`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+`)

// Uncovered returns the numbers of text (one document, named doc) that no
// claim states and no exemption explains: a number is covered when it is
// the expected value (as written) of a claim on doc, or lies inside an
// occurrence of an exemption's snippet or of `code`. Whitespace runs count
// as one space.
func (f *File) Uncovered(doc, text string) []string {
	text = squash(text)
	literals := map[string]bool{}
	for _, c := range f.Claims {
		if c.Doc == doc {
			literals[c.Literal] = true
			if lo, hi, ok := strings.Cut(c.Literal, string(Range)); ok {
				literals[strings.TrimSpace(lo)], literals[strings.TrimSpace(hi)] = true, true
			}
		}
	}
	exempt := make([]bool, len(text))
	for _, e := range f.Exempt {
		if e.Doc != doc {
			continue
		}
		s := squash(e.Snippet)
		for from := 0; ; {
			i := strings.Index(text[from:], s)
			if i < 0 {
				break
			}
			for j := from + i; j < from+i+len(s); j++ {
				exempt[j] = true
			}
			from += i + 1
		}
	}
	// Numbers in `code` (commands and their settings) are not measurements.
	for i, open := 0, -1; i < len(text); i++ {
		if text[i] != '`' {
			continue
		}
		if open < 0 {
			open = i
			continue
		}
		for j := open; j <= i; j++ {
			exempt[j] = true
		}
		open = -1
	}
	var out []string
	for _, loc := range numberPattern.FindAllStringIndex(text, -1) {
		lit := text[loc[0]:loc[1]]
		if literals[lit] || exempt[loc[0]] {
			continue
		}
		// Part of a longer token (a version such as 1.2.1, a date, a
		// file name): not a measurement.
		if loc[1] < len(text) && (text[loc[1]] == '.' && loc[1]+1 < len(text) && isDigit(text[loc[1]+1]) || text[loc[1]] == '-') ||
			loc[0] > 0 && (text[loc[0]-1] == '.' || text[loc[0]-1] == '-' || isLetter(text[loc[0]-1])) {
			continue
		}
		start := max(0, loc[0]-30)
		out = append(out, fmt.Sprintf("%s (…%s…)", lit, text[start:min(len(text), loc[1]+10)]))
	}
	return out
}

// Section returns the part of a Markdown document from the heading that
// starts with title to the next heading of the same level (or the end).
func Section(doc, title string) string {
	level := strings.Index(title, " ")
	lines := strings.Split(doc, "\n")
	start := -1
	for i, l := range lines {
		if start < 0 {
			if strings.HasPrefix(l, title) {
				start = i
			}
			continue
		}
		if strings.HasPrefix(l, strings.Repeat("#", level)+" ") {
			return strings.Join(lines[start:i], "\n")
		}
	}
	if start < 0 {
		return ""
	}
	return strings.Join(lines[start:], "\n")
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_' }
