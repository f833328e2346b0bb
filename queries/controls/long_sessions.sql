-- title: No session stays up longer than N hours
-- answers: Is any open session older than :hours hours (an unattended or
--          shared laptop, a timeout that is not enforced)?
-- id: long_sessions
-- severity: medium
-- fix: end it: SELECT client_vpn_connections_terminate(ENDPOINT, REGION, CONNECTION_ID) with --allow-terminate; then lower the endpoint's --session-timeout-hours
-- tags: session, live
-- param: hours = 24  (hours an open session may last)
-- param: now = now  (reference time: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- One row per open session (no end time yet: active, terminating or
-- failed-to-terminate); the resource is the connection id. Connections are
-- read without naming endpoints, so vpnsql reads every endpoint
-- concurrently (a join would read them one by one).
WITH ref(now) AS MATERIALIZED (SELECT unixepoch(:now)),
c AS MATERIALIZED (
  SELECT c.accountId, c.region, c.clientVpnEndpointId, c.connectionId,
         coalesce(c.username, c.commonName) AS who,
         ref.now - unixepoch(c.connectionEstablishedTime) AS secs
  FROM ref, client_vpn_connections AS c
  WHERE c.connectionEndTime IS NULL
),
e AS MATERIALIZED (SELECT accountId, region, clientVpnEndpointId, description FROM client_vpn_endpoints)
SELECT c.accountId,
       c.region,
       c.connectionId AS resource,
       CASE WHEN c.secs > :hours * 3600 THEN 'alarm' ELSE 'ok' END AS status,
       printf('%s on %s, up %d:%02d h', c.who, coalesce(e.description, c.clientVpnEndpointId),
              c.secs / 3600, c.secs % 3600 / 60) AS reason
FROM c LEFT JOIN e
  ON e.clientVpnEndpointId = c.clientVpnEndpointId AND e.region = c.region AND e.accountId = c.accountId
ORDER BY c.accountId, c.region, resource;
