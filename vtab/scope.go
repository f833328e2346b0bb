package vtab

import (
	"github.com/vpnsql/vpnsql/internal/awsid"
	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// The hidden columns every AWS table ends with: where a row came from.
// Declared once here; each table places them in its column list and its
// pushdown list with the helpers below, and streamCursor fills them.
//
//   - accountId = / IN: only those accounts are contacted (no AssumeRole,
//     no request for the others); an id not in scope is an error naming
//     the accounts in scope.
//   - region = / IN: the regions to ask; default: the configured regions.
var (
	accountIDColumn = sqlite.Column{Name: "accountId", Type: "TEXT", Hidden: true,
		Description: "AWS account the row was read from (hidden: not in SELECT *)"}
	regionColumn = sqlite.Column{Name: "region", Type: "TEXT", Hidden: true,
		Description: "AWS Region the row was read from (hidden: not in SELECT *)"}
)

// accountIDPushdown and regionPushdown are the shared columns' pushdown,
// at index col of a table. Every row echoes its account and region, so
// SQLite need not re-check them.
func accountIDPushdown(col int) pushdown {
	return pushdown{column: col, omit: true, check: awsid.CheckAccountID}
}

func regionPushdown(col int) pushdown {
	return pushdown{column: col, omit: true, check: awsid.CheckRegion}
}

// idxWantsAccountID is the IdxNum bit saying the query reads accountId, so
// the default account's id must be known (one STS GetCallerIdentity per
// process). Queries that never look at accountId do not pay for it.
const idxWantsAccountID = 1

// wantsAccountID sets idxWantsAccountID when the plan reads column col.
func wantsAccountID(info *sqlite.IndexInfo, col int) {
	if col < 63 && info.ColUsed&(1<<col) != 0 || col >= 63 && info.ColUsed&(1<<63) != 0 {
		info.IdxNum |= idxWantsAccountID
	}
}
