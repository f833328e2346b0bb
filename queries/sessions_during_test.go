package queries

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

// TestSessionsDuringBruteForce: sessions_during agrees with a direct
// computation over every event the fake holds, for several windows.
func TestSessionsDuringBruteForce(t *testing.T) {
	ds := ec2fake.SampleDataset(goldenNow)
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions}})
	env.Fake.LoadSampleLogs(goldenNow)

	type session struct {
		ok         bool
		start, end string
	}
	sessions := map[string]*session{}
	for _, e := range ds.Endpoints {
		if !e.ConnectionLogEnabled {
			continue
		}
		streams, events := env.Fake.LogEvents(e.Region, e.CloudwatchLogGroup)
		for i, ev := range events {
			if streams[i] != e.CloudwatchLogStream {
				continue
			}
			var r map[string]string
			if err := json.Unmarshal([]byte(ev.Message), &r); err != nil {
				t.Fatal(err)
			}
			s := sessions[r["connection-id"]]
			if s == nil {
				s = &session{start: r["connection-start-time"]}
				sessions[r["connection-id"]] = s
			}
			if r["connection-log-type"] == "connection-attempt" && r["connection-attempt-status"] == "successful" {
				s.ok = true
			}
			if end := r["connection-end-time"]; end != "NA" {
				s.end = end
			}
		}
	}
	q, err := Get("sessions_during")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		now   time.Time
		hours int
	}{{goldenNow, 2}, {goldenNow.Add(-30 * time.Hour), 1}, {goldenNow.Add(-100 * time.Hour), 5}, {goldenNow.Add(-6 * 24 * time.Hour), 3}} {
		a := w.now.Add(-time.Duration(w.hours) * time.Hour).Format(time.DateTime)
		b := w.now.Format(time.DateTime)
		var want []string
		for id, s := range sessions {
			if s.ok && s.start <= b && (s.end == "" || s.end >= a) {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		args, err := q.Args(map[string]string{"now": b, "hours": strconv.Itoa(w.hours), "lookback": "200"})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := env.DB.Query(q.SQL, args...)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var got []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			got = append(got, vals[slices.Index(cols, "connection_id")].(string))
		}
		rows.Close()
		slices.Sort(got)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("window %s .. %s: query %d sessions, brute force %d", a, b, len(got), len(want))
		}
	}
}
