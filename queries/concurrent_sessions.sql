-- title: Users with more than N concurrent sessions
-- answers: Which users hold more than :max active sessions at once (shared
--          accounts, leaked credentials, forgotten devices)?
-- param: max = 2  (active sessions a user may hold at once)

SELECT c.username,
       count(*) AS active_sessions,
       count(DISTINCT c.clientIp) AS client_ips,
       group_concat(DISTINCT c.clientIp ORDER BY c.clientIp) AS ips,
       group_concat(DISTINCT c.commonName ORDER BY c.commonName) AS common_names,
       group_concat(DISTINCT e.description ORDER BY e.description) AS endpoints,
       min(c.connectionEstablishedTime) AS oldest_established,
       max(c.connectionEstablishedTime) AS newest_established
FROM client_vpn_endpoints AS e
JOIN client_vpn_connections AS c
  ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
WHERE c.status->>'code' = 'active' AND coalesce(c.username, '') <> ''
GROUP BY c.username
HAVING count(*) > :max
ORDER BY active_sessions DESC, c.username;
