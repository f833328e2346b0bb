-- title: Failed logins per user and device IP
-- answers: Which users and device IPs failed to connect at least :min times in the :hours hours
--          before :now (brute-force and password-spraying suspects), from the connection log?
-- param: hours = 72  (length of the window, in hours)
-- param: min = 5  (failed attempts that make a suspect)
-- param: now = now  (end of the window: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- Certificate (mutual) authentication failures are not logged by AWS; directory and
-- SAML failures are. The window goes to the log as FilterLogEvents startTime/endTime.
WITH w(a, b) AS MATERIALIZED (SELECT datetime(:now, printf('-%d hours', :hours)), datetime(:now))
SELECT l.region,
       e.description AS endpoint,
       l.username,
       l.deviceIp AS device_ip,
       count(*) AS failures,
       group_concat(DISTINCT l.connectionAttemptFailureReason) AS reasons,
       min(l.eventTime) AS first_failure,
       max(l.eventTime) AS last_failure,
       l.clientVpnEndpointId AS endpoint_id
FROM w, client_vpn_endpoints AS e
JOIN client_vpn_connection_log AS l
  ON l.clientVpnEndpointId = e.clientVpnEndpointId AND l.region = e.region
WHERE l.eventTime >= w.a AND l.eventTime <= w.b
  AND l.connectionLogType = 'connection-attempt'
  AND l.connectionAttemptStatus = 'failed'
GROUP BY l.region, e.description, l.username, l.deviceIp, l.clientVpnEndpointId
HAVING count(*) >= :min
ORDER BY failures DESC, l.username, device_ip, endpoint_id;
