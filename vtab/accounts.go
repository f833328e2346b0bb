package vtab

import (
	"context"
	"fmt"

	"github.com/vpnsql/vpnsql/internal/accounts"
	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// vpnsql_accounts: the accounts in scope (the default one, the named
// profiles, or the organization's members), so a user can see what a
// query covers and which accounts failed. source is profile, organization
// or default; status ok, error (message says why) or skipped (not ACTIVE,
// or the same account as another profile). Reading it lists the
// organization or resolves the profiles if no query has yet, and asks STS
// for the default account's id.
const (
	aAccountID = iota
	aName
	aSource
	aProfile
	aRoleArn
	aStatus
	aMessage
)

var accountsColumns = []sqlite.Column{
	aAccountID: {Name: "accountId", Type: "TEXT", Description: "12-digit AWS account ID; NULL if it could not be learned (see message)"},
	aName:      {Name: "name", Type: "TEXT", Description: "the account's name in the organization; NULL outside one"},
	aSource:    {Name: "source", Type: "TEXT", Description: "how it came into scope: profile, organization or default"},
	aProfile:   {Name: "profile", Type: "TEXT", Description: "the named profile that reads it; NULL unless source is profile"},
	aRoleArn:   {Name: "roleArn", Type: "TEXT", Description: "the role assumed to read it; NULL unless source is organization"},
	aStatus:    {Name: "status", Type: "TEXT", Description: "ok, error (message says why) or skipped (not ACTIVE, or the same account as another profile)"},
	aMessage:   {Name: "message", Type: "TEXT", Description: "why it failed or was skipped; NULL when ok"},
}

type accountsTable struct {
	backend Backend
}

func (t *accountsTable) BestIndex(info *sqlite.IndexInfo) error {
	info.EstimatedCost, info.EstimatedRows = 100, 10
	return nil
}

func (t *accountsTable) Open() (sqlite.Cursor, error) {
	return &accountsCursor{backend: t.backend}, nil
}

type accountsCursor struct {
	backend Backend
	rows    []accounts.Account
}

func (c *accountsCursor) Filter(ctx context.Context, _ int, _ string, _ [][]any) error {
	list, err := c.backend.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("vpnsql_accounts: %w", err)
	}
	c.rows = list
	return nil
}

func (c *accountsCursor) Next(rows *sqlite.Rows) (bool, error) {
	for len(c.rows) > 0 && !rows.Full() {
		a := c.rows[0]
		rows.Add()
		for col, v := range []string{
			aAccountID: a.ID, aName: a.Name, aSource: string(a.Source), aProfile: a.Profile,
			aRoleArn: a.RoleArn, aStatus: string(a.Status), aMessage: a.Message,
		} {
			if v != "" {
				rows.Text(col, v)
			}
		}
		c.rows = c.rows[1:]
	}
	return len(c.rows) == 0, nil
}

func (c *accountsCursor) Close() error { c.rows = nil; return nil }
