package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/queries"
)

// checkAll is contest 9: `vpnsql check` runs every control in one process,
// sharing the fetch cache, so it should take little more than its slowest
// control alone. Contestants: the whole check, and each control on its own
// (`check --control ID`), against the sample data behind per-request
// latency.
func (b *bench) checkAll(ctx context.Context) error {
	now := time.Now()
	ds := ec2fake.SampleDataset(now)
	f, err := startFake(ds, false)
	if err != nil {
		return err
	}
	defer f.Close()
	f.Server.LoadSampleLogs(now) // as --demo: failed_logins reads the connection log
	f.SetLatency(b.sz.latLatency)
	flags := []string{"--endpoint-url", f.URL, "--region", strings.Join(ds.Regions, ","), "-o", "csv", "check"}
	run := func(args ...string) func(context.Context) (float64, error) {
		return func(ctx context.Context) (float64, error) {
			d, err := runCheck(ctx, b.cli, append(flags, args...))
			return ms(d), err
		}
	}
	contestants := []contestant{{"vpnsql check", run()}}
	for _, c := range queries.Controls() {
		contestants = append(contestants, contestant{c.Name, run("--control", c.Name)})
	}
	f.resetCounts()
	if _, err := runCheck(ctx, b.cli, flags); err != nil { // also warms the page cache
		return err
	}
	allCalls := f.calls("")
	singleCalls := 0
	for _, c := range contestants[1:] {
		f.resetCounts()
		if _, err := c.run(ctx); err != nil {
			return err
		}
		singleCalls += f.calls("")
	}
	got, err := alternate(ctx, b.sz.rounds, contestants...)
	if err != nil {
		return err
	}
	all := median(got[0])
	slowest, slowestName := 0.0, ""
	var each []string
	for i, c := range contestants[1:] {
		m := median(got[i+1])
		each = append(each, fmt.Sprintf("%s %s", c.name, fmtMS(m)))
		if m > slowest {
			slowest, slowestName = m, c.name
		}
	}
	ratio := all / slowest
	b.add(result{"9", "check: all " + fmt.Sprint(len(contestants)-1) + " controls in one run, against the slowest control alone (" + slowestName + ")",
		fmtMS(all), fmtMS(slowest), fmtRatio(ratio), "< 2x", verdict(ratio < 2)})
	b.add(result{"9", "check: API requests of the whole check, against the controls run one by one",
		fmt.Sprint(allCalls), fmt.Sprintf("%d one by one", singleCalls), fmtRatio(float64(allCalls) / float64(singleCalls)), "", reportOnly})
	b.explain("9", "vpnsql check.", fmt.Sprintf(
		"The CLI against the sample data (the --demo dataset: %d regions, %d endpoints) served by the fake "+
			"with %s latency per request, %d rounds in rotating order of `vpnsql --endpoint-url … --region … "+
			"-o csv check` and `… check --control ID` for each control (exit status 3, alarms, counts as success). "+
			"Medians per control: %s. The controls run one after another on one connection and the cache "+
			"(default TTL 30 s) serves every listing after the first, so the whole check costs about its "+
			"slowest control (long_sessions reads every endpoint's connections) plus what the others add "+
			"from the cache.",
		len(ds.Regions), len(ds.Endpoints), b.sz.latLatency, b.sz.rounds, strings.Join(each, ", ")))
	return nil
}

// runCheck runs `vpnsql ARGS` and returns its wall time; exit status 0
// (nothing alarms) and 3 (some control alarms) both mean it ran.
func runCheck(ctx context.Context, cli string, args []string) (time.Duration, error) {
	d, err := command{path: cli, args: args}.run(ctx)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		return d, nil
	}
	return d, err
}
