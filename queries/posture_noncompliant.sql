-- title: Open sessions that failed posture checks
-- answers: Which open sessions carry a failing device-posture status (out-of-date
--          OS, missing disk encryption or endpoint protection), as reported by
--          the endpoint's client connect handler?
-- param: now = now  (reference time for durations: 'YYYY-MM-DD HH:MM:SS' UTC, or now)
-- param: failing = non-compliant  (comma-separated statuses that mean a failed check)

-- AWS does not fix the values of postureComplianceStatusSet: it holds
-- whatever strings the endpoint's client connect handler (a Lambda)
-- returns, and a handler may return several (["compliant","mdm-enrolled"]).
-- So a set fails when it CONTAINS one of the :failing statuses, not when it
-- differs from exactly ["compliant"]. Extra tags beside a passing status
-- are not failures. An empty or missing set was not assessed: not listed.
WITH ref(now) AS MATERIALIZED (SELECT unixepoch(:now)),
s AS (
  SELECT c.*, c.accountId AS account_id, c.region AS region, e.description AS endpoint,
         ref.now - unixepoch(c.connectionEstablishedTime) AS secs
  FROM ref, client_vpn_endpoints AS e
  JOIN client_vpn_connections AS c
    ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
    AND c.accountId = e.accountId
  WHERE c.connectionEndTime IS NULL
    AND EXISTS (SELECT 1 FROM json_each(c.postureComplianceStatusSet) AS p
                WHERE instr(',' || replace(:failing, ', ', ',') || ',',
                            ',' || p.value || ',') > 0)
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
       clientVpnEndpointId AS endpoint_id,
       account_id
FROM s
ORDER BY region, endpoint, established, connection_id;
