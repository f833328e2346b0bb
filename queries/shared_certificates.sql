-- title: Certificates in use from two or more client IPs at once
-- answers: Which client certificates (common names) are connected from several
--          client IPs at the same time: copied certificates, shared devices or
--          credentials, or one person on several machines?
-- param: now = now  (reference time; open sessions last until then: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- Two sessions overlap when each began before the other ended (an open
-- session lasts until :now). Sessions ended lately count too, so a laptop
-- that dropped off a minute ago still shows up.
WITH ref(now) AS MATERIALIZED (SELECT unixepoch(:now)),
s AS MATERIALIZED (
  SELECT c.connectionId, c.commonName, c.clientIp, c.username, c.connectionEndTime,
         e.description AS endpoint,
         unixepoch(c.connectionEstablishedTime) AS t0,
         coalesce(unixepoch(c.connectionEndTime), ref.now) AS t1
  FROM ref, client_vpn_endpoints AS e
  JOIN client_vpn_connections AS c
    ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
  WHERE coalesce(c.commonName, '') <> ''
),
overlapping AS (
  SELECT DISTINCT a.*
  FROM s AS a
  JOIN s AS b
    ON b.commonName = a.commonName AND b.clientIp <> a.clientIp
   AND a.t0 < b.t1 AND b.t0 < a.t1
)
SELECT commonName AS common_name,
       count(DISTINCT clientIp) AS client_ips,
       count(*) AS sessions,
       count(*) FILTER (WHERE connectionEndTime IS NULL) AS open_sessions,
       group_concat(DISTINCT clientIp ORDER BY clientIp) AS ips,
       coalesce(group_concat(DISTINCT nullif(username, '') ORDER BY nullif(username, '')), '') AS usernames,
       group_concat(DISTINCT endpoint ORDER BY endpoint) AS endpoints,
       datetime(min(t0), 'unixepoch') AS first_established
FROM overlapping
GROUP BY commonName
ORDER BY client_ips DESC, sessions DESC, common_name;
