package cli

import "testing"

// SQL that starts with a -- comment is an argument, not a flag (issue 9,
// item 17).
func TestParseArgsSQLComment(t *testing.T) {
	sql := "-- who is on?\nSELECT 1"
	cfg, err := ParseArgs([]string{sql, "-o", "csv", "--output-file=a b.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Args) != 1 || cfg.Args[0] != sql || cfg.Format != "csv" || cfg.OutputFile != "a b.csv" {
		t.Errorf("args %q, format %s, output file %q", cfg.Args, cfg.Format, cfg.OutputFile)
	}
}
