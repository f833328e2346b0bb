package vtab

import (
	"context"
	"fmt"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// streamCursor turns a clientvpn.Stream into rows; each table's cursor
// embeds one and starts the stream in its Filter.
type streamCursor[T any] struct {
	backend Backend
	table   string                           // for error messages
	addRow  func(rows *sqlite.Rows, item *T) // one API item's own columns
	// regionCol and accountCol are the table's shared hidden columns,
	// filled here for every row.
	regionCol, accountCol int
	ctx                   context.Context
	stream                *clientvpn.Stream[T]
	page                  clientvpn.Page[T]
	next                  int // index into page.Items
}

// start begins reading stream; Filter has closed the previous scan.
func (c *streamCursor[T]) start(ctx context.Context, stream *clientvpn.Stream[T]) {
	c.ctx, c.stream = ctx, stream
}

func (c *streamCursor[T]) Next(rows *sqlite.Rows) (bool, error) {
	if c.stream == nil {
		return true, nil
	}
	for !rows.Full() {
		if c.next < len(c.page.Items) {
			rows.Add()
			c.addRow(rows, &c.page.Items[c.next])
			rows.Text(c.regionCol, c.page.Region)
			if c.page.AccountID != "" {
				rows.Text(c.accountCol, c.page.AccountID)
			}
			c.next++
			continue
		}
		if rows.Len() > 0 {
			return false, nil // hand over what we have rather than wait for the network
		}
		page, ok, err := c.stream.Next(c.ctx)
		if err != nil {
			return true, fmt.Errorf("%s: %w", c.table, err)
		}
		if !ok {
			return true, nil
		}
		if page.Err != nil {
			if page.EndpointID != "" {
				return true, fmt.Errorf("%s: %s: %w", c.table, page.EndpointID, page.Err)
			}
			return true, fmt.Errorf("%s: %w", c.table, page.Err)
		}
		c.page, c.next = page, 0
	}
	return false, nil
}

func (c *streamCursor[T]) Close() error {
	if c.stream != nil {
		c.stream.Close()
		c.stream = nil
	}
	c.page, c.next = clientvpn.Page[T]{}, 0
	return nil
}
