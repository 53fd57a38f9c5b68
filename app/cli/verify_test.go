package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"embedscope/app/claims"
	"embedscope/docs"
)

func TestVerifyChecksClaims(t *testing.T) {
	skipShort(t)
	file := "testdata/verify-claims.md"
	// The quick rows: one holds, one does not (exit 1, both listed).
	code, out, e := run(t, "verify", "--claims", file)
	if code != 1 || !strings.Contains(out, "✓ train") || !strings.Contains(out, "✗ wrong") || !strings.Contains(out, "measured 2000, expected 8,001") ||
		!strings.Contains(out, "✓ pca") || !strings.Contains(out, "2 of 3 claims hold; 1 do not: wrong") || !strings.Contains(e, "1 of 3 claims do not hold: wrong") {
		t.Errorf("exit %d\n%s\n%s", code, out, e)
	}
	// --only a claim whose command names another's run: that one runs
	// first, and its run is the space classified. Failures of a command
	// and of a field are reported on their rows.
	code, out, _ = run(t, "verify", "--claims", file, "--only", "knn.pca,broken,missing", "--json")
	var rows []VerifyRow
	var sum VerifySummary
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(l, `"claims":`) {
			if err := json.Unmarshal([]byte(l), &sum); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var r VerifyRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		rows = append(rows, r)
	}
	if code != 1 || len(rows) != 4 || rows[0].ID != "pca" || !rows[0].OK || rows[1].ID != "knn.pca" || !rows[1].OK || *rows[1].Measured != 0.7965 {
		t.Fatalf("exit %d, rows %+v", code, rows)
	}
	if rows[2].OK || !strings.Contains(rows[2].Error, "the command failed (exit 1)") || rows[3].OK || !strings.Contains(rows[3].Error, "no nothing") {
		t.Errorf("failing rows %+v %+v", rows[2], rows[3])
	}
	if sum.Claims != 4 || sum.Passed != 2 || strings.Join(sum.Failed, ",") != "broken,missing" || sum.Machine == "" {
		t.Errorf("summary %+v", sum)
	}
	// The claims built into the binary: the embedded rows hold.
	if code, out, e := run(t, "verify", "--only", "data.emb.*"); code != 0 || !strings.Contains(out, "2 of 2 claims hold") {
		t.Errorf("built-in claims: exit %d\n%s%s", code, out, e)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--only", "nope"}, `no claim "nope"`},
		{[]string{"--quick", "--all"}, "choose one"},
		{[]string{"--claims", "testdata/none.md"}, "no such file"},
		{[]string{"--only", "data.train", "--full", "/nonexistent"}, "needs the full Fashion-MNIST in /nonexistent"},
	} {
		if code, _, e := run(t, append([]string{"verify"}, c.args...)...); code != 1 || !strings.Contains(e, c.msg) {
			t.Errorf("verify %v: exit %d, %q; want %q", c.args, code, e, c.msg)
		}
	}
}

// TestBuiltInClaimsParse: the claims built into the binary are docs/claims.md,
// and every quick claim's command is a command this binary has.
func TestBuiltInClaimsParse(t *testing.T) {
	f, err := claims.Parse(bytes.NewReader(docs.Claims))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Claims {
		args, err := claims.Expand(c.Command, "/full", func(string) (string, error) { return "RUN", nil })
		if err != nil || !IsCommand(args[0]) {
			t.Errorf("%s: %q is not a command (%v)", c.ID, c.Command, err)
		}
	}
}
