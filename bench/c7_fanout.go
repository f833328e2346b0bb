package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vpnsql/vpnsql/internal/accounts"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// fanOut is contest 7: an organization scan, A accounts x 2 regions, every
// answer after L, against one account of the same shape. The goal is at
// most 3x the wall time for A times the work: accounts are read in
// parallel, each within its own per-account+region limit.
//
// An account here is a credential set (the fake, with no accounts
// declared, keys its token buckets by access key): one clientvpn.Service
// per account, all sharing one accounts.Limiter keyed by Config.AccountID,
// as the accounts of an organization scope share their Service's. (It does
// not go through the accounts scope: no ListAccounts or AssumeRole is
// timed.) Each contestant starts with a
// fresh Limiter and fresh Services (new connections, no cache), and reads
// every endpoint of both regions with the product's default limits.
func (b *bench) fanOut(ctx context.Context) error {
	n, l := b.sz.fanAccounts, b.sz.fanLatency
	defer useBenchEnv()()
	const endpoints, perEndpoint = 2, 300 // per region: one page each
	regions := []string{"us-east-1", "us-east-2"}
	ds := ec2fake.ScaledDataset(len(regions), endpoints, perEndpoint)
	f, err := startFake(ds, true)
	if err != nil {
		return err
	}
	defer f.Close()
	f.SetLatency(l)
	perAccount := len(regions) * endpoints * perEndpoint
	callsPerAccount := len(regions) * (1 + endpoints)

	scan := func(ctx context.Context, accountCount int) (float64, error) {
		lim := accounts.NewLimiter(accounts.Limits{})
		var rows atomic.Int64
		var wg sync.WaitGroup
		errs := make([]error, accountCount)
		start := time.Now()
		for a := range accountCount {
			svc := clientvpn.New(clientvpn.Config{
				Settings:    clientvpn.Settings{Regions: regions, CacheTTL: -1},
				EndpointURL: f.URL,
				Credentials: credentials.NewStaticCredentialsProvider(fmt.Sprintf("AKIDBENCHACCT%03d", a), "secret", ""),
				Limiter:     lim,
				AccountID:   fmt.Sprintf("1000000%05d", a),
			})
			wg.Go(func() {
				st, err := svc.ScanConnections(ctx, clientvpn.ConnectionScan{})
				if err != nil {
					errs[a] = err
					return
				}
				defer st.Close()
				for {
					p, ok, err := st.Next(ctx)
					switch {
					case err != nil:
						errs[a] = err
						return
					case !ok:
						return
					case p.Err != nil:
						errs[a] = p.Err
						return
					}
					rows.Add(int64(len(p.Items)))
				}
			})
		}
		wg.Wait()
		d := time.Since(start)
		for _, err := range errs {
			if err != nil {
				return 0, err
			}
		}
		if got, want := rows.Load(), int64(accountCount*perAccount); got != want {
			return 0, fmt.Errorf("%d rows, want %d", got, want)
		}
		return ms(d), nil
	}
	var oneCalls, manyCalls, manyInFlight int
	var oneCPU, manyCPU []float64
	one := contestant{"one account", func(ctx context.Context) (float64, error) {
		f.resetCounts()
		before := processCPU()
		v, err := scan(ctx, 1)
		oneCPU = append(oneCPU, ms(processCPU()-before))
		oneCalls, _ = f.counts()
		return v, err
	}}
	many := contestant{fmt.Sprintf("%d accounts", n), func(ctx context.Context) (float64, error) {
		f.resetCounts()
		before := processCPU()
		v, err := scan(ctx, n)
		manyCPU = append(manyCPU, ms(processCPU()-before))
		manyCalls, manyInFlight = f.counts()
		return v, err
	}}
	if _, err := many.run(ctx); err != nil { // warm-up: the replayer learns every answer
		return err
	}
	got, err := alternate(ctx, b.sz.rounds, many, one)
	if err != nil {
		return err
	}
	if oneCalls != callsPerAccount || manyCalls != n*callsPerAccount {
		return fmt.Errorf("calls: %d for one account, %d for %d; want %d and %d", oneCalls, manyCalls, n, callsPerAccount, n*callsPerAccount)
	}
	r := median(ratios(got[0], got[1]))
	b.add(result{"7", fmt.Sprintf("fan-out: %d accounts x %d regions (%d endpoints of %d rows each), L=%s, default limits",
		n, len(regions), endpoints, perEndpoint, l),
		fmtMS(median(got[0])), fmtMS(median(got[1])) + " one account", fmtRatio(r), "≤ 3x", verdict(r <= 3)})
	b.explain("7", "Fan-out over accounts.", fmt.Sprintf(
		"The fake serves %d regions with %d endpoints of %d connections each (one page per endpoint) to every access key; every "+
			"answer comes after L=%s (the replayer of contest 1 answers repeated requests from memory after the same latency). "+
			"An account is a credential set (the fake, with no accounts declared, keys its token buckets by access key): each "+
			"account is a clientvpn.Service with its own static keys, all %d sharing one accounts.Limiter keyed by account, "+
			"as an organization scope's accounts share their Service's (the scope's ListAccounts and AssumeRole are not timed), "+
			"started at once; each scans both regions (listing, then every endpoint). Defaults: %d requests per account+region, "+
			"%d in the process. One account makes %d calls; the %d accounts made %d with up to %d in flight. The ratio is the "+
			"median of the per-round ratios, %d rounds after one warm-up. CPU used by the harness process (the clients, the "+
			"replayer and the fake together; median per run): %s for one account, %s for %d.",
		len(regions), endpoints, perEndpoint, l, n, accounts.DefaultRegionConcurrency, accounts.DefaultConcurrency,
		callsPerAccount, n, manyCalls, manyInFlight, b.sz.rounds, fmtMS(median(oneCPU)), fmtMS(median(manyCPU)), n))
	return nil
}

// useBenchEnv gives this process the AWS environment the CLI runs get
// (benchEnv): the machine's own AWS_* settings, such as a CA bundle every
// configuration load would parse again, are not part of the measurement.
// It returns the function that restores the environment.
func useBenchEnv() (restore func()) {
	saved := os.Environ()
	for _, kv := range saved {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "VPNSQL_") {
			os.Unsetenv(k)
		}
	}
	for _, kv := range benchEnv() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			os.Setenv(k, v)
		}
	}
	return func() {
		os.Clearenv()
		for _, kv := range saved {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
	}
}

// processCPU is the user + system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
