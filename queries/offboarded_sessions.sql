-- title: Open sessions of offboarded users
-- answers: Which users listed in your own table offboarded(username) (open it
--          with --db) still have open VPN sessions, where from and since when?
-- param: now = now  (reference time for durations: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- Usernames match without regard to ASCII case. Create the table once, e.g.
--   vpnsql --db hr.db "CREATE TABLE offboarded(username TEXT PRIMARY KEY)"
--
-- To end these sessions (run vpnsql --db hr.db --allow-terminate; every call
-- is recorded; a fourth argument 1 makes it a dry run):
--
--   SELECT c.username, c.connectionId,
--          client_vpn_connections_terminate(c.clientVpnEndpointId, c.region, c.connectionId) AS result
--   FROM client_vpn_endpoints AS e
--   JOIN client_vpn_connections AS c
--     ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
--     AND c.accountId = e.accountId
--   WHERE c.connectionEndTime IS NULL AND c.status->>'code' <> 'terminating'
--     AND lower(c.username) IN (SELECT lower(username) FROM offboarded);
WITH ref(now) AS MATERIALIZED (SELECT unixepoch(:now)),
s AS (
  SELECT c.*, c.accountId AS account_id, c.region AS region, e.description AS endpoint,
         ref.now - unixepoch(c.connectionEstablishedTime) AS secs
  FROM ref, client_vpn_endpoints AS e
  JOIN client_vpn_connections AS c
    ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
    AND c.accountId = e.accountId
  WHERE c.connectionEndTime IS NULL
    AND lower(c.username) IN (SELECT lower(username) FROM offboarded)
)
SELECT username,
       region,
       endpoint,
       commonName AS common_name,
       clientIp AS client_ip,
       status->>'code' AS status,
       connectionEstablishedTime AS established,
       printf('%d:%02d:%02d', secs / 3600, secs % 3600 / 60, secs % 60) AS duration,
       ingressBytes AS ingress_bytes,
       egressBytes AS egress_bytes,
       connectionId AS connection_id,
       clientVpnEndpointId AS endpoint_id,
       account_id
FROM s
ORDER BY username, established, connection_id;
