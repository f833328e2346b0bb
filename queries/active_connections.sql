-- title: Active connections and how long they have been up
-- answers: Who is connected right now, to which endpoint, from which client IP,
--          since when, for how long, and how much data has each session moved?
-- param: now = now  (reference time for durations: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- Only status "active"; sessions being terminated, or that failed to
-- terminate, are in failed_terminations and long_sessions.
WITH ref(now) AS MATERIALIZED (SELECT unixepoch(:now)),
s AS (
  SELECT c.*, c.accountId AS account_id, c.region AS region, e.description AS endpoint,
         ref.now - unixepoch(c.connectionEstablishedTime) AS secs
  FROM ref, client_vpn_endpoints AS e
  JOIN client_vpn_connections AS c
    ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
    AND c.accountId = e.accountId
  WHERE c.status->>'code' = 'active'
)
SELECT region,
       endpoint,
       username,
       commonName AS common_name,
       clientIp AS client_ip,
       connectionEstablishedTime AS established,
       printf('%d:%02d:%02d', secs / 3600, secs % 3600 / 60, secs % 60) AS duration,
       secs AS duration_s,
       ingressBytes AS ingress_bytes,
       egressBytes AS egress_bytes,
       connectionId AS connection_id,
       clientVpnEndpointId AS endpoint_id,
       account_id
FROM s
ORDER BY secs DESC, connection_id;
