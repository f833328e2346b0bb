-- title: Failed terminations
-- answers: Which sessions did Client VPN fail to terminate, so that they may
--          still be connected, and how long have they been up?
-- param: now = now  (reference time for durations: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- To try again (run vpnsql with --allow-terminate; every call is recorded;
-- a fourth argument 1 makes it a dry run):
--
--   SELECT c.connectionId,
--          client_vpn_connections_terminate(c.clientVpnEndpointId, c.region, c.connectionId) AS result
--   FROM client_vpn_endpoints AS e
--   JOIN client_vpn_connections AS c
--     ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
--   WHERE c.status->>'code' = 'failed-to-terminate';
WITH ref(now) AS MATERIALIZED (SELECT unixepoch(:now)),
s AS (
  SELECT c.*, c.region AS region, e.description AS endpoint,
         ref.now - unixepoch(c.connectionEstablishedTime) AS secs
  FROM ref, client_vpn_endpoints AS e
  JOIN client_vpn_connections AS c
    ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
  WHERE c.status->>'code' = 'failed-to-terminate'
)
SELECT region,
       endpoint,
       username,
       commonName AS common_name,
       clientIp AS client_ip,
       connectionEstablishedTime AS established,
       printf('%d:%02d:%02d', secs / 3600, secs % 3600 / 60, secs % 60) AS up_for,
       status->>'message' AS message,
       connectionId AS connection_id,
       clientVpnEndpointId AS endpoint_id
FROM s
ORDER BY secs DESC, connection_id;
