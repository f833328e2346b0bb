-- title: Endpoints with connection logging off
-- answers: Which endpoints do not send connection logs to CloudWatch Logs, so
--          their sessions leave no audit trail, and how many active
--          connections are going unlogged right now?

-- An endpoint without connectionLogOptions counts as logging off.
SELECT e.region,
       e.description AS endpoint,
       e.status->>'code' AS endpoint_status,
       count(c.connectionId) AS active_connections,
       replace(e.creationTime, 'T', ' ') AS created,
       e.vpcId AS vpc_id,
       e.clientVpnEndpointId AS endpoint_id,
       e.accountId AS account_id
FROM client_vpn_endpoints AS e
LEFT JOIN client_vpn_connections AS c
  ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region AND c.accountId = e.accountId
 AND c.status->>'code' = 'active'
WHERE coalesce(e.connectionLogOptions->>'Enabled', 0) = 0
GROUP BY e.accountId, e.region, e.clientVpnEndpointId
ORDER BY e.region, endpoint_id;
