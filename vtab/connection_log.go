package vtab

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/vpnsql/vpnsql/internal/awsid"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/connlog"
	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// client_vpn_connection_log: one row per event of the endpoints' CloudWatch
// connection logs (docs/connection-log.md has the record format).
//
// Columns: eventTime (the event's CloudWatch timestamp, UTC with
// milliseconds), then the record's keys in camelCase, in connlog.Fields
// order: "NA" reads as NULL, counters, port and duration are INTEGER,
// nested values JSON. Hidden: region, accountId, logGroup, logStream and
// message (the raw record, so message->>'$.new-key' reaches keys added
// later). A message that is not a JSON object gives a row of NULLs with its
// message.
//
// Pushed down (SQLite re-checks every one: none is omitted):
//   - clientVpnEndpointId = / IN: the endpoints whose groups are read, and a
//     filter pattern narrowing a group several endpoints share
//   - region, accountId = / IN: the regions and accounts whose endpoints
//     are discovered (only those accounts are contacted, as in scope.go)
//   - eventTime >, >=, <, <=, = (and so BETWEEN): FilterLogEvents startTime
//     and endTime
//   - connectionId, username = / IN: a filter pattern
//   - connectionStartTime >, >=: startTime (an event is written at or after
//     its connection's start; logMargin allows for clock skew)
const (
	clEventTime  = 0
	clFirstField = 1 // connlog.Fields follow eventTime
	clRegion     = clFirstField + len(connlog.Fields)
	clAccountID  = clRegion + 1
	clLogGroup   = clRegion + 2
	clLogStream  = clRegion + 3
	clMessage    = clRegion + 4
)

// Column numbers of the record fields that are pushed down.
const (
	clClientVpnEndpointID = clFirstField + connlog.FieldClientVpnEndpointID
	clConnectionID        = clFirstField + connlog.FieldConnectionID
	clUsername            = clFirstField + connlog.FieldUsername
	clConnectionStartTime = clFirstField + connlog.FieldConnectionStartTime
)

var connectionLogColumns = func() []sqlite.Column {
	cols := []sqlite.Column{
		{Name: "eventTime", Type: "TEXT", Description: "the event's CloudWatch timestamp, UTC, YYYY-MM-DD HH:MM:SS.SSS"},
	}
	// Each record column's one-line description is its connlog.Field's Doc.
	for _, f := range connlog.Fields {
		col := sqlite.Column{Name: f.Name, Type: "TEXT", Description: f.Doc} // "NA" reads as NULL
		switch f.Kind {
		case connlog.Integer:
			col.Type = "INTEGER" // counters, port and duration
		case connlog.JSON:
			col.JSON = true
		}
		cols = append(cols, col)
	}
	return append(cols,
		sqlite.Column{Name: "region", Type: "TEXT", Hidden: true, Description: "AWS Region of the log group and its endpoints"},
		sqlite.Column{Name: "accountId", Type: "TEXT", Hidden: true, Description: "AWS account of the log group"},
		sqlite.Column{Name: "logGroup", Type: "TEXT", Hidden: true, Description: "CloudWatch Logs group the event was read from"},
		sqlite.Column{Name: "logStream", Type: "TEXT", Hidden: true, Description: "CloudWatch Logs stream the event was read from"},
		sqlite.Column{Name: "message", Type: "TEXT", Hidden: true, JSON: true, Description: "the raw record, so message->>'$.new-key' reaches keys AWS adds later"},
	)
}()

var connectionLogPushdown = []pushdown{
	{column: clClientVpnEndpointID, check: awsid.CheckEndpointID},
	{column: clRegion, check: awsid.CheckRegion},
	{column: clAccountID, check: awsid.CheckAccountID},
	{column: clConnectionID, check: awsid.CheckConnectionID},
	{column: clUsername, check: awsid.CheckUsername},
}

// Plan costs. Without an endpoint every group of every region in scope is
// read, as expensive as client_vpn_connections without one, so a join puts
// whatever supplies endpoint ids outside. Each time bound and a connection
// or user narrows the read tenfold: SQLite then prefers plans that push the
// window down.
const (
	costLogPerEndpoint    = 1000.0
	costLogWithoutEnd     = 1e12
	rowsLogPerEndpoint    = 100000
	rowsLogWithoutEnd     = 1e7
	logNarrowing          = 10
	logMargin             = 5 * time.Minute
	connectionLogName     = "client_vpn_connection_log"
	connectionLogRangeSep = ";"
)

// ConnectionLogBackend reads connection logs. The AWS backend implements
// it next to Backend (internal/engine); a Backend without it has no
// connection log.
type ConnectionLogBackend interface {
	ScanConnectionLog(ctx context.Context, scan connlog.Scan) *connlog.Stream
}

type connectionLogTable struct {
	backend Backend
}

// rangeOps are the operators pushed down as time bounds, as named in
// IdxStr.
var rangeOps = map[sqlite.Op]string{sqlite.OpGT: ">", sqlite.OpGE: ">=", sqlite.OpLT: "<", sqlite.OpLE: "<=", sqlite.OpEQ: "="}

func (t *connectionLogTable) BestIndex(info *sqlite.IndexInfo) error {
	used := planPushdown(info, connectionLogColumns, connectionLogPushdown)
	wantsAccountID(info, clAccountID)
	n := 0
	for _, c := range info.Constraints {
		if c.ArgvIndex > 0 {
			n++
		}
	}
	// Time bounds: eventTime with any comparison, connectionStartTime as a
	// lower bound only.
	var ranges []string
	lower, upper := false, false
	for i, c := range info.Constraints {
		op, ok := rangeOps[c.Op]
		if !ok || !c.Usable || c.InList || !strings.EqualFold(c.Collation, "BINARY") || c.ArgvIndex > 0 {
			continue
		}
		switch {
		case c.Column == clEventTime:
			lower = lower || op != "<" && op != "<="
			upper = upper || op != ">" && op != ">="
			ranges = append(ranges, "eventTime"+op)
		case c.Column == clConnectionStartTime && (op == ">" || op == ">="):
			lower = true
			ranges = append(ranges, "connectionStartTime"+op)
		default:
			continue
		}
		n++
		info.Constraints[i].ArgvIndex = n
	}
	if len(ranges) > 0 {
		info.IdxStr += connectionLogRangeSep + strings.Join(ranges, ",")
	}
	cost, rows := costLogWithoutEnd, float64(rowsLogWithoutEnd)
	if used[clClientVpnEndpointID] {
		cost, rows = costLogPerEndpoint, rowsLogPerEndpoint
	}
	for _, narrowed := range []bool{lower, upper, used[clConnectionID] || used[clUsername]} {
		if narrowed {
			cost, rows = cost/logNarrowing, rows/logNarrowing
		}
	}
	if used[clRegion] {
		cost /= 2
	}
	info.EstimatedCost, info.EstimatedRows = cost, int64(rows)
	return nil
}

func (t *connectionLogTable) Open() (sqlite.Cursor, error) {
	return &connectionLogCursor{backend: t.backend}, nil
}

type connectionLogCursor struct {
	backend Backend
	ctx     context.Context
	stream  *connlog.Stream
	page    connlog.Page
	next    int
}

// window is the time range a scan reads, ms since the epoch, inclusive.
type window struct {
	start, end *int64
}

func (w *window) raise(ms int64) {
	if w.start == nil || ms > *w.start {
		w.start = aws.Int64(ms)
	}
}

func (w *window) lower(ms int64) {
	if w.end == nil || ms < *w.end {
		w.end = aws.Int64(ms)
	}
}

func (c *connectionLogCursor) Filter(ctx context.Context, idxNum int, idxStr string, args [][]any) error {
	_ = c.Close()
	eqPart, rangePart, _ := strings.Cut(idxStr, connectionLogRangeSep)
	nEq := 0
	if eqPart != "" {
		nEq = strings.Count(eqPart, ",") + 1
	}
	if nEq > len(args) {
		return fmt.Errorf("%s: internal error: plan %q does not match its arguments", connectionLogName, idxStr)
	}
	bound, err := bindPushdown(eqPart, args[:nEq], connectionLogColumns, connectionLogPushdown)
	if err != nil {
		return fmt.Errorf("%s: %w", connectionLogName, err)
	}
	win, err := bindWindow(rangePart, args[nEq:])
	if err != nil {
		return fmt.Errorf("%s: %w", connectionLogName, err)
	}
	if bound.empty || (win.start != nil && win.end != nil && *win.start > *win.end) {
		return nil // nothing can match: no request
	}
	logs, ok := c.backend.(ConnectionLogBackend)
	if !ok {
		return fmt.Errorf("%s: this build has no connection-log reader", connectionLogName)
	}
	groups, err := c.discover(ctx, bound, idxNum&idxWantsAccountID != 0)
	if err != nil {
		return fmt.Errorf("%s: %w", connectionLogName, err)
	}
	if len(groups) == 0 {
		return nil // no endpoint in scope logs its connections
	}
	scan := connlog.Scan{Groups: groups, StartMs: win.start, EndMs: win.end, Terms: filterTerms(bound)}
	c.ctx, c.stream = ctx, logs.ScanConnectionLog(ctx, scan)
	return nil
}

// discover lists the endpoints in scope and returns the log groups they
// write to, each once, with the union of their streams (nil: the whole
// group, when an endpoint names no stream).
func (c *connectionLogCursor) discover(ctx context.Context, bound bound, withAccountIDs bool) ([]connlog.Group, error) {
	stream, err := c.backend.ScanEndpoints(ctx, clientvpn.EndpointScan{
		Accounts:       bound.values[clAccountID],
		WithAccountIDs: withAccountIDs,
		Regions:        bound.values[clRegion],
		EndpointIDs:    bound.values[clClientVpnEndpointID],
	})
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	var groups []connlog.Group
	index := map[[3]string]int{} // account, region, group name
	wholeGroup := map[int]bool{}
	for {
		page, ok, err := stream.Next(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if page.Err != nil {
			return nil, page.Err
		}
		for _, e := range page.Items {
			o := e.ConnectionLogOptions
			if o == nil || !aws.ToBool(o.Enabled) || aws.ToString(o.CloudwatchLogGroup) == "" {
				continue
			}
			key := [3]string{page.AccountID, page.Region, aws.ToString(o.CloudwatchLogGroup)}
			i, seen := index[key]
			if !seen {
				i = len(groups)
				index[key] = i
				groups = append(groups, connlog.Group{Account: key[0], Region: key[1], Name: key[2]})
			}
			switch s := aws.ToString(o.CloudwatchLogStream); {
			case s == "":
				wholeGroup[i] = true
			case !containsString(groups[i].Streams, s):
				groups[i].Streams = append(groups[i].Streams, s)
			}
		}
	}
	for i := range groups {
		if wholeGroup[i] {
			groups[i].Streams = nil
		}
	}
	return groups, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// filterTerms picks the most selective bound values that can be matched
// verbatim in a message: connection ids, else usernames, else endpoint ids
// (narrowing a shared group). One kind only: CloudWatch's term patterns
// cannot say "(a or b) and (c or d)".
func filterTerms(b bound) []string {
	for _, col := range []int{clConnectionID, clUsername, clClientVpnEndpointID} {
		values := b.values[col]
		if len(values) == 0 {
			continue
		}
		plain := true
		for _, v := range values {
			plain = plain && connlog.PlainTerm(v)
		}
		if plain {
			return values
		}
	}
	return nil
}

// timeText is the text an eventTime or connectionStartTime bound must have:
// the canonical forms whose text order is their time order, so that the
// pushed-down window is never narrower than SQLite's own text comparison.
var timeText = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$`)

// bindWindow turns the range constraints named in rangePart into a window.
// A lower bound becomes the value's time rounded down, an upper bound its
// time rounded up; both inclusive, so the window holds every row SQLite's
// text comparison can accept.
func bindWindow(rangePart string, args [][]any) (window, error) {
	var w window
	if rangePart == "" {
		return w, nil
	}
	names := strings.Split(rangePart, ",")
	if len(names) != len(args) {
		return w, fmt.Errorf("internal error: plan %q does not match its arguments", rangePart)
	}
	for k, name := range names {
		column := strings.TrimRight(name, "<>=")
		op := name[len(column):]
		if len(args[k]) == 0 || args[k][0] == nil {
			return window{start: aws.Int64(1), end: aws.Int64(0)}, nil // NULL compares false: no rows
		}
		s, isText := args[k][0].(string)
		if column == "connectionStartTime" && (!isText || !timeText.MatchString(s)) {
			continue // only a hint: SQLite compares the text as it is
		}
		if !isText || !timeText.MatchString(s) {
			return w, fmt.Errorf("%s %s is not a time: compare it with UTC text like '2024-05-01 13:00:00' (or '2024-05-01')",
				column, awsid.Quote(fmt.Sprint(args[k][0])))
		}
		lo, hi, err := parseTimeText(s)
		if err != nil {
			return w, fmt.Errorf("%s %s is not a time: %v", column, awsid.Quote(s), err)
		}
		switch {
		case column == "connectionStartTime":
			w.raise(lo - logMargin.Milliseconds())
		case op == "=":
			w.raise(lo)
			w.lower(hi)
		case op == ">" || op == ">=":
			w.raise(lo)
		default:
			w.lower(hi)
		}
	}
	return w, nil
}

// parseTimeText returns the ms since the epoch of s rounded down and up.
func parseTimeText(s string) (lo, hi int64, err error) {
	date, clock, _ := strings.Cut(s, " ")
	clock, frac, _ := strings.Cut(clock, ".")
	layout := "2006-01-02"
	switch len(clock) {
	case 5:
		layout += " 15:04"
	case 8:
		layout += " 15:04:05"
	}
	text := date
	if clock != "" {
		text += " " + clock
	}
	t, err := time.Parse(layout, text)
	if err != nil {
		return 0, 0, err
	}
	lo = t.UnixMilli()
	if frac == "" {
		return lo, lo, nil
	}
	f := float64(0)
	for i, d := range frac {
		f += float64(d-'0') * math.Pow10(2-i) // milliseconds
	}
	return lo + int64(math.Floor(f)), lo + int64(math.Ceil(f)), nil
}

func (c *connectionLogCursor) Next(rows *sqlite.Rows) (bool, error) {
	if c.stream == nil {
		return true, nil
	}
	for !rows.Full() {
		if c.next < len(c.page.Events) {
			c.addRow(rows, c.page.Group, &c.page.Events[c.next])
			c.next++
			continue
		}
		if rows.Len() > 0 {
			return false, nil // hand over what we have rather than wait for the network
		}
		page, ok, err := c.stream.Next(c.ctx)
		if err != nil {
			return true, fmt.Errorf("%s: %w", connectionLogName, err)
		}
		if !ok {
			return true, nil
		}
		if page.Err != nil {
			return true, fmt.Errorf("%s: %w", connectionLogName, page.Err)
		}
		c.page, c.next = page, 0
	}
	return false, nil
}

func (c *connectionLogCursor) addRow(rows *sqlite.Rows, g *connlog.Group, e *connlog.Event) {
	rows.Add()
	rows.Text(clEventTime, connlog.FormatEventTime(e.Timestamp))
	rec := connlog.Parse(e.Message)
	for i, v := range rec.Values {
		switch {
		case !v.Present:
		case v.IsInt:
			rows.Int(clFirstField+i, v.Int)
		default:
			rows.Text(clFirstField+i, v.Text)
		}
	}
	rows.Text(clRegion, g.Region)
	if g.Account != "" {
		rows.Text(clAccountID, g.Account)
	}
	rows.Text(clLogGroup, g.Name)
	rows.Text(clLogStream, e.Stream)
	rows.Text(clMessage, e.Message)
}

func (c *connectionLogCursor) Close() error {
	if c.stream != nil {
		c.stream.Close()
		c.stream = nil
	}
	c.page, c.next = connlog.Page{}, 0
	return nil
}
