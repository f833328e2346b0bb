-- title: Sessions longer than N hours
-- answers: Which open sessions have been up longer than :hours hours (stale sessions,
--          shared or unattended laptops, a session timeout that is not enforced)?
-- param: hours = 24  (hours a session may last)
-- param: now = now  (reference time: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- Open means no end time yet: active, terminating or failed-to-terminate.
-- endpoint_timeout_h is the endpoint's sessionTimeoutHours, for comparison.
WITH ref(now) AS MATERIALIZED (SELECT unixepoch(:now)),
s AS (
  SELECT c.*, c.accountId AS account_id, c.region AS region, e.description AS endpoint,
         e.sessionTimeoutHours AS timeout_h,
         ref.now - unixepoch(c.connectionEstablishedTime) AS secs
  FROM ref, client_vpn_endpoints AS e
  JOIN client_vpn_connections AS c
    ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
    AND c.accountId = e.accountId
  WHERE c.connectionEndTime IS NULL
)
SELECT region,
       endpoint,
       username,
       commonName AS common_name,
       clientIp AS client_ip,
       status->>'code' AS status,
       connectionEstablishedTime AS established,
       printf('%d:%02d:%02d', secs / 3600, secs % 3600 / 60, secs % 60) AS duration,
       secs AS duration_s,
       timeout_h AS endpoint_timeout_h,
       connectionId AS connection_id,
       clientVpnEndpointId AS endpoint_id,
       account_id
FROM s
WHERE secs > :hours * 3600
ORDER BY secs DESC, connection_id;
