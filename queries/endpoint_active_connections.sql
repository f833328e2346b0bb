-- title: Endpoints and their active connection count
-- answers: How many active connections and distinct users does each Client VPN
--          endpoint have right now, idle endpoints (zero) included?

SELECT e.region,
       e.description AS endpoint,
       e.status->>'code' AS endpoint_status,
       count(c.connectionId) AS active_connections,
       count(DISTINCT nullif(c.username, '')) AS users,
       count(c.connectionId) FILTER (WHERE coalesce(c.username, '') = '') AS certificate_only,
       e.clientCidrBlock AS client_cidr,
       e.transportProtocol || '/' || e.vpnPort AS transport,
       e.clientVpnEndpointId AS endpoint_id,
       e.accountId AS account_id
FROM client_vpn_endpoints AS e
LEFT JOIN client_vpn_connections AS c
  ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region AND c.accountId = e.accountId
 AND c.status->>'code' = 'active'
GROUP BY e.accountId, e.region, e.clientVpnEndpointId
ORDER BY active_connections DESC, e.region, endpoint_id;
