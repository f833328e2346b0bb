-- title: Top talkers by bytes
-- answers: Who moves the most data through the VPN? Bytes in and out summed per
--          user (per certificate common name where there is no username), over
--          every session the API still shows: open ones and those ended lately.
-- param: limit = 20  (how many to list)

SELECT coalesce(nullif(c.username, ''), c.commonName) AS who,
       CASE WHEN coalesce(c.username, '') = '' THEN 'certificate' ELSE 'user' END AS identity,
       count(*) AS sessions,
       count(*) FILTER (WHERE c.connectionEndTime IS NULL) AS open_sessions,
       sum(c.ingressBytes) AS ingress_bytes,
       sum(c.egressBytes) AS egress_bytes,
       sum(c.ingressBytes) + sum(c.egressBytes) AS total_bytes,
       round((sum(c.ingressBytes) + sum(c.egressBytes)) / 1073741824.0, 2) AS total_gib
FROM client_vpn_endpoints AS e
JOIN client_vpn_connections AS c
  ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
GROUP BY who, identity
ORDER BY total_bytes DESC, who, identity
LIMIT :limit;
