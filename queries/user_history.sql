-- title: One user's sessions
-- answers: Which sessions did :user have in the :hours hours before :now, for how long, from
--          where, moving how many bytes, and which attempts failed (from the connection log)?
-- param: user = victor.okafor99  (the username, as the directory or identity provider sends it)
-- param: hours = 168  (length of the window, in hours)
-- param: now = now  (end of the window: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- username goes to CloudWatch as a filter pattern and the window as startTime/endTime.
-- Duration and bytes come from the connection-reset record; an open session has none yet.
WITH w(a, b) AS MATERIALIZED (SELECT datetime(:now, printf('-%d hours', :hours)), datetime(:now)),
s AS (
  SELECT l.region, l.clientVpnEndpointId, l.connectionId,
         min(l.connectionStartTime) AS started,
         max(l.connectionEndTime) AS ended,
         max(CASE WHEN l.connectionAttemptStatus = 'failed' THEN l.connectionAttemptFailureReason END) AS failure,
         max(CASE WHEN l.connectionLogType = 'connection-reset' THEN l.connectionDurationSeconds END) AS secs,
         max(CASE WHEN l.connectionLogType = 'connection-reset' THEN l.ingressBytes END) AS ingress,
         max(CASE WHEN l.connectionLogType = 'connection-reset' THEN l.egressBytes END) AS egress,
         max(l.deviceIp) AS device_ip,
         max(l.deviceType) AS device_type
  FROM w, client_vpn_connection_log AS l
  WHERE l.username = :user AND l.eventTime >= w.a AND l.eventTime <= w.b
  GROUP BY l.region, l.clientVpnEndpointId, l.connectionId
)
SELECT region,
       started,
       ended,
       CASE WHEN failure IS NOT NULL THEN 'failed: ' || failure
            WHEN ended IS NULL THEN 'open' ELSE 'ended' END AS outcome,
       CASE WHEN secs IS NOT NULL THEN printf('%d:%02d:%02d', secs / 3600, secs % 3600 / 60, secs % 60) END AS duration,
       secs AS duration_s,
       ingress AS ingress_bytes,
       egress AS egress_bytes,
       device_ip,
       device_type,
       connectionId AS connection_id,
       clientVpnEndpointId AS endpoint_id
FROM s
ORDER BY started, connection_id;
