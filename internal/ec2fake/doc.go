// Package ec2fake is a fake Amazon EC2 endpoint for the Client VPN calls
// vpnsql makes: an http.Handler speaking the EC2 Query protocol (API version
// 2016-11-15) for DescribeClientVpnConnections, DescribeClientVpnEndpoints,
// DescribeClientVpnAuthorizationRules, TerminateClientVpnConnections and
// DescribeRegions, plus what reading several accounts needs: STS
// GetCallerIdentity and AssumeRole (Query protocol, sts.go) and
// Organizations ListAccounts (JSON 1.1, pages of at most 20 with State and
// Status, organizations.go). One handler routes by the SigV4 signing
// service of the credential scope and X-Amz-Target (CloudWatch Logs,
// logs.go), and tells accounts apart by access key (accounts.go): a
// dataset without Accounts has one account that every key signs for; with
// Accounts, each account's AccessKey and the keys AssumeRole issued sign
// for their account, and each request in the log carries its service and
// account. Tests drive it through
// the real aws-sdk-go-v2 client and the real aws CLI over 127.0.0.1, and the
// product's --demo mode serves SampleDataset from it. It is a server, not a
// mock: clients see only what goes over the wire.
//
// # Faithful
//
//   - Requests: form-encoded Action/Version/parameters (POST body or query
//     string); the region is taken from the SigV4 credential scope of the
//     Authorization header. Parameters an action does not take are refused
//     (UnknownParameter), as EC2 does.
//   - Responses: element names, nesting and types as in the service model
//     (checked against the SDK's deserializers and botocore): the
//     <ActionResponse xmlns=…> root with requestId, <x><item>…</item></x>
//     lists and <x/> for empty ones, every connection field a string
//     (counters included, above 2^32 too), username absent for
//     certificate-only connections, connectionLogOptions members
//     capitalised, absent optional members left out. All text is escaped
//     with encoding/xml.
//   - Errors: the <Response><Errors><Error><Code/><Message/></Error></Errors>
//     <RequestID/></Response> document with EC2's codes and HTTP statuses —
//     InvalidClientVpnEndpointId.NotFound (also for an endpoint of another
//     region or a malformed id; the message names the id),
//     InvalidClientVpnConnection.IdNotFound/.UserNotFound, InvalidParameterValue,
//     MissingParameter, UnknownParameter, InvalidPaginationToken,
//     InvalidAction: 400; AuthFailure: 401 (no or unparseable Authorization,
//     or a region not in Dataset.Regions, which is how a disabled opt-in
//     region answers); UnauthorizedOperation: 403; DryRunOperation: 412;
//     RequestLimitExceeded: 503.
//   - Pagination: MaxResults 5..1000 (pages of 1000 when absent), opaque
//     NextToken bound to the query that issued it, no nextToken on the last
//     page. Filters: connection-id and username for connections, endpoint-id
//     and transport-protocol for endpoints, description, destination-cidr
//     and group-id for authorization rules; values OR'ed, filters AND'ed.
//   - DryRun: a request that would succeed answers 412 DryRunOperation and
//     changes nothing; an invalid one answers its real error. A terminate's
//     DryRun checks the permission only (as EC2 documents): it answers
//     DryRunOperation whatever the ids.
//   - Terminate: by ConnectionId, or by Username (at most 5 of the user's
//     active or failed-to-terminate connections per call); the response reports previous and
//     current ("terminating") status.
//
// # Simplified
//
//   - Signatures are not verified; only the credential scope is read. The
//     Authorization header and credentials are never logged or stored.
//   - Termination completes at once: the response says "terminating", the
//     stored connection is already "terminated" with ConnectionEndTime from
//     the server's clock (SetClock). Terminating an already ended connection
//     by id reports it unchanged instead of failing.
//   - Describe returns every connection in the dataset; it does not hide
//     connections that ended more than 60 minutes ago (the sample has none),
//     and Timestamp is the dataset's value, not the time of the call.
//   - Only the members vpnsql reads are modelled; authentication option
//     details (certificate chain ARN, directory id, SAML provider ARN) are
//     synthesised from the endpoint; clientConnectOptions and
//     clientLoginBannerOptions come from ClientConnectLambdaArn and
//     LoginBannerText. DescribeRegions
//     lists only Dataset.Regions, all "opt-in-not-required", and ignores
//     AllRegions. Version is not checked.
//
// # Test hooks
//
// Every request is logged (Requests, ResetLog) with its action, region,
// parameters, status and error code. MaxInFlight reports peak concurrency.
// SetLatency delays answers (a request whose client gives up is dropped and
// logged with Status 0), SetTokenBucket gives every account+region (the
// account is the access key) EC2's token bucket of an action class
// (SetEC2TokenBuckets: AWS's sizes; SetOtherAutomation: other callers
// draining it), whose empty bucket answers 503 RequestLimitExceeded;
// SetThrottleEvery answers every k-th request 503
// RequestLimitExceeded, SetRegionFault makes one region answer a given
// error. AddFault (faults.go) spoils chosen answers (by action, endpoint,
// page, number of times) the way broken servers and proxies do: an error
// with a huge or multi-line message, an error document or a truncated or
// non-XML body with status 200, a nextToken sending the client back to an
// earlier page, a page repeating the previous page's last row. InFlight
// reports the requests being handled. Start listens on 127.0.0.1 only.
//
// SDK clients of the fake should wrap their HTTP client with
// clientvpn.ReadOnlyBody, as the product does: over plain HTTP a fast
// server exposes a client-side race between net/http and the SDK that
// drops connections and sends some requests twice (see there).
package ec2fake
