package ec2fake_test

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

func TestPagingBigEndpoint(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	big := endpointByDesc(t, ds, ec2fake.SampleBigEndpoint)

	got := describeAll(t, client(run, "us-east-1"), &ec2.DescribeClientVpnConnectionsInput{
		ClientVpnEndpointId: aws.String(big.ID),
		MaxResults:          aws.Int32(1000),
	})
	if want := normalize(big.Connections); !reflect.DeepEqual(got, want) {
		t.Fatalf("rows differ from the dataset: got %d rows, want %d", len(got), len(want))
	}

	log := run.Server.Requests()
	if len(log) != 3 {
		t.Fatalf("want exactly 3 requests, got %d: %+v", len(log), log)
	}
	for i, r := range log {
		if r.Action != "DescribeClientVpnConnections" || r.Region != "us-east-1" || r.Status != 200 ||
			r.Params.Get("ClientVpnEndpointId") != big.ID || r.Params.Get("MaxResults") != "1000" {
			t.Errorf("request %d: %+v", i, r)
		}
		if hasToken := r.Params.Get("NextToken") != ""; hasToken != (i > 0) {
			t.Errorf("request %d: NextToken present = %v", i, hasToken)
		}
		if r.Params.Has("Action") || r.Params.Has("Version") {
			t.Errorf("request %d: Params must not hold Action/Version: %v", i, r.Params)
		}
	}
}

func TestDefaultPageSizeAndLastPage(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	big := endpointByDesc(t, ds, ec2fake.SampleBigEndpoint)
	c := client(run, "us-east-1")

	out, err := c.DescribeClientVpnConnections(context.Background(), &ec2.DescribeClientVpnConnectionsInput{
		ClientVpnEndpointId: aws.String(big.ID),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Connections) != 1000 || out.NextToken == nil {
		t.Fatalf("first page without MaxResults: %d rows, token %v", len(out.Connections), out.NextToken)
	}

	small := endpointByDesc(t, ds, ec2fake.SampleContractorEndpoint)
	out, err = c.DescribeClientVpnConnections(context.Background(), &ec2.DescribeClientVpnConnectionsInput{
		ClientVpnEndpointId: aws.String(small.ID),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Connections) != len(small.Connections) || out.NextToken != nil {
		t.Fatalf("single page: %d rows, token %v", len(out.Connections), out.NextToken)
	}

	// An exact multiple of MaxResults: no token points past the end, so
	// 2,500 rows by 500 is exactly 5 requests, not 5 and an empty sixth.
	run.Server.ResetLog()
	got := describeAll(t, c, &ec2.DescribeClientVpnConnectionsInput{
		ClientVpnEndpointId: aws.String(big.ID), MaxResults: aws.Int32(500),
	})
	if len(got) != 2500 || len(run.Server.Requests()) != 5 {
		t.Fatalf("500-row pages: %d rows in %d requests", len(got), len(run.Server.Requests()))
	}
}

func TestFilters(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	c := client(run, "us-east-1")
	ctx := context.Background()
	big := endpointByDesc(t, ds, ec2fake.SampleBigEndpoint)
	small := endpointByDesc(t, ds, ec2fake.SampleContractorEndpoint)

	filter := func(name string, values ...string) types.Filter {
		return types.Filter{Name: aws.String(name), Values: values}
	}
	ids := func(cs []*ec2fake.Connection) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ConnectionID)
		}
		return out
	}

	// username over the big endpoint, in small pages: same rows as a local
	// filter over the dataset.
	user := big.Connections[0].Username
	var want []*ec2fake.Connection
	for _, cn := range big.Connections {
		if cn.Username == user {
			want = append(want, cn)
		}
	}
	got := describeAll(t, c, &ec2.DescribeClientVpnConnectionsInput{
		ClientVpnEndpointId: aws.String(big.ID),
		Filters:             []types.Filter{filter("username", user)},
		MaxResults:          aws.Int32(5),
	})
	if !reflect.DeepEqual(got, normalize(want)) {
		t.Errorf("username=%s: got %d rows, want %d", user, len(got), len(want))
	}

	a, b := small.Connections[0].ConnectionID, small.Connections[5].ConnectionID
	cases := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"values are OR'ed", []types.Filter{filter("connection-id", a, b)}, []string{a, b}},
		{"filters are AND'ed", []types.Filter{filter("connection-id", a, b), filter("username", "zoë.ångström")}, []string{a}},
		{"disjoint AND", []types.Filter{filter("connection-id", b), filter("username", "zoë.ångström")}, nil},
		{"three sessions", []types.Filter{filter("username", "dana.scully")}, nil},
		{"xml-special username", []types.Filter{filter("username", `o'neil & "sons" <ltd>`)}, []string{small.Connections[2].ConnectionID}},
	}
	for i := range small.Connections {
		if small.Connections[i].Username == "dana.scully" {
			cases[3].want = append(cases[3].want, small.Connections[i].ConnectionID)
		}
	}
	if len(cases[3].want) < 3 {
		t.Fatalf("dataset: dana.scully has %d connections", len(cases[3].want))
	}
	for _, tc := range cases {
		got := describeAll(t, c, &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String(small.ID), Filters: tc.filters})
		if g := ids(got); !slices.Equal(g, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, g, tc.want)
		}
	}

	// Endpoint filters and the id list.
	endpointIDs := func(in *ec2.DescribeClientVpnEndpointsInput) []string {
		t.Helper()
		out, err := c.DescribeClientVpnEndpoints(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range out.ClientVpnEndpoints {
			ids = append(ids, aws.ToString(e.ClientVpnEndpointId))
		}
		return ids
	}
	empty := endpointByDesc(t, ds, ec2fake.SampleEmptyEndpoint)
	if got := endpointIDs(&ec2.DescribeClientVpnEndpointsInput{Filters: []types.Filter{filter("transport-protocol", "tcp")}}); !slices.Equal(got, []string{empty.ID, small.ID}) {
		t.Errorf("transport-protocol=tcp: %v", got)
	}
	if got := endpointIDs(&ec2.DescribeClientVpnEndpointsInput{Filters: []types.Filter{filter("endpoint-id", big.ID, small.ID)}}); !slices.Equal(got, []string{big.ID, small.ID}) {
		t.Errorf("endpoint-id: %v", got)
	}
	if got := endpointIDs(&ec2.DescribeClientVpnEndpointsInput{ClientVpnEndpointIds: []string{small.ID, empty.ID}, Filters: []types.Filter{filter("transport-protocol", "tcp")}}); !slices.Equal(got, []string{empty.ID, small.ID}) {
		t.Errorf("id list: %v", got)
	}
	if got := endpointIDs(&ec2.DescribeClientVpnEndpointsInput{ClientVpnEndpointIds: []string{big.ID}, Filters: []types.Filter{filter("transport-protocol", "tcp")}}); len(got) != 0 {
		t.Errorf("id list AND filter: %v", got)
	}
}

func TestErrors(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	big := endpointByDesc(t, ds, ec2fake.SampleBigEndpoint)
	small := endpointByDesc(t, ds, ec2fake.SampleContractorEndpoint)
	ctx := context.Background()

	// A real token for one query, to replay against another.
	first, err := client(run, "us-east-1").DescribeClientVpnConnections(ctx, &ec2.DescribeClientVpnConnectionsInput{
		ClientVpnEndpointId: aws.String(big.ID), MaxResults: aws.Int32(5)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v", err)
	}

	describe := func(id string, mod ...func(*ec2.DescribeClientVpnConnectionsInput)) func(*ec2.Client) error {
		return func(c *ec2.Client) error {
			in := &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String(id)}
			for _, m := range mod {
				m(in)
			}
			_, err := c.DescribeClientVpnConnections(ctx, in)
			return err
		}
	}
	terminate := func(in *ec2.TerminateClientVpnConnectionsInput) func(*ec2.Client) error {
		return func(c *ec2.Client) error { _, err := c.TerminateClientVpnConnections(ctx, in); return err }
	}
	const missing = "cvpn-endpoint-0123456789abcdef0"
	cases := []struct {
		name, region string
		call         func(*ec2.Client) error
		code         string
		status       int
		msg          string
	}{
		{"unknown endpoint", "us-east-1", describe(missing), "InvalidClientVpnEndpointId.NotFound", 400, missing},
		{"endpoint of another region", "eu-west-1", describe(small.ID), "InvalidClientVpnEndpointId.NotFound", 400, small.ID},
		{"malformed endpoint id", "us-east-1", describe("cvpn-endpoint-nope"), "InvalidClientVpnEndpointId.NotFound", 400, "cvpn-endpoint-nope"},
		{"unknown id in endpoint list", "us-east-1", func(c *ec2.Client) error {
			_, err := c.DescribeClientVpnEndpoints(ctx, &ec2.DescribeClientVpnEndpointsInput{ClientVpnEndpointIds: []string{big.ID, missing}})
			return err
		}, "InvalidClientVpnEndpointId.NotFound", 400, missing},
		{"terminate on unknown endpoint", "us-east-1", terminate(&ec2.TerminateClientVpnConnectionsInput{
			ClientVpnEndpointId: aws.String(missing), Username: aws.String("x")}), "InvalidClientVpnEndpointId.NotFound", 400, missing},
		{"unknown connection", "us-east-1", terminate(&ec2.TerminateClientVpnConnectionsInput{
			ClientVpnEndpointId: aws.String(small.ID), ConnectionId: aws.String("cvpn-connection-0000000000000000f")}),
			"InvalidClientVpnConnection.IdNotFound", 400, "cvpn-connection-0000000000000000f"},
		{"connection of another user", "us-east-1", terminate(&ec2.TerminateClientVpnConnectionsInput{
			ClientVpnEndpointId: aws.String(small.ID), ConnectionId: aws.String(small.Connections[0].ConnectionID), Username: aws.String("dana.scully")}),
			"InvalidClientVpnConnection.IdNotFound", 400, ""},
		{"user without connections", "us-east-1", terminate(&ec2.TerminateClientVpnConnectionsInput{
			ClientVpnEndpointId: aws.String(small.ID), Username: aws.String("nobody")}), "InvalidClientVpnConnection.UserNotFound", 400, "nobody"},
		{"terminate without target", "us-east-1", terminate(&ec2.TerminateClientVpnConnectionsInput{
			ClientVpnEndpointId: aws.String(small.ID)}), "MissingParameter", 400, "ConnectionId"},
		{"empty endpoint id", "us-east-1", describe(""), "MissingParameter", 400, "ClientVpnEndpointId"},
		{"MaxResults too small", "us-east-1", describe(big.ID, func(in *ec2.DescribeClientVpnConnectionsInput) { in.MaxResults = aws.Int32(4) }),
			"InvalidParameterValue", 400, "MaxResults"},
		{"MaxResults too large", "us-east-1", describe(big.ID, func(in *ec2.DescribeClientVpnConnectionsInput) { in.MaxResults = aws.Int32(1001) }),
			"InvalidParameterValue", 400, "MaxResults"},
		{"endpoint MaxResults", "us-east-1", func(c *ec2.Client) error {
			_, err := c.DescribeClientVpnEndpoints(ctx, &ec2.DescribeClientVpnEndpointsInput{MaxResults: aws.Int32(1)})
			return err
		}, "InvalidParameterValue", 400, "MaxResults"},
		{"unknown filter", "us-east-1", describe(big.ID, func(in *ec2.DescribeClientVpnConnectionsInput) {
			in.Filters = []types.Filter{{Name: aws.String("status"), Values: []string{"active"}}}
		}), "InvalidParameterValue", 400, "status"},
		{"unknown endpoint filter", "us-east-1", func(c *ec2.Client) error {
			_, err := c.DescribeClientVpnEndpoints(ctx, &ec2.DescribeClientVpnEndpointsInput{Filters: []types.Filter{{Name: aws.String("username"), Values: []string{"a"}}}})
			return err
		}, "InvalidParameterValue", 400, "username"},
		{"garbage token", "us-east-1", describe(big.ID, func(in *ec2.DescribeClientVpnConnectionsInput) { in.NextToken = aws.String("garbage") }),
			"InvalidPaginationToken", 400, ""},
		{"token of another query", "us-east-1", describe(big.ID, func(in *ec2.DescribeClientVpnConnectionsInput) {
			in.NextToken = first.NextToken
			in.Filters = []types.Filter{{Name: aws.String("username"), Values: []string{big.Connections[0].Username}}}
		}), "InvalidPaginationToken", 400, ""},
		{"token of another endpoint", "us-east-1", describe(small.ID, func(in *ec2.DescribeClientVpnConnectionsInput) { in.NextToken = first.NextToken }),
			"InvalidPaginationToken", 400, ""},
		{"disabled region", "eu-north-1", describe(big.ID), "AuthFailure", 401, "validate the provided access credentials"},
		{"disabled region, DescribeRegions", "eu-north-1", func(c *ec2.Client) error {
			_, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
			return err
		}, "AuthFailure", 401, ""},
		{"dry run", "us-east-1", describe(big.ID, func(in *ec2.DescribeClientVpnConnectionsInput) { in.DryRun = aws.Bool(true) }),
			"DryRunOperation", 412, "Request would have succeeded, but DryRun flag is set."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, msg, status := apiError(t, tc.call(client(run, tc.region)))
			if code != tc.code || status != tc.status || !strings.Contains(msg, tc.msg) {
				t.Errorf("got %s %d %q, want %s %d containing %q", code, status, msg, tc.code, tc.status, tc.msg)
			}
		})
	}

	t.Run("UnauthorizedOperation", func(t *testing.T) {
		run.Server.SetRegionFault("us-east-1", "UnauthorizedOperation")
		defer run.Server.SetRegionFault("us-east-1", "")
		code, _, status := apiError(t, describe(big.ID)(client(run, "us-east-1")))
		if code != "UnauthorizedOperation" || status != http.StatusForbidden {
			t.Errorf("got %s %d", code, status)
		}
	})
	t.Run("RequestLimitExceeded", func(t *testing.T) {
		run.Server.SetThrottleEvery(1)
		defer run.Server.SetThrottleEvery(0)
		code, _, status := apiError(t, describe(big.ID)(client(run, "us-east-1")))
		if code != "RequestLimitExceeded" || status != http.StatusServiceUnavailable {
			t.Errorf("got %s %d", code, status)
		}
	})

	// What the SDK refuses to send, as raw signed requests.
	raw := []struct {
		name   string
		region string
		form   map[string]string
		code   string
		status int
	}{
		{"missing ClientVpnEndpointId", "us-east-1", map[string]string{"Action": "DescribeClientVpnConnections"}, "MissingParameter", 400},
		{"unknown action", "us-east-1", map[string]string{"Action": "DescribeInstancesPlease"}, "InvalidAction", 400},
		{"unknown parameter", "us-east-1", map[string]string{"Action": "DescribeClientVpnConnections", "ClientVpnEndpointId": big.ID, "Bogus": "1"}, "UnknownParameter", 400},
		{"filter without values", "us-east-1", map[string]string{"Action": "DescribeClientVpnConnections", "ClientVpnEndpointId": big.ID, "Filter.1.Name": "username"}, "InvalidParameterValue", 400},
		{"bad DryRun", "us-east-1", map[string]string{"Action": "DescribeRegions", "DryRun": "maybe"}, "InvalidParameterValue", 400},
		{"unsigned", "", map[string]string{"Action": "DescribeRegions"}, "AuthFailure", 401},
	}
	for _, tc := range raw {
		t.Run("raw "+tc.name, func(t *testing.T) {
			f := form()
			for k, v := range tc.form {
				f.Set(k, v)
			}
			status, hdr, body := rawPost(t, run, tc.region, f)
			if status != tc.status || !strings.Contains(body, "<Code>"+tc.code+"</Code>") {
				t.Errorf("got %d %s", status, body)
			}
			if !strings.HasPrefix(hdr.Get("Content-Type"), "text/xml") ||
				!strings.Contains(body, "<Response><Errors><Error><Code>") || !strings.Contains(body, "</Error></Errors><RequestID>") {
				t.Errorf("error document shape: %s %s", hdr.Get("Content-Type"), body)
			}
		})
	}
}

func TestDryRun(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	c := client(run, "us-east-1")
	ctx := context.Background()
	small := endpointByDesc(t, ds, ec2fake.SampleContractorEndpoint)
	yes := aws.Bool(true)

	calls := map[string]func() error{
		"DescribeClientVpnConnections": func() error {
			_, err := c.DescribeClientVpnConnections(ctx, &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String(small.ID), DryRun: yes})
			return err
		},
		"DescribeClientVpnEndpoints": func() error {
			_, err := c.DescribeClientVpnEndpoints(ctx, &ec2.DescribeClientVpnEndpointsInput{DryRun: yes})
			return err
		},
		"TerminateClientVpnConnections": func() error {
			_, err := c.TerminateClientVpnConnections(ctx, &ec2.TerminateClientVpnConnectionsInput{ClientVpnEndpointId: aws.String(small.ID), Username: aws.String("dana.scully"), DryRun: yes})
			return err
		},
		"DescribeRegions": func() error {
			_, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{DryRun: yes})
			return err
		},
	}
	for name, call := range calls {
		code, msg, status := apiError(t, call())
		if code != "DryRunOperation" || status != 412 || msg != "Request would have succeeded, but DryRun flag is set." {
			t.Errorf("%s: %s %d %q", name, code, status, msg)
		}
	}
	if !reflect.DeepEqual(run.Server.Dataset(), ds) {
		t.Error("a dry-run terminate changed the dataset")
	}

	// A terminate's DryRun checks the permission only, as EC2 documents:
	// unknown ids answer DryRunOperation too.
	for _, in := range []*ec2.TerminateClientVpnConnectionsInput{
		{ClientVpnEndpointId: aws.String(small.ID), Username: aws.String("nobody"), DryRun: yes},
		{ClientVpnEndpointId: aws.String("cvpn-endpoint-00000000000000000"), ConnectionId: aws.String("cvpn-connection-00000000000000000"), DryRun: yes},
	} {
		_, err := c.TerminateClientVpnConnections(ctx, in)
		if code, _, _ := apiError(t, err); code != "DryRunOperation" {
			t.Errorf("dry run of a terminate of unknown ids: %s", code)
		}
	}
	// Other actions still validate first.
	_, err := c.DescribeClientVpnConnections(ctx, &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String("cvpn-endpoint-00000000000000000"), DryRun: yes})
	if code, _, _ := apiError(t, err); code != "InvalidClientVpnEndpointId.NotFound" {
		t.Errorf("dry run of invalid describe: %s", code)
	}
}

func TestTerminateByID(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	clock := fixedNow.Add(90 * time.Second)
	run.Server.SetClock(func() time.Time { return clock })
	c := client(run, "us-east-1")
	ctx := context.Background()
	small := endpointByDesc(t, ds, ec2fake.SampleContractorEndpoint)
	target := small.Connections[0] // zoë.ångström, active

	out, err := c.TerminateClientVpnConnections(ctx, &ec2.TerminateClientVpnConnectionsInput{
		ClientVpnEndpointId: aws.String(small.ID), ConnectionId: aws.String(target.ConnectionID)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ClientVpnEndpointId) != small.ID || aws.ToString(out.Username) != target.Username || len(out.ConnectionStatuses) != 1 {
		t.Fatalf("response: %+v", out)
	}
	st := out.ConnectionStatuses[0]
	if aws.ToString(st.ConnectionId) != target.ConnectionID || st.PreviousStatus.Code != "active" || st.CurrentStatus.Code != "terminating" {
		t.Errorf("status: %s %s -> %s", aws.ToString(st.ConnectionId), st.PreviousStatus.Code, st.CurrentStatus.Code)
	}

	after := run.Server.Dataset().Endpoint(small.ID).Connections[0]
	if after.StatusCode != "terminated" || after.ConnectionEndTime != "2025-03-14 15:10:56" || after.StatusMessage == "" {
		t.Errorf("state after terminate: %+v", after)
	}
	if target.StatusCode != "active" {
		t.Error("New must copy the dataset: the caller's copy changed")
	}
	got := describeAll(t, c, &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String(small.ID),
		Filters: []types.Filter{{Name: aws.String("connection-id"), Values: []string{target.ConnectionID}}}})
	if len(got) != 1 || got[0].StatusCode != "terminated" || got[0].ConnectionEndTime != "2025-03-14 15:10:56" {
		t.Errorf("describe after terminate: %+v", got)
	}
	// Terminating again is a no-op that reports the final state.
	out, err = c.TerminateClientVpnConnections(ctx, &ec2.TerminateClientVpnConnectionsInput{
		ClientVpnEndpointId: aws.String(small.ID), ConnectionId: aws.String(target.ConnectionID)})
	if err != nil || out.ConnectionStatuses[0].CurrentStatus.Code != "terminated" {
		t.Errorf("second terminate: %v", err)
	}
}

func TestTerminateByUser(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	c := client(run, "us-east-1")
	ctx := context.Background()
	small := endpointByDesc(t, ds, ec2fake.SampleContractorEndpoint)

	out, err := c.TerminateClientVpnConnections(ctx, &ec2.TerminateClientVpnConnectionsInput{
		ClientVpnEndpointId: aws.String(small.ID), Username: aws.String("dana.scully")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Username) != "dana.scully" || len(out.ConnectionStatuses) != 3 {
		t.Fatalf("response: %+v", out)
	}
	for _, st := range out.ConnectionStatuses {
		if st.PreviousStatus.Code != "active" || st.CurrentStatus.Code != "terminating" {
			t.Errorf("%s: %s -> %s", aws.ToString(st.ConnectionId), st.PreviousStatus.Code, st.CurrentStatus.Code)
		}
	}
	_, err = c.TerminateClientVpnConnections(ctx, &ec2.TerminateClientVpnConnectionsInput{
		ClientVpnEndpointId: aws.String(small.ID), Username: aws.String("dana.scully")})
	if code, _, _ := apiError(t, err); code != "InvalidClientVpnConnection.UserNotFound" {
		t.Errorf("second terminate by user: %s", code)
	}

	// At most five per call.
	ep := &ec2fake.Endpoint{Region: "us-east-1", ID: "cvpn-endpoint-00000000000000001", StatusCode: "available"}
	for i := range 7 {
		ep.Connections = append(ep.Connections, &ec2fake.Connection{ClientVpnEndpointID: ep.ID,
			ConnectionID: "cvpn-connection-0000000000000000" + string(rune('a'+i)), Username: "busy",
			StatusCode: "active", ConnectionEndTime: "-"})
	}
	run2 := start(t, &ec2fake.Dataset{Regions: []string{"us-east-1"}, Endpoints: []*ec2fake.Endpoint{ep}})
	out, err = client(run2, "us-east-1").TerminateClientVpnConnections(ctx, &ec2.TerminateClientVpnConnectionsInput{
		ClientVpnEndpointId: aws.String(ep.ID), Username: aws.String("busy")})
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, cn := range run2.Server.Dataset().Endpoints[0].Connections {
		if cn.StatusCode == "active" {
			active++
		}
	}
	if len(out.ConnectionStatuses) != 5 || active != 2 {
		t.Errorf("terminated %d, %d left active", len(out.ConnectionStatuses), active)
	}
}

func TestDescribeRegions(t *testing.T) {
	run := start(t, ec2fake.SampleDataset(fixedNow))
	out, err := client(run, "sa-east-1").DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.Regions {
		got = append(got, aws.ToString(r.RegionName))
		if aws.ToString(r.Endpoint) != "ec2."+aws.ToString(r.RegionName)+".amazonaws.com" || aws.ToString(r.OptInStatus) != "opt-in-not-required" {
			t.Errorf("region %+v", r)
		}
	}
	if want := []string{"us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"}; !slices.Equal(got, want) {
		t.Errorf("regions %v, want %v", got, want)
	}
	out, err = client(run, "us-east-1").DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{RegionNames: []string{"eu-west-1"}})
	if err != nil || len(out.Regions) != 1 || aws.ToString(out.Regions[0].RegionName) != "eu-west-1" {
		t.Errorf("RegionNames: %v %+v", err, out)
	}
}

func TestEndpointsRoundTrip(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	for _, region := range ds.Regions {
		out, err := client(run, region).DescribeClientVpnEndpoints(context.Background(), &ec2.DescribeClientVpnEndpointsInput{})
		if err != nil {
			t.Fatal(err)
		}
		var want []*ec2fake.Endpoint
		for _, e := range ds.Endpoints {
			if e.Region == region {
				want = append(want, e)
			}
		}
		if len(out.ClientVpnEndpoints) != len(want) {
			t.Fatalf("%s: %d endpoints, want %d", region, len(out.ClientVpnEndpoints), len(want))
		}
		for i, g := range out.ClientVpnEndpoints {
			w := want[i]
			var auth []string
			for _, a := range g.AuthenticationOptions {
				auth = append(auth, string(a.Type))
				if a.MutualAuthentication == nil && a.ActiveDirectory == nil && a.FederatedAuthentication == nil {
					t.Errorf("%s: auth option %s without details", w.ID, a.Type)
				}
			}
			var tags []ec2fake.Tag
			for _, tg := range g.Tags {
				tags = append(tags, ec2fake.Tag{Key: aws.ToString(tg.Key), Value: aws.ToString(tg.Value)})
			}
			got := &ec2fake.Endpoint{
				Region: region, ID: aws.ToString(g.ClientVpnEndpointId), Description: aws.ToString(g.Description),
				StatusCode: string(g.Status.Code), CreationTime: aws.ToString(g.CreationTime), DNSName: aws.ToString(g.DnsName),
				ClientCidrBlock: aws.ToString(g.ClientCidrBlock), DNSServers: g.DnsServers, SplitTunnel: aws.ToBool(g.SplitTunnel),
				VpnProtocol: string(g.VpnProtocol), TransportProtocol: string(g.TransportProtocol), VpnPort: int(aws.ToInt32(g.VpnPort)),
				ServerCertificateArn: aws.ToString(g.ServerCertificateArn), AuthenticationTypes: auth,
				ConnectionLogEnabled: aws.ToBool(g.ConnectionLogOptions.Enabled), CloudwatchLogGroup: aws.ToString(g.ConnectionLogOptions.CloudwatchLogGroup),
				CloudwatchLogStream: aws.ToString(g.ConnectionLogOptions.CloudwatchLogStream), Tags: tags, SecurityGroupIDs: g.SecurityGroupIds,
				VpcID: aws.ToString(g.VpcId), SelfServicePortalURL: aws.ToString(g.SelfServicePortalUrl), SessionTimeoutHours: int(aws.ToInt32(g.SessionTimeoutHours)),
				DisconnectOnSessionTimeout: aws.ToBool(g.DisconnectOnSessionTimeout),
				ClientConnectLambdaArn:     aws.ToString(g.ClientConnectOptions.LambdaFunctionArn),
				LoginBannerText:            aws.ToString(g.ClientLoginBannerOptions.BannerText),
			}
			if aws.ToBool(g.ClientConnectOptions.Enabled) != (w.ClientConnectLambdaArn != "") ||
				aws.ToBool(g.ClientLoginBannerOptions.Enabled) != (w.LoginBannerText != "") {
				t.Errorf("%s: client connect or login banner enabled wrongly: %+v %+v", w.ID, g.ClientConnectOptions, g.ClientLoginBannerOptions)
			}
			wc := *w
			wc.Connections, wc.AuthorizationRules = nil, nil
			if !reflect.DeepEqual(got, &wc) {
				t.Errorf("%s:\n got %+v\nwant %+v", w.ID, got, &wc)
			}
		}
	}
}

// TestThrottlingWithRetries: the SDK's standard retryer recognises the
// fake's RequestLimitExceeded and every row still arrives.
func TestThrottlingWithRetries(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	big := endpointByDesc(t, ds, ec2fake.SampleBigEndpoint)
	run.Server.SetThrottleEvery(2)
	c := client(run, "us-east-1", func(cfg *aws.Config) {
		cfg.RetryMaxAttempts = 0 // the client would otherwise cap our retryer at 1 attempt
		cfg.Retryer = func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 5
				o.RateLimiter = ratelimit.None
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			})
		}
	})
	got := describeAll(t, c, &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String(big.ID), MaxResults: aws.Int32(1000)})
	if !reflect.DeepEqual(got, normalize(big.Connections)) {
		t.Fatalf("got %d rows, want %d", len(got), len(big.Connections))
	}
	var ok, throttled int
	for _, r := range run.Server.Requests() {
		switch {
		case r.Status == 200:
			ok++
		case r.Status == 503 && r.ErrorCode == "RequestLimitExceeded":
			throttled++
		default:
			t.Errorf("unexpected %+v", r)
		}
	}
	// Requests 2 and 4 of 5 are throttled: each page's retry succeeds.
	if ok != 3 || throttled != 2 {
		t.Errorf("%d answered, %d throttled; want 3 and 2", ok, throttled)
	}
}

func TestRegionFault(t *testing.T) {
	run := start(t, ec2fake.SampleDataset(fixedNow))
	ctx := context.Background()
	run.Server.SetRegionFault("eu-west-1", "UnauthorizedOperation")
	_, err := client(run, "eu-west-1").DescribeClientVpnEndpoints(ctx, &ec2.DescribeClientVpnEndpointsInput{})
	if code, _, status := apiError(t, err); code != "UnauthorizedOperation" || status != 403 {
		t.Errorf("faulted region: %s %d", code, status)
	}
	if _, err := client(run, "us-east-1").DescribeClientVpnEndpoints(ctx, &ec2.DescribeClientVpnEndpointsInput{}); err != nil {
		t.Errorf("other region: %v", err)
	}
	run.Server.SetRegionFault("eu-west-1", "")
	if _, err := client(run, "eu-west-1").DescribeClientVpnEndpoints(ctx, &ec2.DescribeClientVpnEndpointsInput{}); err != nil {
		t.Errorf("after clearing: %v", err)
	}
	if log := run.Server.Requests(); log[0].ErrorCode != "UnauthorizedOperation" || log[0].Status != 403 || log[0].Region != "eu-west-1" {
		t.Errorf("log: %+v", log[0])
	}
}

func TestLatencyAndCancellation(t *testing.T) {
	run := start(t, ec2fake.SampleDataset(fixedNow))
	c := client(run, "us-east-1")

	run.Server.SetLatency(150 * time.Millisecond)
	t0 := time.Now()
	if _, err := c.DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d < 150*time.Millisecond {
		t.Errorf("answered after %v, before the latency", d)
	}

	run.Server.ResetLog()
	run.Server.SetLatency(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	t0 = time.Now()
	if _, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{}); err == nil {
		t.Fatal("expected a cancellation error")
	}
	// The handler must notice the client went away and return long before
	// the minute is up; it logs the request with Status 0.
	deadline := time.Now().Add(5 * time.Second)
	for {
		log := run.Server.Requests()
		if len(log) == 1 && log[0].Status == 0 && log[0].Action == "DescribeRegions" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("handler still waiting after cancellation: %+v", log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestMaxInFlight(t *testing.T) {
	run := start(t, ec2fake.SampleDataset(fixedNow))
	c := client(run, "us-east-1")
	ctx := context.Background()
	for range 3 {
		if _, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := run.Server.MaxInFlight(); n != 1 {
		t.Errorf("sequential calls: MaxInFlight %d", n)
	}

	run.Server.ResetLog()
	run.Server.SetLatency(500 * time.Millisecond)
	const n = 8
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := run.Server.MaxInFlight(); got != n {
		t.Errorf("concurrent calls: MaxInFlight %d, want %d", got, n)
	}
	if len(run.Server.Requests()) != n {
		t.Errorf("log has %d entries", len(run.Server.Requests()))
	}
}
