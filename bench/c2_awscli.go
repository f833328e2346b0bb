package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// awsScript is how a user fetches the connections of a list of endpoints
// with the AWS CLI: one call per endpoint, one after the other (the CLI
// follows nextToken itself).
const awsScript = `for id in "$@"; do
  aws ec2 describe-client-vpn-connections --endpoint-url "$URL" --region "$REGION" \
    --client-vpn-endpoint-id "$id" --output text
done`

// awsCLI is contest 2: the same rows through the aws CLI (a sequential
// shell loop over the endpoints) and through vpnsql --output csv.
func (b *bench) awsCLI(ctx context.Context) error {
	e, p, l := b.sz.awsEndpoints, b.sz.latPages, b.sz.latLatency
	rows := e * p * 1000
	f, err := startFake(fleet(e, p*1000, false), true)
	if err != nil {
		return err
	}
	defer f.Close()
	f.SetLatency(l)
	ids := endpointIDs(f.Dataset())
	bash, err := exec.LookPath("bash")
	if err != nil {
		return err
	}
	awsVersion, _ := exec.Command("aws", "--version").CombinedOutput()

	aws := contestant{"aws CLI", func(ctx context.Context) (float64, error) {
		out := newLineCounter("CONNECTIONS\t")
		d, err := command{path: bash, args: append([]string{"-c", awsScript, "bash"}, ids...),
			env: benchEnv("URL="+f.URL, "REGION=us-east-1"), stdout: out}.run(ctx)
		if err != nil {
			return 0, err
		}
		if out.matching != rows {
			return 0, fmt.Errorf("aws CLI printed %d CONNECTIONS lines, want %d", out.matching, rows)
		}
		return ms(d), nil
	}}
	query := "SELECT * FROM client_vpn_connections WHERE clientVpnEndpointId IN " + sqlList(ids)
	args := []string{"--endpoint-url", f.URL, "--region", "us-east-1", "--output", "csv", "--no-header", query}
	cli := contestant{"vpnsql", func(ctx context.Context) (float64, error) {
		out := newLineCounter("")
		d, err := command{path: b.cli, args: args, stdout: out}.run(ctx)
		if err != nil {
			return 0, err
		}
		if out.lines != rows {
			return 0, fmt.Errorf("vpnsql printed %d rows, want %d", out.lines, rows)
		}
		return ms(d), nil
	}}
	for _, c := range []contestant{cli, aws} { // warm-up, as in contest 1
		if _, err := c.run(ctx); err != nil {
			return err
		}
	}
	got, err := alternate(ctx, b.sz.awsRounds, cli, aws)
	if err != nil {
		return err
	}
	if b.profile != "" {
		if err := b.profileRun(ctx, "awscli", args); err != nil {
			return err
		}
	}
	vp, aw := median(got[0]), median(got[1])
	b.add(result{"2", fmt.Sprintf("%d endpoints x %d rows, L=%s: `vpnsql --output csv` vs `aws ec2 describe-client-vpn-connections --output text` per endpoint", e, p*1000, l),
		fmtMS(vp), fmtMS(aw) + " aws CLI", fmtRatio(median(ratios(got[0], got[1]))), "", reportOnly})
	b.explain("2", "The AWS CLI.", fmt.Sprintf(
		"The same fake, replayer and latency as contest 1 (one warm-up run of each contestant first), %d endpoints of %d connections. The AWS CLI (%s) runs "+
			"as a user scripts it: a bash loop calling `aws ec2 describe-client-vpn-connections "+
			"--client-vpn-endpoint-id ID --output text` once per endpoint, in sequence (it follows nextToken "+
			"itself). vpnsql is one CLI run, `--output csv` of `SELECT * FROM client_vpn_connections WHERE "+
			"clientVpnEndpointId IN (…)` at its default concurrency (8). Both write to a pipe the harness "+
			"counts: %d CONNECTIONS lines from aws, %d CSV rows from vpnsql, checked every round. The ratio "+
			"is vpnsql's time over the AWS CLI's.",
		e, p*1000, strings.TrimSpace(strings.Fields(string(awsVersion) + " aws-cli")[0]), rows, rows))
	return nil
}
