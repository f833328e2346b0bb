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
-- failed-to-terminate); the resource is the connection id.
-- accountId: NULL until vpnsql reads several accounts (then c.accountId).
WITH ref(now) AS MATERIALIZED (SELECT unixepoch(:now)),
s AS (
  SELECT c.region, c.connectionId, e.description AS endpoint,
         coalesce(c.username, c.commonName) AS who,
         ref.now - unixepoch(c.connectionEstablishedTime) AS secs
  FROM ref, client_vpn_endpoints AS e
  JOIN client_vpn_connections AS c
    ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
  WHERE c.connectionEndTime IS NULL
)
SELECT NULL AS accountId,
       region,
       connectionId AS resource,
       CASE WHEN secs > :hours * 3600 THEN 'alarm' ELSE 'ok' END AS status,
       printf('%s on %s, up %d:%02d h', who, endpoint, secs / 3600, secs % 3600 / 60) AS reason
FROM s
ORDER BY region, resource;
