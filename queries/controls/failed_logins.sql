-- title: No brute-force login attempts
-- answers: Did any user or device IP fail to connect more than :max_failures
--          times in the :hours hours before :now (connection log)?
-- id: failed_logins
-- severity: high
-- fix: find the source in client_vpn_connection_log; block the device IP (network ACL or WAF in front of the IdP) or lock the account
-- tags: logging, identity, live
-- needs: client_vpn_connection_log
-- param: max_failures = 10  (failed attempts allowed per user or device IP)
-- param: hours = 24  (the window, in hours before :now)
-- param: now = now  (end of the window: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- Needs the connection log (endpoints with logging off have none: the
-- connection_logging control covers them). One row per user and per device
-- IP that tried to connect in the window. Failed certificate
-- (mutual-authentication) attempts are not logged by AWS.
WITH win(start, stop) AS MATERIALIZED (
  SELECT datetime(unixepoch(:now) - :hours * 3600, 'unixepoch'), datetime(:now)
),
attempts AS (
  SELECT l.accountId, l.region, l.username, l.deviceIp, l.connectionAttemptStatus = 'failed' AS failed
  FROM win, client_vpn_connection_log AS l
  WHERE l.eventTime >= win.start AND l.eventTime <= win.stop
    AND l.connectionLogType = 'connection-attempt'
),
who(accountId, region, kind, name, failures, tries) AS (
  SELECT accountId, region, 'user', username, sum(failed), count(*) FROM attempts
  WHERE username IS NOT NULL GROUP BY accountId, region, username
  UNION ALL
  SELECT accountId, region, 'device IP', deviceIp, sum(failed), count(*) FROM attempts
  WHERE deviceIp IS NOT NULL GROUP BY accountId, region, deviceIp
)
SELECT accountId,
       region,
       kind || ' ' || name AS resource,
       CASE WHEN failures > :max_failures THEN 'alarm' ELSE 'ok' END AS status,
       printf('%d of %d attempts failed in the last %s hours', failures, tries, :hours) AS reason
FROM who
ORDER BY accountId, region, resource;
