package vtab

import (
	"context"
	"time"

	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// vpnsql_warnings: the failures queries survived (a region that could not
// be listed, an endpoint that could not be read), most recent last, so that
// shell and Go users can see which rows are missing. The CLI prints them on
// stderr as well. vpnsql_clear_warnings() empties it.
const (
	wSeq = iota
	wTime
	wRegion
	wClientVpnEndpointID
	wOperation
	wCode
	wMessage
	wAccountID
)

var warningsColumns = []sqlite.Column{
	wSeq:                 {Name: "seq", Type: "INTEGER", Description: "sequence number of the warning, increasing"},
	wTime:                {Name: "time", Type: "TEXT", Description: "when it happened, 'YYYY-MM-DD HH:MM:SS' UTC"},
	wRegion:              {Name: "region", Type: "TEXT", Description: "AWS Region of the failed call; NULL when a whole account failed"},
	wClientVpnEndpointID: {Name: "clientVpnEndpointId", Type: "TEXT", Description: "endpoint whose rows are missing; NULL for a region-wide or account-wide failure"},
	wOperation:           {Name: "operation", Type: "TEXT", Description: "the AWS API call that failed, e.g. DescribeClientVpnConnections"},
	wCode:                {Name: "code", Type: "TEXT", Description: "AWS error code, e.g. UnauthorizedOperation; NULL if there was none"},
	wMessage:             {Name: "message", Type: "TEXT", Description: "what went wrong, in one line"},
	wAccountID:           accountIDColumn,
}

type warningsTable struct {
	backend Backend
}

func (t *warningsTable) BestIndex(info *sqlite.IndexInfo) error {
	info.EstimatedCost, info.EstimatedRows = 10, 10
	return nil
}

func (t *warningsTable) Open() (sqlite.Cursor, error) {
	return &warningsCursor{backend: t.backend}, nil
}

type warningsCursor struct {
	backend Backend
	rows    [][]string
	seqs    []int64
}

func (c *warningsCursor) Filter(context.Context, int, string, [][]any) error {
	c.rows, c.seqs = nil, nil
	for _, w := range c.backend.Warnings(0) {
		c.seqs = append(c.seqs, w.Seq)
		c.rows = append(c.rows, []string{
			wTime: w.Time.Format(time.DateTime), wRegion: w.Region, wClientVpnEndpointID: w.EndpointID,
			wOperation: w.Operation, wCode: w.Code, wMessage: w.Message, wAccountID: w.AccountID,
		})
	}
	return nil
}

func (c *warningsCursor) Next(rows *sqlite.Rows) (bool, error) {
	for len(c.rows) > 0 && !rows.Full() {
		rows.Add()
		rows.Int(wSeq, c.seqs[0])
		for col, v := range c.rows[0] {
			if col != wSeq && v != "" {
				rows.Text(col, v)
			}
		}
		c.rows, c.seqs = c.rows[1:], c.seqs[1:]
	}
	return len(c.rows) == 0, nil
}

func (c *warningsCursor) Close() error { return nil }
