-- title: Certificates shared between users or devices
-- answers: Which client certificates (common names) are used by two or more
--          usernames, or, in certificate-only sessions where the certificate is
--          the only identity, by two or more sessions at the same time (a copied
--          certificate or one certificate on several devices)?
-- param: now = now  (reference time; open sessions last until then: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- clientIp is the address the VPN assigns from the endpoint's client CIDR,
-- not the device's address, so it cannot tell devices apart: a second
-- session at the same time can. Sessions with a username are counted per
-- username (one person on two laptops is concurrent_sessions' question).
-- Two sessions overlap when each began before the other ended; an open
-- session lasts until :now. The overlap count is a sweep over start (+1)
-- and end (-1) events per certificate, ends first at equal times, so the
-- work grows as n log n, not n^2.
WITH ref(now) AS MATERIALIZED (SELECT unixepoch(:now)),
s AS MATERIALIZED (
  SELECT c.commonName, nullif(c.username, '') AS username,
         c.connectionEndTime IS NULL AS open,
         e.description AS endpoint,
         unixepoch(c.connectionEstablishedTime) AS t0,
         coalesce(unixepoch(c.connectionEndTime), ref.now) AS t1
  FROM ref, client_vpn_endpoints AS e
  JOIN client_vpn_connections AS c
    ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
  WHERE coalesce(c.commonName, '') <> ''
),
events(commonName, t, d) AS (
  SELECT commonName, t0, 1 FROM s WHERE username IS NULL
  UNION ALL
  SELECT commonName, t1, -1 FROM s WHERE username IS NULL
),
concurrency AS (
  SELECT commonName, max(n) AS max_concurrent
  FROM (SELECT commonName,
               sum(d) OVER (PARTITION BY commonName ORDER BY t, d
                            ROWS UNBOUNDED PRECEDING) AS n
        FROM events)
  GROUP BY commonName
),
per_certificate AS (
  SELECT commonName,
         count(DISTINCT username) AS users,
         count(*) AS sessions,
         count(*) FILTER (WHERE open) AS open_sessions,
         coalesce(group_concat(DISTINCT username ORDER BY username), '') AS usernames,
         group_concat(DISTINCT endpoint ORDER BY endpoint) AS endpoints,
         datetime(min(t0), 'unixepoch') AS first_established
  FROM s
  GROUP BY commonName
)
SELECT p.commonName AS common_name,
       p.users,
       coalesce(c.max_concurrent, 0) AS max_concurrent_cert_only,
       p.sessions,
       p.open_sessions,
       p.usernames,
       p.endpoints,
       p.first_established
FROM per_certificate AS p
LEFT JOIN concurrency AS c USING (commonName)
WHERE p.users >= 2 OR c.max_concurrent >= 2
ORDER BY p.users DESC, max_concurrent_cert_only DESC, p.sessions DESC, common_name;
