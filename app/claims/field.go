package claims

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Field names the value of a claim in a command's --json output (one JSON
// object per line):
//
//	accuracy                   the field of the last line
//	accuracy.train             a field of an object
//	spectrum_cumulative[31]    an element of a list (from 0)
//	components_for[0.80]       a key that holds dots
//	job=kmeans10/ratio         on the line whose top-level job is kmeans10
//	-slope                     the value negated
//	cumulative[31]*100         the value times a number
//	seconds/peer.seconds       the ratio of two fields of the line
type Field struct {
	Text     string
	SelKey   string // top-level key that selects the line ("" → the last line)
	SelValue string
	Path     []string // keys and indices
	Over     []string // the denominator's path, when the field is a ratio
	Negate   bool
	Scale    float64
}

// ParseField reads a field as described on Field.
func ParseField(s string) (Field, error) {
	f := Field{Text: s, Scale: 1}
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		f.Negate, s = true, rest
	}
	if i := strings.LastIndex(s, "*"); i >= 0 {
		v, err := strconv.ParseFloat(s[i+1:], 64)
		if err != nil {
			return f, fmt.Errorf("%q: the factor after * is not a number", f.Text)
		}
		f.Scale, s = v, s[:i]
	}
	if sel, rest, ok := strings.Cut(s, "/"); ok && strings.Contains(sel, "=") {
		k, v, _ := strings.Cut(sel, "=")
		if k == "" || v == "" {
			return f, fmt.Errorf("%q: a line is selected as key=value/path", f.Text)
		}
		f.SelKey, f.SelValue, s = k, v, rest
	}
	if num, den, ok := strings.Cut(s, "/"); ok {
		var err error
		if f.Over, err = parsePath(den); err != nil {
			return f, fmt.Errorf("%q: %v", f.Text, err)
		}
		s = num
	}
	var err error
	if f.Path, err = parsePath(s); err != nil {
		return f, fmt.Errorf("%q: %v", f.Text, err)
	}
	return f, nil
}

// parsePath reads a.b[3][0.80] into its keys and indices.
func parsePath(s string) ([]string, error) {
	var path []string
	for s != "" {
		switch {
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 2 {
				return nil, fmt.Errorf("unclosed or empty [")
			}
			path, s = append(path, s[1:end]), s[end+1:]
		case s[0] == '.':
			s = s[1:]
		default:
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			path, s = append(path, s[:end]), s[end:]
		}
	}
	if len(path) == 0 {
		return nil, fmt.Errorf("names no field")
	}
	return path, nil
}

// Extract returns the field's number from out, the --json output of a
// command (one object per line; other lines are ignored).
func (f Field) Extract(out []byte) (float64, error) {
	var line map[string]any
	found := false
	for _, l := range bytes.Split(out, []byte("\n")) {
		l = bytes.TrimSpace(l)
		if len(l) == 0 || l[0] != '{' {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal(l, &v); err != nil {
			continue
		}
		if f.SelKey != "" && fmt.Sprint(v[f.SelKey]) != f.SelValue {
			continue
		}
		line, found = v, true
		if f.SelKey != "" {
			break
		}
	}
	if !found {
		if f.SelKey != "" {
			return 0, fmt.Errorf("no output line has %s=%s", f.SelKey, f.SelValue)
		}
		return 0, fmt.Errorf("the command printed no JSON object")
	}
	v, err := lookup(line, f.Path)
	if err != nil {
		return 0, err
	}
	if f.Over != nil {
		d, err := lookup(line, f.Over)
		if err != nil {
			return 0, err
		}
		v /= d
	}
	if f.Negate {
		v = -v
	}
	return v * f.Scale, nil
}

// lookup returns the number at path in line.
func lookup(line map[string]any, path []string) (float64, error) {
	var cur any = line
	for i, p := range path {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[p]
			if !ok {
				return 0, fmt.Errorf("no %s in the output", strings.Join(path[:i+1], "."))
			}
			cur = v
		case []any:
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || n >= len(x) {
				return 0, fmt.Errorf("%s has %d elements; [%s] is outside", strings.Join(path[:i], "."), len(x), p)
			}
			cur = x[n]
		default:
			return 0, fmt.Errorf("%s is not an object or a list", strings.Join(path[:i], "."))
		}
	}
	v, ok := cur.(float64)
	if !ok {
		return 0, fmt.Errorf("%s is %v, not a number", strings.Join(path, "."), cur)
	}
	return v, nil
}

// String returns the field as written.
func (f Field) String() string { return f.Text }

var refPattern = regexp.MustCompile(`\{([^{}\s]+)\}`)

// References returns the ids of the claims whose run a command refers to
// as {id}.
func References(command string) []string {
	var ids []string
	for _, m := range refPattern.FindAllStringSubmatch(command, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// Expand returns the command's arguments (without "embedscope") with
// $FULL replaced by full and every {id} by runID(id).
func Expand(command, full string, runID func(id string) (string, error)) ([]string, error) {
	var err error
	s := refPattern.ReplaceAllStringFunc(command, func(m string) string {
		id, rerr := runID(m[1 : len(m)-1])
		if rerr != nil && err == nil {
			err = rerr
		}
		return id
	})
	if err != nil {
		return nil, err
	}
	s = strings.ReplaceAll(s, "$FULL", full)
	args, err := SplitCommand(s)
	if err != nil {
		return nil, err
	}
	return args[1:], nil
}

// SplitCommand splits a command line at spaces, keeping 'single' or
// "double" quoted text together.
func SplitCommand(s string) ([]string, error) {
	var args []string
	var b strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0 && ch == quote:
			quote = 0
		case quote != 0:
			b.WriteByte(ch)
		case ch == '\'' || ch == '"':
			quote, in = ch, true
		case ch == ' ' || ch == '\t':
			if in {
				args = append(args, b.String())
				b.Reset()
				in = false
			}
		default:
			b.WriteByte(ch)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed quote in %q", s)
	}
	if in {
		args = append(args, b.String())
	}
	if len(args) < 2 || args[0] != "embedscope" {
		return nil, fmt.Errorf("%q is not an embedscope command", s)
	}
	return args, nil
}
