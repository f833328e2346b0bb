-- title: Connections terminated in the last hour
-- answers: Which sessions ended in the last :minutes minutes, after how long,
--          why (status message), and how much data did they move?
-- param: minutes = 60  (how far back to look; the API shows ended sessions for a short while only)
-- param: now = now  (reference time: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

WITH ref(now) AS MATERIALIZED (SELECT unixepoch(:now)),
s AS (
  SELECT c.*, c.region AS region, e.description AS endpoint,
         unixepoch(c.connectionEndTime) AS ended,
         unixepoch(c.connectionEndTime) - unixepoch(c.connectionEstablishedTime) AS secs
  FROM ref, client_vpn_endpoints AS e
  JOIN client_vpn_connections AS c
    ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
  WHERE c.connectionEndTime IS NOT NULL
    AND unixepoch(c.connectionEndTime) BETWEEN ref.now - :minutes * 60 AND ref.now
)
SELECT connectionEndTime AS ended,
       region,
       endpoint,
       username,
       commonName AS common_name,
       clientIp AS client_ip,
       connectionEstablishedTime AS established,
       printf('%d:%02d:%02d', secs / 3600, secs % 3600 / 60, secs % 60) AS lasted,
       status->>'message' AS reason,
       ingressBytes AS ingress_bytes,
       egressBytes AS egress_bytes,
       connectionId AS connection_id,
       clientVpnEndpointId AS endpoint_id
FROM s
ORDER BY ended DESC, connection_id;
