-- title: One user's sessions
-- answers: Which sessions did :user have in the :hours hours before :now, for how long, from
--          where, moving how many bytes, and which attempts failed (from the connection log)?
-- param: user = victor.okafor99  (the username, as the directory or identity provider sends it)
-- param: hours = 168  (length of the window, in hours)
-- param: now = now  (end of the window: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- username goes to CloudWatch as a filter pattern and the window as startTime/endTime.
-- Duration and bytes come from the connection-reset record; an open session has none yet.
WITH w(a, b) AS MATERIALIZED (SELECT datetime(:now, printf('-%d hours', :hours)), datetime(:now))
SELECT l.region,
       min(l.connectionStartTime) AS started,
       max(l.connectionEndTime) AS ended,
       CASE max(l.connectionAttemptStatus = 'failed') WHEN 1 THEN 'failed: ' || max(l.connectionAttemptFailureReason)
            ELSE CASE WHEN max(l.connectionEndTime) IS NULL THEN 'open' ELSE 'ended' END END AS outcome,
       printf('%d:%02d:%02d', max(l.connectionDurationSeconds) / 3600,
              max(l.connectionDurationSeconds) % 3600 / 60, max(l.connectionDurationSeconds) % 60) AS duration,
       max(l.connectionDurationSeconds) AS duration_s,
       max(l.ingressBytes) AS ingress_bytes,
       max(l.egressBytes) AS egress_bytes,
       max(l.deviceIp) AS device_ip,
       max(l.deviceType) AS device_type,
       l.connectionId AS connection_id,
       l.clientVpnEndpointId AS endpoint_id
FROM w, client_vpn_connection_log AS l
WHERE l.username = :user AND l.eventTime >= w.a AND l.eventTime <= w.b
GROUP BY l.region, l.clientVpnEndpointId, l.connectionId
ORDER BY started, connection_id;
