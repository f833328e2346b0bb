-- title: Open sessions that failed posture checks
-- answers: Which open sessions report a device posture other than compliant
--          (out-of-date OS, missing disk encryption or endpoint protection)?
-- param: now = now  (reference time for durations: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- A session with an empty postureComplianceStatusSet was not assessed and
-- is not listed; any status other than "compliant" is.
WITH ref(now) AS MATERIALIZED (SELECT unixepoch(:now)),
s AS (
  SELECT c.*, c.region AS region, e.description AS endpoint,
         ref.now - unixepoch(c.connectionEstablishedTime) AS secs
  FROM ref, client_vpn_endpoints AS e
  JOIN client_vpn_connections AS c
    ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
  WHERE c.connectionEndTime IS NULL
    AND EXISTS (SELECT 1 FROM json_each(c.postureComplianceStatusSet) AS p
                WHERE p.value <> 'compliant')
)
SELECT region,
       endpoint,
       username,
       commonName AS common_name,
       clientIp AS client_ip,
       (SELECT group_concat(p.value, ',' ORDER BY p.key)
          FROM json_each(postureComplianceStatusSet) AS p) AS posture,
       status->>'code' AS status,
       connectionEstablishedTime AS established,
       printf('%d:%02d:%02d', secs / 3600, secs % 3600 / 60, secs % 60) AS duration,
       connectionId AS connection_id,
       clientVpnEndpointId AS endpoint_id
FROM s
ORDER BY region, endpoint, established, connection_id;
