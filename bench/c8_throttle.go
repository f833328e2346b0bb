package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// throttled is contest 8: an account whose EC2 bucket is busy. The fake's
// bucket for non-mutating calls holds 4 tokens and refills 2 a second;
// the CLI, at its defaults, counts every connection of 5 endpoints x 4,000.
// The bound is the time the bucket needs to let the minimum number of
// calls through; the goal is at most 1.5x that, with every row and no
// warning.
func (b *bench) throttled(ctx context.Context) error {
	const endpoints, perEndpoint, size, refill = 5, 4000, 4, 2.0
	ds := fleet(endpoints, perEndpoint, false)
	f, err := startFake(ds, false) // no replayer: every request meets the bucket
	if err != nil {
		return err
	}
	defer f.Close()
	calls := 1 + endpoints*(perEndpoint/1000)
	bound := float64(calls-size) / refill * 1000 // ms
	args := []string{"--endpoint-url", f.URL, "--region", "us-east-1", "--output", "csv", "--no-header",
		"SELECT count(*) FROM client_vpn_connections"}
	var answered, throttles []float64
	cli := contestant{"vpnsql", func(ctx context.Context) (float64, error) {
		f.ResetLog()
		f.SetTokenBucket(ec2fake.NonMutating, size, refill) // full again
		var out strings.Builder
		var errOut string
		d, err := command{path: b.cli, args: args, stdout: &out, stderr: &errOut}.run(ctx)
		if err != nil {
			return 0, err
		}
		if got := strings.TrimSpace(out.String()); got != strconv.Itoa(endpoints*perEndpoint) {
			return 0, fmt.Errorf("count(*) = %q, want %d", got, endpoints*perEndpoint)
		}
		if errOut != "" {
			return 0, fmt.Errorf("stderr %q, want nothing (no warning)", errOut)
		}
		ok, thr := 0, 0
		for _, r := range f.Requests() {
			if r.ErrorCode == "RequestLimitExceeded" {
				thr++
			} else {
				ok++
			}
		}
		answered, throttles = append(answered, float64(ok)), append(throttles, float64(thr))
		return ms(d), nil
	}}
	got, err := alternate(ctx, b.sz.throttleRounds, cli)
	if err != nil {
		return err
	}
	t := median(got[0])
	r := t / bound
	b.add(result{"8", fmt.Sprintf("throttled account: bucket of %d refilled %.0f/s, %d endpoints x %d rows, CLI defaults",
		size, refill, endpoints, perEndpoint),
		fmtMS(t), fmtMS(bound) + " bucket bound", fmtRatio(r), "≤ 1.5x", verdict(r <= 1.5)})
	b.explain("8", "Throttling.", fmt.Sprintf(
		"The fake (no replayer, no latency) gives the account a token bucket for non-mutating calls of %d tokens refilled "+
			"at %.0f per second, as a busy account leaves it; a throttled call gets 503 RequestLimitExceeded and takes no "+
			"token. The CLI, at its default limits, runs `SELECT count(*) FROM client_vpn_connections` over %d endpoints of "+
			"%d connections (discovery, then pages of 1000): %d calls at least, so the bucket allows (%d - %d) / %.0f = %s. "+
			"Every run must count all %d rows and print nothing on stderr (no warning). %d run(s), the bucket full at the "+
			"start of each; median %.0f calls answered and %.0f throttled per run.",
		size, refill, endpoints, perEndpoint, calls, calls, size, refill, fmtMS(bound), endpoints*perEndpoint,
		b.sz.throttleRounds, median(answered), median(throttles)))
	return nil
}
