package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// startup is contest 5: the CLI's wall time for SELECT 1, and what
// `.load build/vpnsql` adds to the sqlite3 shell. Four contestants take
// turns: the CLI, the shell with the extension, the shell with an empty Go
// extension (the floor for any Go extension), the shell alone (the
// reference for all).
func (b *bench) startup(ctx context.Context) error {
	sqlite3, err := exec.LookPath("sqlite3")
	if err != nil {
		return err
	}
	ext := strings.TrimSuffix(b.ext, ".so") // as a user types it: .load build/vpnsql
	env := benchEnv("AWS_REGION=us-east-1")
	timed := func(name string, c command) contestant {
		c.env = env
		return contestant{name, func(ctx context.Context) (float64, error) {
			d, err := c.run(ctx)
			return ms(d), err
		}}
	}
	cli := timed("vpnsql", command{path: b.cli, args: []string{"SELECT 1"}})
	load := timed("sqlite3 + .load", command{path: sqlite3, args: []string{":memory:", ".load " + ext, "SELECT 1"}})
	plain := timed("sqlite3", command{path: sqlite3, args: []string{":memory:", "SELECT 1"}})
	dir, err := os.MkdirTemp("", "vpnsql-bench-goext-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	build := exec.CommandContext(ctx, "go", "build", "-buildmode=c-shared", "-o", filepath.Join(dir, "goext.so"), "./bench/goext")
	build.Dir = b.root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building bench/goext: %w: %s", err, out)
	}
	empty := timed("sqlite3 + .load goext", command{path: sqlite3, args: []string{":memory:", ".load " + filepath.Join(dir, "goext"), "SELECT 1"}})
	all := []contestant{cli, load, empty, plain}
	for _, c := range all { // warm the page cache
		if _, err := c.run(ctx); err != nil {
			return err
		}
	}
	got, err := alternate(ctx, b.sz.startRuns, all...)
	if err != nil {
		return err
	}
	cliT, loadT, emptyT, plainT := got[0], got[1], got[2], got[3] // the order of all
	c, l, p := median(cliT), median(loadT), median(plainT)
	extra := median(diffs(loadT, plainT))
	emptyExtra := median(diffs(emptyT, plainT))
	b.add(result{"5", "start-up: CLI wall time for `vpnsql 'SELECT 1'`", fmtMS(c), fmtMS(p) + " sqlite3 shell",
		fmtRatio(median(ratios(cliT, plainT))), "< 15 ms", verdict(c < 15)})
	b.add(result{"5", "start-up: extra wall time of `.load build/vpnsql` in the sqlite3 shell",
		"+" + fmtMS(extra), fmtMS(p) + " without", fmtRatio(median(ratios(loadT, plainT))), "< 5 ms", verdict(extra < 5)})
	b.add(result{"5", "floor: extra wall time of `.load` of an empty Go extension (bench/goext: the Go runtime alone)",
		"+" + fmtMS(emptyExtra), fmtMS(p) + " without", fmtRatio(median(ratios(emptyT, plainT))), "", reportOnly})
	version, _ := exec.Command(sqlite3, "--version").Output()
	b.explain("5", "Start-up.", fmt.Sprintf(
		"%d rounds, each running, in rotating order, `vpnsql 'SELECT 1'` (table output to /dev/null), "+
			"`sqlite3 :memory: '.load build/vpnsql' 'SELECT 1'`, the same with an empty Go extension "+
			"(bench/goext, built -buildmode=c-shared like vpnsql's: an entry point returning SQLITE_OK) and "+
			"`sqlite3 :memory: 'SELECT 1'` (sqlite3 %s), "+
			"after one warm-up run of each. Wall time is from just before the fork to the reaped exit, so "+
			"it includes exec, dynamic linking, the Go runtime's start and every package's init. The CLI "+
			"row is its median (the goal is absolute; the ratio to the bare shell is for scale); the .load "+
			"row is the median of the per-round differences between the shell with and without the extension "+
			"(medians: %s and %s).",
		b.sz.startRuns, strings.Fields(string(version) + " ?")[0], fmtMS(l), fmtMS(p)))
	return nil
}
